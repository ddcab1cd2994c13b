//! The parser: bytes → directives, trivia, instructions and stages.
//!
//! It follows BuildKit's Dockerfile frontend (`frontend/dockerfile/parser`): directives only
//! at the very top, a continuation is the escape character at the end of a line (trailing
//! blanks allowed), comment and empty lines inside a continuation are skipped, heredocs are
//! read after the whole logical line of RUN/COPY/ADD (also under ONBUILD), flags are the
//! leading `--words`. Unlike BuildKit it never stops at an error: it records a [`Problem`]
//! and goes on, and it never panics.

use std::borrow::Cow;
use std::collections::HashSet;

use super::model::{
    Args, Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, KeyValue, Layout, Problem,
    Stage,
};
use super::{normalize, source, words};

/// At most this many problems are recorded; one more line says how many were left out.
const MAX_PROBLEMS: usize = 1000;

/// The instructions Docker knows.
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The flags each instruction accepts (BuildKit's stable and labs flags).
fn allowed_flags(keyword: &str) -> &'static [&'static str] {
    match keyword {
        "FROM" => &["platform"],
        "RUN" => &["mount", "network", "security", "device"],
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &[
            "chown",
            "chmod",
            "link",
            "keep-git-dir",
            "checksum",
            "exclude",
            "unpack",
            "parents",
        ],
        "HEALTHCHECK" => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        _ => &[],
    }
}

/// Flags that may be given more than once.
const REPEATABLE_FLAGS: &[&str] = &["mount", "exclude", "device"];

/// Parses a Dockerfile. Never fails and never panics: what it cannot parse is reported in
/// [`Dockerfile::problems`] with its line, and parsing goes on with the next line.
pub fn parse(input: &[u8]) -> Dockerfile {
    let decoded = source::decode(input);
    let split = source::split_lines(&decoded.text);
    let mut p = Parser {
        lines: &split.lines,
        i: 0,
        escape: '\\',
        problems: Problems {
            list: decoded.problems,
            dropped: 0,
        },
        directives: Vec::new(),
        comments: Vec::new(),
        blank_lines: Vec::new(),
        preamble: Vec::new(),
        stages: Vec::new(),
        stage_names: HashSet::new(),
    };
    p.parse_directives();
    p.parse_body();
    if p.stages.is_empty() {
        p.problems
            .push(1, "no FROM instruction: the file builds nothing");
    }
    let layout = Layout {
        bom: decoded.bom,
        encoding: decoded.encoding,
        line_ending: split.line_ending,
        final_newline: split.final_newline,
        line_count: split.lines.len(),
        blank_lines: p.blank_lines,
        fingerprint: source::fingerprint(input),
    };
    Dockerfile {
        directives: p.directives,
        escape: p.escape,
        preamble: p.preamble,
        stages: p.stages,
        comments: p.comments,
        problems: p.problems.finish(),
        layout,
    }
}

/// Parses text (a convenience for tests and generated files).
pub fn parse_str(text: &str) -> Dockerfile {
    parse(text.as_bytes())
}

struct Problems {
    list: Vec<Problem>,
    dropped: usize,
}

impl Problems {
    fn push(&mut self, line: usize, message: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(Problem {
                line,
                message: message.into(),
            });
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<Problem> {
        if self.dropped > 0 {
            let line = self.list.last().map_or(1, |p| p.line);
            self.list.push(Problem {
                line,
                message: format!("{} more problems not shown", self.dropped),
            });
        }
        self.list
    }
}

struct Parser<'a> {
    lines: &'a [&'a str],
    /// Index of the next line to read (0-based).
    i: usize,
    escape: char,
    problems: Problems,
    directives: Vec<Directive>,
    comments: Vec<Comment>,
    blank_lines: Vec<usize>,
    preamble: Vec<Instruction>,
    stages: Vec<Stage>,
    stage_names: HashSet<String>,
}

/// A heredoc marker seen on an instruction line, body not read yet.
struct Pending {
    name: String,
    chomp: bool,
    expand: bool,
}

/// `# name = value` as BuildKit's directive regex accepts it.
fn match_directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = &rest[..end];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[end..].trim_start().strip_prefix('=')?.trim();
    (!value.is_empty()).then_some((name, value))
}

/// Strips a trailing escape character (blanks after it allowed): `(content, continues)`.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    match t.strip_suffix(escape) {
        Some(body) => (body, true),
        None => (line, false),
    }
}

/// A heredoc marker word: `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<'EOF'`; not `<<<here-string`.
fn heredoc_marker(word: &str, escape: char) -> Option<Pending> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let expand = !rest.contains(['"', '\'']);
    let name = words::unquote(rest, escape);
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some(Pending {
        name,
        chomp,
        expand,
    })
}

impl Parser<'_> {
    fn parse_directives(&mut self) {
        let mut seen: Vec<String> = Vec::new();
        while let Some(line) = self.lines.get(self.i) {
            let Some((name, value)) = match_directive(line) else {
                break;
            };
            let name = name.to_ascii_lowercase();
            if !matches!(name.as_str(), "syntax" | "escape" | "check") {
                break;
            }
            let lineno = self.i + 1;
            if seen.contains(&name) {
                self.problems.push(
                    lineno,
                    format!("only one {name} parser directive can be used: this one is ignored"),
                );
            } else {
                if name == "escape" {
                    match value {
                        "\\" => self.escape = '\\',
                        "`" => self.escape = '`',
                        _ => self.problems.push(
                            lineno,
                            format!("invalid escape directive {value:?}: must be ` or \\"),
                        ),
                    }
                }
                self.directives.push(Directive {
                    name: name.clone(),
                    value: value.to_string(),
                    line: lineno,
                });
                seen.push(name);
            }
            self.i += 1;
        }
    }

    fn parse_body(&mut self) {
        while let Some(line) = self.lines.get(self.i) {
            let t = line.trim_start();
            if t.is_empty() {
                self.blank_lines.push(self.i + 1);
                self.i += 1;
            } else if let Some(text) = t.strip_prefix('#') {
                self.comments.push(Comment {
                    line: self.i + 1,
                    text: text.trim().to_string(),
                });
                self.i += 1;
            } else if let Some(instr) = self.read_instruction() {
                self.place(instr);
            }
        }
    }

    /// Reads one instruction starting at line `self.i`: its continuation lines and heredoc
    /// bodies. `None` when the lines hold nothing but escape characters.
    fn read_instruction(&mut self) -> Option<Instruction> {
        let start = self.i;
        let (first, mut cont) = trim_continuation(self.lines[start].trim_start(), self.escape);
        let mut logical = first.to_string();
        self.i += 1;
        while cont && self.i < self.lines.len() {
            let l = self.lines[self.i];
            let t = l.trim_start();
            if let Some(text) = t.strip_prefix('#') {
                self.comments.push(Comment {
                    line: self.i + 1,
                    text: text.trim().to_string(),
                });
            } else if !t.is_empty() {
                let (content, more) = trim_continuation(l, self.escape);
                logical.push_str(content);
                cont = more;
            }
            self.i += 1;
        }
        if logical.trim().is_empty() {
            return None;
        }
        let line_start = start + 1;
        let (mut instr, pending) =
            parse_logical(&logical, self.escape, line_start, &mut self.problems, false);
        for p in pending {
            let body_start = self.i + 1;
            let mut content = String::new();
            let mut terminated = false;
            while let Some(l) = self.lines.get(self.i) {
                self.i += 1;
                let candidate = if p.chomp {
                    l.trim_start_matches('\t')
                } else {
                    l
                };
                if candidate == p.name {
                    terminated = true;
                    break;
                }
                content.push_str(l);
                content.push('\n');
            }
            if !terminated {
                self.problems.push(
                    line_start,
                    format!(
                        "unterminated heredoc <<{}: no line `{}` before the end of the file",
                        p.name, p.name
                    ),
                );
            }
            instr.heredocs.push(Heredoc {
                name: p.name,
                chomp: p.chomp,
                expand: p.expand,
                content,
                line_start: body_start,
                line_end: self.i,
            });
        }
        instr.line_start = line_start;
        instr.line_end = self.i;
        instr.raw = self.lines[start..self.i].join("\n");
        if instr.raw != logical {
            instr.logical = Some(logical);
        }
        for h in &instr.heredocs {
            normalize::push_heredoc_key(&mut instr.normalized, h);
        }
        if let Args::OnBuild(inner) = &mut instr.args {
            inner.line_start = instr.line_start;
            inner.line_end = instr.line_end;
        }
        Some(instr)
    }

    fn place(&mut self, instr: Instruction) {
        if instr.keyword == "FROM" {
            let name = match &instr.args {
                Args::From { name, .. } => name.clone(),
                _ => None,
            };
            if let Some(n) = &name
                && !self.stage_names.insert(n.clone())
            {
                self.problems.push(
                    instr.line_start,
                    format!("duplicate stage name {n:?}: a later --from={n} is ambiguous"),
                );
            }
            self.stages.push(Stage {
                name,
                index: self.stages.len(),
                from: instr,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = self.stages.last_mut() {
            stage.instructions.push(instr);
        } else {
            if instr.keyword != "ARG" && KEYWORDS.contains(&&*instr.keyword) {
                self.problems.push(
                    instr.line_start,
                    format!(
                        "{} before the first FROM: only ARG may come before FROM",
                        instr.keyword
                    ),
                );
            }
            self.preamble.push(instr);
        }
    }
}

/// Parses one logical line (continuations joined) into an instruction without its lines,
/// raw text or heredoc bodies, and the heredoc markers whose bodies follow.
fn parse_logical(
    logical: &str,
    escape: char,
    line: usize,
    problems: &mut Problems,
    nested: bool,
) -> (Instruction, Vec<Pending>) {
    let t = logical.trim_start();
    let (kw, rest) = match t.find(char::is_whitespace) {
        Some(i) => (&t[..i], t[i..].trim_start()),
        None => (t, ""),
    };
    let (keyword, known): (Cow<'static, str>, bool) =
        match KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(kw)) {
            Some(k) => (Cow::Borrowed(*k), true),
            None => (Cow::Owned(kw.to_ascii_uppercase()), false),
        };
    let (flag_words, rest) = words::extract_flags(rest);
    let flags = parse_flags(&keyword, known, flag_words, line, problems);
    let rest = rest.trim();
    let mut pending = Vec::new();

    let (args, args_key) = if !known {
        problems.push(line, format!("unknown instruction: {kw}"));
        (
            Args::Text(rest.to_string()),
            normalize::shell_key(rest, escape),
        )
    } else if rest.is_empty() {
        problems.push(line, format!("{keyword} requires at least one argument"));
        (Args::Empty, String::new())
    } else {
        match &*keyword {
            "RUN" | "CMD" | "ENTRYPOINT" => command_args(rest, escape),
            "SHELL" => {
                let (args, key) = command_args(rest, escape);
                if !matches!(args, Args::Exec(_)) {
                    problems.push(
                        line,
                        "SHELL requires the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]",
                    );
                }
                (args, key)
            }
            "COPY" | "ADD" => {
                let (args, key) = path_args(rest, escape);
                if let Args::Exec(v) | Args::Words(v) = &args
                    && v.len() < 2
                {
                    problems.push(
                        line,
                        format!(
                            "{keyword} requires at least two arguments: source and destination"
                        ),
                    );
                }
                (args, key)
            }
            "VOLUME" => path_args(rest, escape),
            "EXPOSE" => {
                let ports: Vec<String> = words::split_words(rest, escape)
                    .iter()
                    .map(|w| words::unquote(w, escape))
                    .collect();
                let key = normalize::ports_key(&ports);
                (Args::Words(ports), key)
            }
            "ENV" | "LABEL" => name_values(&keyword, rest, escape, line, problems),
            "ARG" => arg_values(rest, escape, line, problems),
            "FROM" => from_args(rest, escape, line, problems),
            "HEALTHCHECK" => healthcheck_args(rest, escape, !flags.is_empty(), line, problems),
            "ONBUILD" => {
                let inner_kw = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                if !nested && matches!(inner_kw.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
                    problems.push(
                        line,
                        format!("{inner_kw} isn't allowed as an ONBUILD trigger"),
                    );
                }
                if nested {
                    (
                        Args::Text(rest.to_string()),
                        normalize::shell_key(rest, escape),
                    )
                } else {
                    let (mut inner, inner_pending) =
                        parse_logical(rest, escape, line, problems, true);
                    inner.raw = rest.to_string();
                    pending = inner_pending;
                    let key = normalize::items_key("onbuild", [inner.normalized()]);
                    (Args::OnBuild(Box::new(inner)), key)
                }
            }
            // `WORKDIR /app/` is `/app`.
            "WORKDIR" => (
                Args::Text(rest.to_string()),
                normalize::items_key(
                    "text",
                    [super::facts::clean_workdir(&words::collapse_ws(
                        rest, escape,
                    ))],
                ),
            ),
            // USER, STOPSIGNAL, MAINTAINER
            _ => (
                Args::Text(rest.to_string()),
                normalize::items_key("text", [words::collapse_ws(rest, escape)]),
            ),
        }
    };

    if matches!(&*keyword, "RUN" | "COPY" | "ADD")
        && !matches!(args, Args::Exec(_))
        && rest.contains("<<")
    {
        pending.extend(
            words::split_words(rest, escape)
                .iter()
                .filter_map(|w| heredoc_marker(w, escape)),
        );
    }

    let normalized = normalize::instruction_key(&keyword, &flags, &args_key);
    let instr = Instruction {
        keyword,
        flags,
        args,
        heredocs: Vec::new(),
        line_start: line,
        line_end: line,
        raw: String::new(),
        logical: None,
        normalized,
    };
    (instr, pending)
}

fn parse_flags(
    keyword: &str,
    known: bool,
    flag_words: Vec<String>,
    line: usize,
    problems: &mut Problems,
) -> Vec<Flag> {
    let allowed = allowed_flags(keyword);
    let mut flags: Vec<Flag> = Vec::new();
    for w in flag_words {
        let body = w.strip_prefix("--").unwrap_or(&w);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        if name.is_empty() {
            problems.push(line, format!("malformed flag {w:?}"));
            continue;
        }
        if known && !allowed.contains(&name) {
            problems.push(line, format!("unknown flag --{name} for {keyword}"));
        } else if !REPEATABLE_FLAGS.contains(&name) && flags.iter().any(|f| f.name == name) {
            problems.push(line, format!("duplicate flag --{name}"));
        }
        flags.push(Flag {
            name: name.to_string(),
            value,
        });
    }
    flags
}

/// RUN/CMD/ENTRYPOINT/SHELL and HEALTHCHECK CMD: exec form if the text is a JSON string
/// array, shell form otherwise (as BuildKit's `parseMaybeJSON`).
fn command_args(rest: &str, escape: char) -> (Args, String) {
    match words::parse_json_array(rest) {
        Some(v) => {
            let key = normalize::exec_key(&v);
            (Args::Exec(v), key)
        }
        None => (
            Args::Shell(rest.to_string()),
            normalize::shell_key(rest, escape),
        ),
    }
}

/// COPY/ADD/VOLUME: JSON list or words; both forms compare equal.
fn path_args(rest: &str, escape: char) -> (Args, String) {
    if let Some(v) = words::parse_json_array(rest) {
        let key = normalize::paths_key(v.iter().map(|s| s.replace('\\', "\\\\")));
        return (Args::Exec(v), key);
    }
    let raw = words::split_words(rest, escape);
    let key = normalize::paths_key(raw.iter().map(|w| words::canonical(w, escape)));
    let unquoted = raw.iter().map(|w| words::unquote(w, escape)).collect();
    (Args::Words(unquoted), key)
}

/// ENV and LABEL: `k=v k2="v 2"`, or the legacy `k v` (the rest of the line is the value).
fn name_values(
    keyword: &str,
    rest: &str,
    escape: char,
    line: usize,
    problems: &mut Problems,
) -> (Args, String) {
    let raw = words::split_words(rest, escape);
    let mut kvs = Vec::new();
    let mut keys = Vec::new();
    if raw.first().is_some_and(|w| !w.contains('=')) {
        let (k, v) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], rest[i..].trim()),
            None => (rest, ""),
        };
        if v.is_empty() {
            problems.push(
                line,
                format!("{keyword} {k} has no value: write {keyword} {k}=value"),
            );
        }
        keys.push(format!(
            "{}={}",
            words::canonical(k, escape),
            words::canonical(v, escape)
        ));
        kvs.push(KeyValue {
            key: words::unquote(k, escape),
            value: Some(words::unquote(v, escape)),
        });
    } else {
        for w in &raw {
            match w.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    keys.push(format!(
                        "{}={}",
                        words::canonical(k, escape),
                        words::canonical(v, escape)
                    ));
                    kvs.push(KeyValue {
                        key: words::unquote(k, escape),
                        value: Some(words::unquote(v, escape)),
                    });
                }
                _ => problems.push(
                    line,
                    format!("{keyword}: {w:?} is not of the form name=value"),
                ),
            }
        }
    }
    // Within one ENV or LABEL the order does not matter: each value sees the environment
    // from before the instruction. (A repeated key does depend on it.)
    let mut names: Vec<&str> = kvs.iter().map(|kv| kv.key.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() == kvs.len() {
        keys.sort();
    }
    (Args::KeyValues(kvs), normalize::items_key("kv", keys))
}

/// ARG: `name` or `name=default`, several per line.
fn arg_values(rest: &str, escape: char, line: usize, problems: &mut Problems) -> (Args, String) {
    let mut kvs = Vec::new();
    let mut keys = Vec::new();
    for w in words::split_words(rest, escape) {
        let (k, v) = match w.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (w.as_str(), None),
        };
        if k.is_empty() {
            problems.push(line, format!("ARG: {w:?} has no name"));
            continue;
        }
        keys.push(match v {
            Some(v) => format!(
                "{}={}",
                words::canonical(k, escape),
                words::canonical(v, escape)
            ),
            None => words::canonical(k, escape),
        });
        kvs.push(KeyValue {
            key: words::unquote(k, escape),
            value: v.map(|v| words::unquote(v, escape)),
        });
    }
    (Args::KeyValues(kvs), normalize::items_key("arg", keys))
}

/// A stage name as BuildKit accepts it: `[a-z][a-z0-9-_.]*` (after lowercasing).
fn valid_stage_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// FROM: `image [AS name]`.
fn from_args(rest: &str, escape: char, line: usize, problems: &mut Problems) -> (Args, String) {
    let raw = words::split_words(rest, escape);
    let has_as = raw.get(1).is_some_and(|w| w.eq_ignore_ascii_case("as"));
    if !(raw.len() == 1 || (raw.len() == 3 && has_as)) {
        problems.push(line, "FROM expects `image [AS name]`");
    }
    let image_raw = raw.first().map(String::as_str).unwrap_or("");
    let image = words::unquote(image_raw, escape);
    let name = if has_as {
        raw.get(2)
            .map(|n| words::unquote(n, escape).to_ascii_lowercase())
    } else {
        None
    };
    if let Some(n) = &name
        && !valid_stage_name(n)
    {
        problems.push(
            line,
            format!("invalid stage name {n:?}: use letters, digits, -, _ and ."),
        );
    }
    let key = normalize::items_key(
        "from",
        [
            words::canonical(image_raw, escape),
            name.clone().unwrap_or_default(),
        ],
    );
    (Args::From { image, name }, key)
}

/// HEALTHCHECK: `NONE` or `CMD command` (flags already taken off).
fn healthcheck_args(
    rest: &str,
    escape: char,
    has_flags: bool,
    line: usize,
    problems: &mut Problems,
) -> (Args, String) {
    let (sub, sub_rest) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim_start()),
        None => (rest, ""),
    };
    match sub.to_ascii_uppercase().as_str() {
        "NONE" => {
            if !sub_rest.is_empty() || has_flags {
                problems.push(line, "HEALTHCHECK NONE takes no arguments or flags");
            }
            (Args::HealthcheckNone, "none".to_string())
        }
        "CMD" => {
            if sub_rest.is_empty() {
                problems.push(line, "HEALTHCHECK CMD requires a command");
            }
            let (args, key) = command_args(sub_rest, escape);
            (
                Args::HealthcheckCmd(Box::new(args)),
                normalize::items_key("cmd", [key]),
            )
        }
        _ => {
            problems.push(
                line,
                format!("HEALTHCHECK expects CMD or NONE, not {sub:?}"),
            );
            (
                Args::Text(rest.to_string()),
                normalize::shell_key(rest, escape),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::model::{Encoding, LineEnding};

    fn p(s: &str) -> Dockerfile {
        parse_str(s)
    }

    fn only(d: &Dockerfile) -> &Instruction {
        assert_eq!(d.stages.len(), 1, "{:?}", d.problems);
        assert_eq!(d.stages[0].instructions.len(), 1, "{:?}", d.stages[0]);
        &d.stages[0].instructions[0]
    }

    fn messages(d: &Dockerfile) -> Vec<(usize, &str)> {
        d.problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect()
    }

    #[test]
    fn stages_and_names() {
        let d = p(
            "ARG V=3.12\nFROM --platform=$BUILDPLATFORM python:${V}-slim AS Builder\nRUN x\n\nFROM python:3.12-slim\nCOPY --from=builder /a /b\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.preamble.len(), 1);
        assert_eq!(d.preamble[0].key_values()[0].value.as_deref(), Some("3.12"));
        assert_eq!(d.stages.len(), 2);
        let s0 = &d.stages[0];
        assert_eq!(s0.name.as_deref(), Some("builder"));
        assert_eq!(s0.index, 0);
        assert_eq!(s0.base(), "python:${V}-slim");
        assert_eq!(
            s0.from.flag("platform").unwrap().value.as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(s0.from.line_start, 2);
        assert_eq!(d.stages[1].name, None);
        assert_eq!(d.stages[1].label(), "#1");
        assert_eq!(d.stages[1].instructions[0].line_start, 6);
        assert_eq!(d.stage("BUILDER").unwrap().index, 0);
        assert_eq!(d.final_stage().unwrap().index, 1);
        assert_eq!(d.instructions().count(), 5);
        assert_eq!(d.layout.blank_lines, [4]);
    }

    #[test]
    fn directives_and_backtick_escape() {
        let d = p(
            "# syntax=docker/dockerfile:1\n#escape = `\n# check=skip=all\nFROM x\nRUN a `\n  b\nCOPY c:\\dir\\ /d\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.directive("syntax"), Some("docker/dockerfile:1"));
        assert_eq!(d.directive("check"), Some("skip=all"));
        assert_eq!(d.escape, '`');
        assert_eq!(d.directives.len(), 3);
        assert!(d.comments.is_empty());
        let run = &d.stages[0].instructions[0];
        assert_eq!(run.args, Args::Shell("a   b".into()));
        assert_eq!((run.line_start, run.line_end), (5, 6));
        // A backslash is an ordinary character under escape=`.
        assert_eq!(
            d.stages[0].instructions[1].args,
            Args::Words(vec!["c:\\dir\\".into(), "/d".into()])
        );
    }

    #[test]
    fn directives_only_at_the_top() {
        // After a blank line, after an unknown directive, or after an instruction, a
        // directive-looking line is a comment.
        for src in [
            "\n# escape=`\nFROM x\n",
            "# foo=bar\n# escape=`\nFROM x\n",
            "FROM x\n# escape=`\n",
            "# a comment\n# escape=`\nFROM x\n",
        ] {
            let d = p(src);
            assert_eq!(d.escape, '\\', "{src:?}");
            assert!(d.directive("escape").is_none(), "{src:?}");
            assert!(d.comments.iter().any(|c| c.text == "escape=`"), "{src:?}");
        }
    }

    #[test]
    fn bad_directives_are_reported() {
        let d = p("# escape=x\n# escape=`\nFROM x\n");
        assert_eq!(
            messages(&d),
            [
                (1, "invalid escape directive \"x\": must be ` or \\"),
                (
                    2,
                    "only one escape parser directive can be used: this one is ignored"
                ),
            ]
        );
        assert_eq!(d.escape, '\\');
    }

    #[test]
    fn bom_and_crlf() {
        let d = parse(b"\xEF\xBB\xBF# syntax=docker/dockerfile:1\r\nFROM x\r\nRUN a \\\r\n  b\r\n");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert!(d.layout.bom);
        assert_eq!(d.layout.line_ending, LineEnding::Crlf);
        assert_eq!(d.directive("syntax"), Some("docker/dockerfile:1"));
        let run = &d.stages[0].instructions[0];
        assert_eq!(run.args, Args::Shell("a   b".into()));
        assert_eq!(run.raw, "RUN a \\\n  b");
        assert_eq!((run.line_start, run.line_end), (3, 4));
    }

    #[test]
    fn comments_and_empty_lines_inside_continuations() {
        let d = p(
            "FROM x\n# top\nRUN apt-get update \\\n    # install things\n\n    && apt-get install -y curl \\  \n  \t\n    && true\nUSER app\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let run = &d.stages[0].instructions[0];
        assert_eq!(
            run.args,
            Args::Shell("apt-get update     && apt-get install -y curl     && true".into())
        );
        assert_eq!((run.line_start, run.line_end), (3, 8));
        assert_eq!(
            run.display(),
            "RUN apt-get update && apt-get install -y curl && true"
        );
        assert_eq!(run.instruction_lines().count(), 6);
        let texts: Vec<_> = d
            .comments
            .iter()
            .map(|c| (c.line, c.text.as_str()))
            .collect();
        assert_eq!(texts, [(2, "top"), (4, "install things")]);
        assert_eq!(d.stages[0].instructions[1].line_start, 9);
        assert!(d.layout.blank_lines.is_empty());
    }

    #[test]
    fn continuation_joins_without_a_space_and_at_eof() {
        let d = p("FROM x\nRUN ab\\\ncd\nRUN tail \\");
        let s = &d.stages[0];
        assert_eq!(s.instructions[0].args, Args::Shell("abcd".into()));
        assert_eq!(s.instructions[1].args, Args::Shell("tail".into()));
        // A line with just an escape character is not an instruction.
        let d = p("FROM x\n\\\n");
        assert!(d.stages[0].instructions.is_empty());
        assert!(d.problems.is_empty());
    }

    #[test]
    fn heredocs() {
        let src = "FROM x\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nRUN python3 <<'PY' > /out\nprint('$HOME')\nPY\nRUN <<-EOT bash\n\techo tabbed\n\tEOT\nRUN <<A cat && <<\"B\" cat\na\nA\nb\nB\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\nUSER app\n";
        let d = p(src);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let i = &d.stages[0].instructions;
        assert_eq!(i.len(), 6);

        assert_eq!(i[0].args, Args::Shell("<<EOF".into()));
        assert_eq!(i[0].heredocs.len(), 1);
        let h = &i[0].heredocs[0];
        assert_eq!(h.name, "EOF");
        assert!(h.expand && !h.chomp);
        assert_eq!(h.content, "apt-get update\napt-get install -y curl\n");
        assert_eq!((h.line_start, h.line_end), (3, 5));
        assert_eq!((i[0].line_start, i[0].line_end), (2, 5));
        assert_eq!(i[0].instruction_lines().collect::<Vec<_>>(), ["RUN <<EOF"]);
        assert!(i[0].command_text().contains("apt-get install -y curl"));

        let h = &i[1].heredocs[0];
        assert_eq!((h.name.as_str(), h.expand), ("PY", false));
        assert_eq!(h.content, "print('$HOME')\n");

        let h = &i[2].heredocs[0];
        assert!(h.chomp);
        assert_eq!(h.content, "\techo tabbed\n");
        assert_eq!(i[2].line_end, 11);

        assert_eq!(i[3].heredocs.len(), 2);
        assert_eq!(i[3].heredocs[0].content, "a\n");
        assert_eq!(i[3].heredocs[1].content, "b\n");
        assert!(!i[3].heredocs[1].expand);
        assert_eq!((i[3].line_start, i[3].line_end), (12, 16));

        assert_eq!(i[4].keyword, "COPY");
        assert_eq!(i[4].words(), ["<<EOF", "/etc/app.conf"]);
        assert_eq!(i[4].heredocs[0].content, "key=value\n");
        assert_eq!(i[5].keyword, "USER");
        assert_eq!(i[5].line_start, 20);
    }

    #[test]
    fn heredoc_lookalikes_and_unterminated() {
        let d =
            p("FROM x\nRUN cat <<<\"here\" && echo '<<EOF'\nRUN [\"cat\", \"<<EOF\"]\nUSER a\n");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert!(
            d.stages[0]
                .instructions
                .iter()
                .all(|i| i.heredocs.is_empty())
        );
        // Heredocs are only for RUN, COPY and ADD.
        let d = p("FROM x\nCMD cat <<EOF\nUSER a\n");
        assert_eq!(d.stages[0].instructions.len(), 2);

        let d = p("FROM x\nRUN <<EOF\necho never ends\n");
        assert_eq!(
            messages(&d),
            [(
                2,
                "unterminated heredoc <<EOF: no line `EOF` before the end of the file"
            )]
        );
        let run = only(&d);
        assert_eq!(run.heredocs[0].content, "echo never ends\n");
        assert_eq!(run.line_end, 3);
    }

    #[test]
    fn onbuild_with_heredoc() {
        let d = p("FROM x\nONBUILD RUN <<EOF\necho hi\nEOF\nONBUILD onbuild RUN x\n");
        let i = &d.stages[0].instructions;
        let Args::OnBuild(inner) = &i[0].args else {
            panic!("{:?}", i[0].args)
        };
        assert_eq!(inner.keyword, "RUN");
        assert_eq!(inner.line_start, 2);
        assert_eq!(i[0].heredocs[0].content, "echo hi\n");
        assert_eq!(i[0].line_end, 4);
        assert_eq!(
            messages(&d),
            [(5, "ONBUILD isn't allowed as an ONBUILD trigger")]
        );
    }

    #[test]
    fn flags() {
        let d = p(
            "FROM x\nRUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=tok --network=none --security=insecure pip install x\nCOPY --from=build --chown=app:app --chmod=755 --link --parents --exclude=*.pyc --exclude=tests ./src /app/\nADD --checksum=sha256:abc --keep-git-dir=true https://x/y.tgz /z\nHEALTHCHECK --interval=30s --timeout=5s --start-period=10s --start-interval=1s --retries=3 CMD [\"true\"]\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let i = &d.stages[0].instructions;
        let names: Vec<_> = i[0].flags.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["mount", "mount", "network", "security"]);
        assert_eq!(i[0].args, Args::Shell("pip install x".into()));
        assert_eq!(i[1].flag("link").unwrap().value, None);
        assert_eq!(i[1].flag("chmod").unwrap().value.as_deref(), Some("755"));
        assert_eq!(i[1].flags.len(), 7);
        assert_eq!(i[1].words(), ["./src", "/app/"]);
        assert_eq!(i[2].flags.len(), 2);
        assert_eq!(i[3].flags.len(), 5);
        assert_eq!(
            i[3].args,
            Args::HealthcheckCmd(Box::new(Args::Exec(vec!["true".into()])))
        );
    }

    #[test]
    fn bad_flags() {
        let d = p(
            "FROM x\nCOPY --form=build a b\nCOPY --from=a --from=b c d\nRUN --=x y\nCMD --help\n",
        );
        assert_eq!(
            messages(&d),
            [
                (2, "unknown flag --form for COPY"),
                (3, "duplicate flag --from"),
                (4, "malformed flag \"--=x\""),
                (5, "unknown flag --help for CMD"),
                (5, "CMD requires at least one argument"),
            ]
        );
    }

    #[test]
    fn exec_and_shell_forms() {
        let d = p(
            "FROM x\nCMD [\"gunicorn\", \"app:app\"]\nCMD gunicorn app:app\nENTRYPOINT [\"a\"\nRUN [\"echo\", 1]\nSHELL [\"/bin/bash\", \"-c\"]\nVOLUME [\"/data\", \"/logs\"]\nVOLUME /data /logs\nCOPY [\"a b\", \"/c/\"]\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let i = &d.stages[0].instructions;
        assert_eq!(
            i[0].args,
            Args::Exec(vec!["gunicorn".into(), "app:app".into()])
        );
        assert_eq!(i[1].args, Args::Shell("gunicorn app:app".into()));
        assert_eq!(i[2].args, Args::Shell("[\"a\"".into()));
        assert_eq!(i[3].args, Args::Shell("[\"echo\", 1]".into()));
        assert!(matches!(i[4].args, Args::Exec(_)));
        assert_eq!(i[5].normalized(), i[6].normalized());
        assert_eq!(i[7].words(), ["a b", "/c/"]);
        assert_ne!(i[0].normalized(), i[1].normalized());

        let d = p("FROM x\nSHELL /bin/bash -c\nCOPY onlyone\n");
        assert_eq!(
            messages(&d),
            [
                (
                    2,
                    "SHELL requires the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]"
                ),
                (
                    3,
                    "COPY requires at least two arguments: source and destination"
                ),
            ]
        );
    }

    #[test]
    fn healthcheck_forms() {
        let d = p(
            "FROM x\nHEALTHCHECK NONE\nhealthcheck cmd curl -f http://localhost/ || exit 1\nHEALTHCHECK --interval=5s NONE\nHEALTHCHECK RUN x\n",
        );
        let i = &d.stages[0].instructions;
        assert_eq!(i[0].args, Args::HealthcheckNone);
        assert_eq!(
            i[1].args,
            Args::HealthcheckCmd(Box::new(Args::Shell(
                "curl -f http://localhost/ || exit 1".into()
            )))
        );
        assert_eq!(i[1].command_text(), "curl -f http://localhost/ || exit 1");
        assert_eq!(
            messages(&d),
            [
                (4, "HEALTHCHECK NONE takes no arguments or flags"),
                (5, "HEALTHCHECK expects CMD or NONE, not \"RUN\""),
            ]
        );
    }

    #[test]
    fn env_label_arg() {
        let d = p(
            "FROM x\nENV A=1 B=\"v 2\" C='$lit' D=\"$exp\"\nENV PATH /opt/venv/bin:$PATH\nLABEL \"org.opencontainers.image.source\"=\"https://x\" b=c\nARG NAME\nARG V=1 W\nENV oops\nENV x=1 novalue\n",
        );
        let i = &d.stages[0].instructions;
        let kv = |n: usize| -> Vec<(String, Option<String>)> {
            i[n].key_values()
                .iter()
                .map(|k| (k.key.clone(), k.value.clone()))
                .collect()
        };
        let s = |a: &str, b: &str| (a.to_string(), Some(b.to_string()));
        assert_eq!(
            kv(0),
            [s("A", "1"), s("B", "v 2"), s("C", "$lit"), s("D", "$exp")]
        );
        assert_eq!(kv(1), [s("PATH", "/opt/venv/bin:$PATH")]);
        assert_eq!(
            kv(2),
            [
                s("org.opencontainers.image.source", "https://x"),
                s("b", "c")
            ]
        );
        assert_eq!(kv(3), [("NAME".to_string(), None)]);
        assert_eq!(kv(4), [s("V", "1"), ("W".to_string(), None)]);
        assert_eq!(
            messages(&d),
            [
                (7, "ENV oops has no value: write ENV oops=value"),
                (8, "ENV: \"novalue\" is not of the form name=value"),
            ]
        );
    }

    #[test]
    fn normalization_ignores_layout_case_quotes_and_flag_order() {
        let a = p(
            "FROM python:3.12-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nENV A=\"1\" B='x y'\nCOPY --link --from=build /a /b\nEXPOSE 8000 443/tcp\nENV PATH /x\n",
        );
        let b = p(
            "from python:3.12-slim as BUILD\nrun apt-get update \\\n    && apt-get install -y --no-install-recommends curl \\\n    # comment inside\n    && rm -rf /var/lib/apt/lists/*\nEnv A=1 B=\"x y\"\nCOPY --from=build --link=true [\"/a\", \"/b\"]\nEXPOSE 443 8000/TCP\nENV PATH=/x\n",
        );
        let keys = |d: &Dockerfile| {
            d.instructions()
                .map(|i| i.normalized().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&a), keys(&b));
        assert!(a.problems.is_empty() && b.problems.is_empty());
    }

    #[test]
    fn normalization_keeps_semantic_differences() {
        let pairs = [
            ("RUN echo 'a  b'", "RUN echo 'a b'"),
            ("ENV A='$X'", "ENV A=\"$X\""),
            ("CMD [\"a\"]", "CMD a"),
            ("COPY --link=false a b", "COPY --link a b"),
            ("EXPOSE 53/udp", "EXPOSE 53"),
            ("USER app", "USER root"),
            ("RUN <<EOF\na\nEOF", "RUN <<EOF\nb\nEOF"),
            ("RUN <<EOF\n$A\nEOF", "RUN <<'EOF'\n$A\nEOF"),
        ];
        for (x, y) in pairs {
            let a = p(&format!("FROM x\n{x}\n"));
            let b = p(&format!("FROM x\n{y}\n"));
            assert_ne!(
                only(&a).normalized(),
                only(&b).normalized(),
                "{x:?} vs {y:?}"
            );
        }
    }

    #[test]
    fn problems_are_reported_with_lines() {
        let d = p(
            "RUN echo before\nARG OK=1\nFROM\nFROM a b c d\nFROM x AS 1bad\nFROM y AS dup\nFROM z AS dup\nBOGUS thing\nUSER\n",
        );
        assert_eq!(
            messages(&d),
            [
                (
                    1,
                    "RUN before the first FROM: only ARG may come before FROM"
                ),
                (3, "FROM requires at least one argument"),
                (4, "FROM expects `image [AS name]`"),
                (
                    5,
                    "invalid stage name \"1bad\": use letters, digits, -, _ and ."
                ),
                (
                    7,
                    "duplicate stage name \"dup\": a later --from=dup is ambiguous"
                ),
                (8, "unknown instruction: BOGUS"),
                (9, "USER requires at least one argument"),
            ]
        );
        assert_eq!(d.stages.len(), 5);
        assert_eq!(d.preamble.len(), 2);
    }

    #[test]
    fn empty_and_comment_only_files() {
        for src in ["", "\n\n", "# just a comment\n", "  \t  "] {
            let d = p(src);
            assert!(d.stages.is_empty());
            assert_eq!(
                messages(&d),
                [(1, "no FROM instruction: the file builds nothing")]
            );
        }
    }

    #[test]
    fn invalid_utf8_is_reported_and_parsed() {
        let d = parse(b"FROM x\nRUN echo \xC3\x28\nUSER app\n");
        assert_eq!(d.layout.encoding, Encoding::Utf8Lossy);
        assert_eq!(
            messages(&d),
            [(
                2,
                "line is not valid UTF-8: invalid bytes replaced by U+FFFD"
            )]
        );
        assert_eq!(d.stages[0].instructions.len(), 2);
    }

    #[test]
    fn problems_are_capped() {
        let src = "FROM x\n".to_string() + &"BOGUS\n".repeat(MAX_PROBLEMS + 5);
        let d = p(&src);
        assert_eq!(d.problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            d.problems.last().unwrap().message,
            "5 more problems not shown"
        );
    }

    #[test]
    fn keyword_case_and_display() {
        let d = p("FROM x\ncopy   --chown=a:b   .   /app\n");
        let c = only(&d);
        assert_eq!(c.keyword, "COPY");
        assert_eq!(c.keyword_as_written(), "copy");
        assert_eq!(c.display(), "COPY --chown=a:b . /app");
    }

    /// A small deterministic generator (no extra crate).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    const FUZZ_SEED_TEXT: &str = "# syntax=docker/dockerfile:1\n# escape=`\nFROM --platform=$X a AS b\nRUN <<EOF `\n  x\nEOF\nCOPY [\"a\", \"b\"] \\\nENV a=\"b c\" d='e'\nHEALTHCHECK --interval=1s CMD [\"x\"]\nONBUILD RUN <<-A\n\tA\nEXPOSE 22/tcp\n\r\n\u{FEFF}ADD <<\"X\" <<Y\n";

    #[test]
    fn never_panics_on_random_bytes() {
        let mut rng = Lcg(42);
        let alphabet: Vec<u8> = FUZZ_SEED_TEXT
            .bytes()
            .chain([
                0xFF, 0xC3, 0x80, 0x00, b'`', b'\\', b'"', b'\'', b'<', b'-', b'[',
            ])
            .collect();
        for round in 0..3000 {
            let len = (rng.next() % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if round % 2 == 0 {
                        alphabet[(rng.next() as usize) % alphabet.len()]
                    } else {
                        rng.next() as u8
                    }
                })
                .collect();
            let d = parse(&bytes);
            for i in d.instructions() {
                assert!(i.line_start >= 1 && i.line_start <= i.line_end);
                assert!(i.line_end <= d.layout.line_count.max(1));
                let _ = i.display();
            }
        }
    }

    #[test]
    fn never_panics_on_truncations_and_splices() {
        let text = FUZZ_SEED_TEXT.as_bytes();
        for cut in 0..=text.len() {
            let _ = parse(&text[..cut]);
            let _ = parse(&text[cut..]);
        }
        // Pathological shapes.
        let many_heredocs = format!("FROM x\nRUN {}\n", "<<A ".repeat(5000));
        let d = parse_str(&many_heredocs);
        assert_eq!(d.stages[0].instructions[0].heredocs.len(), 5000);
        let long_cont = format!("FROM x\nRUN {}", "a \\\n".repeat(50_000));
        assert_eq!(parse_str(&long_cont).stages[0].instructions.len(), 1);
        let brackets = format!("FROM x\nCMD {}", "[".repeat(100_000));
        assert_eq!(parse_str(&brackets).stages[0].instructions.len(), 1);
        let quotes = format!("FROM x\nENV {}", "\"'".repeat(50_000));
        let _ = parse_str(&quotes);
        let nested = format!("FROM x\n{}RUN x\n", "ONBUILD ".repeat(10_000));
        let _ = parse_str(&nested);
    }

    #[test]
    fn ten_megabytes_parse_fast() {
        let _heavy = crate::dockerfile::HEAVY_TEST
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let unit = "FROM python:3.12-slim AS builder\nRUN --mount=type=cache,target=/root/.cache pip install \\\n    flask==3.0 \\\n    gunicorn\n# a comment\nENV A=1 B=\"two words\"\nCOPY --from=builder /opt/venv /opt/venv\nRUN <<EOF\necho hi\nEOF\n\n";
        let src = unit.repeat(10 * 1024 * 1024 / unit.len() + 1);
        assert!(src.len() >= 10 * 1024 * 1024);
        let (d, spent) = crate::dockerfile::cpu_timed(|| parse_str(&src));
        eprintln!("10 MB parse: {spent:?} of CPU");
        assert!(d.stages.len() > 40_000);
        // Every stage is named `builder`: the duplicates are reported, capped.
        assert_eq!(d.problems.len(), MAX_PROBLEMS + 1);
        assert!(d.problems[0].message.starts_with("duplicate stage name"));
        // About 0.3 s in a release build, 2 s unoptimized; quadratic work would take minutes.
        let limit = if cfg!(debug_assertions) { 15.0 } else { 1.0 };
        assert!(spent.as_secs_f64() < limit, "took {spent:?}");
    }
}

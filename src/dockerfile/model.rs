//! The parsed form of a Dockerfile: stages, instructions, flags, arguments and trivia.
//!
//! Everything here is produced by [`crate::dockerfile::parse`]; line numbers are 1-based lines
//! of the original file (a BOM does not count as a line, CRLF counts as one line ending).

use std::borrow::Cow;

use serde::Serialize;

/// Something the parser could not make sense of. Parsing goes on after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line in the original file.
    pub line: usize,
    pub message: String,
}

/// A parser directive from the top of the file (`# syntax=…`, `# escape=…`, `# check=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lowercased name: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// A comment line (`# …`), kept as trivia: it has no effect on the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub line: usize,
    /// The text after `#`, trimmed.
    pub text: String,
}

/// The line endings the file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// `\n` only.
    Lf,
    /// `\r\n` only.
    Crlf,
    /// Both kinds.
    Mixed,
    /// No line ending at all (empty or one-line file without a final newline).
    None,
}

/// How the bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Valid UTF-8.
    Utf8,
    /// UTF-8 with invalid sequences, replaced by U+FFFD (reported as problems).
    Utf8Lossy,
    /// UTF-16 little endian (detected by its BOM; reported as a problem).
    Utf16Le,
    /// UTF-16 big endian (detected by its BOM; reported as a problem).
    Utf16Be,
}

/// Facts about the file's bytes that do not change what it builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// The file starts with a byte-order mark.
    pub bom: bool,
    pub encoding: Encoding,
    pub line_ending: LineEnding,
    /// The last line ends with a line ending.
    pub final_newline: bool,
    pub line_count: usize,
    /// Blank (whitespace-only) lines outside instructions.
    pub blank_lines: Vec<usize>,
    /// FNV-1a hash of the original bytes: equal fingerprints mean (almost surely) equal files.
    pub fingerprint: u64,
}

/// A flag such as `--mount=type=cache,target=/root/.cache` or `--link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The name without the leading `--`.
    pub name: String,
    /// The value after `=`, quotes removed; `None` for a bare `--link`.
    pub value: Option<String>,
}

/// One `key=value` of ENV, LABEL or ARG (quotes removed, escapes resolved, `$VAR` left as is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: String,
    /// `None` only for an `ARG name` without a default.
    pub value: Option<String>,
}

/// A here-document (`<<EOF` … `EOF`) attached to RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
    /// Unquoted terminator: variables in the body are expanded.
    pub expand: bool,
    /// The body as written, each line ending in `\n`.
    pub content: String,
    /// First line of the body.
    pub line_start: usize,
    /// The terminator line (or the last line of the file when it is missing).
    pub line_end: usize,
}

/// The arguments of an instruction, by form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", content = "value", rename_all = "snake_case")]
pub enum Args {
    /// JSON (exec) form: `CMD ["python", "app.py"]`, also JSON-form COPY/ADD/VOLUME paths.
    Exec(Vec<String>),
    /// Shell form of RUN, CMD, ENTRYPOINT (continuations joined, as written otherwise).
    Shell(String),
    /// Space-separated words, quotes removed: shell-form COPY/ADD/VOLUME, EXPOSE.
    Words(Vec<String>),
    /// ENV, LABEL, ARG.
    KeyValues(Vec<KeyValue>),
    /// `FROM image [AS name]`.
    From { image: String, name: Option<String> },
    /// `HEALTHCHECK NONE`.
    HealthcheckNone,
    /// `HEALTHCHECK [flags] CMD …`: the command in exec or shell form.
    HealthcheckCmd(Box<Args>),
    /// `ONBUILD <instruction>`.
    OnBuild(Box<Instruction>),
    /// The rest of the line: USER, WORKDIR, STOPSIGNAL, MAINTAINER, unknown instructions.
    Text(String),
    /// Nothing after the keyword (reported as a problem).
    Empty,
}

/// One instruction, possibly spread over several lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// Uppercased keyword (`RUN`, `COPY`, …).
    pub keyword: Cow<'static, str>,
    /// Flags in the order written.
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// First line (1-based) in the original file.
    pub line_start: usize,
    /// Last line, including continuation lines and heredoc bodies.
    pub line_end: usize,
    /// The physical lines as written (line endings normalized to `\n`), comment lines
    /// inside continuations and heredoc bodies included.
    pub raw: String,
    /// The logical line when it differs from `raw` (see [`Instruction::logical`]).
    #[serde(skip)]
    pub(crate) logical: Option<String>,
    /// The comparison key: see [`Instruction::normalized`].
    #[serde(skip)]
    pub(crate) normalized: String,
}

impl Instruction {
    /// The normalized comparison key: keyword uppercased, flags sorted, shell text
    /// whitespace-collapsed outside quotes, quotes in `k=v` values and paths removed,
    /// continuation layout and comments ignored. Two instructions with the same key build
    /// the same layer.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The logical line: continuation lines joined, comment lines inside them dropped,
    /// heredoc bodies excluded, leading blanks trimmed; keyword as written.
    pub fn logical(&self) -> &str {
        self.logical.as_deref().unwrap_or(&self.raw)
    }

    /// A one-line rendering for humans: the keyword uppercased and the rest of the logical
    /// line with runs of whitespace collapsed (outside quotes).
    pub fn display(&self) -> String {
        let rest = self
            .logical()
            .trim_start()
            .split_once(char::is_whitespace)
            .map(|(_, rest)| rest)
            .unwrap_or("");
        let rest = super::words::collapse_ws(rest, '\\');
        if rest.is_empty() {
            self.keyword.to_string()
        } else {
            format!("{} {}", self.keyword, rest)
        }
    }

    /// The keyword as written in the file (case preserved).
    pub fn keyword_as_written(&self) -> &str {
        self.logical().split_whitespace().next().unwrap_or("")
    }

    /// The first flag with this name.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Paths or words for COPY/ADD/VOLUME/EXPOSE, in either form.
    pub fn words(&self) -> &[String] {
        match &self.args {
            Args::Exec(v) | Args::Words(v) => v,
            _ => &[],
        }
    }

    /// The command a RUN/CMD/ENTRYPOINT runs, as text: shell form as written, exec form
    /// joined with spaces, heredoc bodies appended on their own lines.
    pub fn command_text(&self) -> String {
        let mut out = match &self.args {
            Args::Shell(s) | Args::Text(s) => s.clone(),
            Args::Exec(v) => v.join(" "),
            Args::HealthcheckCmd(inner) => match inner.as_ref() {
                Args::Shell(s) => s.clone(),
                Args::Exec(v) => v.join(" "),
                _ => String::new(),
            },
            Args::OnBuild(inner) => inner.command_text(),
            _ => String::new(),
        };
        for h in &self.heredocs {
            out.push('\n');
            out.push_str(&h.content);
        }
        out
    }

    /// The `key=value` pairs of ENV/LABEL/ARG.
    pub fn key_values(&self) -> &[KeyValue] {
        match &self.args {
            Args::KeyValues(kv) => kv,
            _ => &[],
        }
    }

    /// The text of a USER/WORKDIR/STOPSIGNAL/MAINTAINER instruction.
    pub fn text(&self) -> Option<&str> {
        match &self.args {
            Args::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The lines of the instruction itself (continuations included, heredoc bodies not).
    pub fn instruction_lines(&self) -> impl Iterator<Item = &str> {
        let n = match self.heredocs.first() {
            Some(h) => h.line_start.saturating_sub(self.line_start),
            None => usize::MAX,
        };
        self.raw.split('\n').take(n)
    }
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// The `AS name`, lowercased (stage names are case-insensitive).
    pub name: Option<String>,
    /// 0-based position among the stages (what `--from=0` refers to).
    pub index: usize,
    pub from: Instruction,
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// The base image (or earlier stage) named by FROM.
    pub fn base(&self) -> &str {
        match &self.from.args {
            Args::From { image, .. } => image,
            _ => "",
        }
    }

    /// `name` if the stage has one, else `#index`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("#{}", self.index),
        }
    }
}

/// A parsed Dockerfile. Parsing never fails: what could not be parsed is in `problems`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    pub directives: Vec<Directive>,
    /// The escape character: `\` by default, `` ` `` with `# escape=``.
    pub escape: char,
    /// Instructions before the first FROM: global ARGs (anything else is also a problem).
    pub preamble: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// All comment lines (not directives), including those inside continuations.
    pub comments: Vec<Comment>,
    pub problems: Vec<Problem>,
    pub layout: Layout,
}

impl Dockerfile {
    /// The stage `start` and the stages it is built `FROM`, transitively: `start` first, then
    /// its parent, and so on (a stage named twice, or a loop, ends the chain).
    pub fn chain_from(&self, start: usize) -> Vec<usize> {
        let mut chain = vec![start];
        let mut current = start;
        loop {
            let base = self.stages[current].base().to_ascii_lowercase();
            let parent = self.stages[..current]
                .iter()
                .rposition(|s| s.name.as_deref() == Some(base.as_str()));
            match parent {
                Some(p) if !chain.contains(&p) => {
                    chain.push(p);
                    current = p;
                }
                _ => return chain,
            }
        }
    }

    /// The last stage: the one `docker build` produces without `--target`.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage with this name (case-insensitive).
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        let name = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(&name))
    }

    /// The stage a `--from=` names: by its name (case-insensitive) or its 0-based number. None
    /// when it names an image.
    pub fn stage_ref(&self, reference: &str) -> Option<&Stage> {
        self.stage(reference).or_else(|| {
            self.stages
                .iter()
                .find(|s| s.index.to_string() == reference)
        })
    }

    /// Every instruction in file order: preamble, then each stage's FROM and body.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.preamble.iter().chain(
            self.stages
                .iter()
                .flat_map(|s| std::iter::once(&s.from).chain(s.instructions.iter())),
        )
    }

    /// The value of a parser directive (`syntax`, `escape`, `check`).
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .map(|d| d.value.as_str())
    }
}

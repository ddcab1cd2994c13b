//! Differences that do not change what is built: encoding, line endings, comments, keyword
//! case, layout, spelling, whitespace.

use std::collections::{BTreeMap, HashMap};

use super::model::{Dockerfile, Encoding, Instruction, LineEnding};
use super::report::{FormattingDiff, FormattingKind};
use super::{lcs, words};

/// The formatting differences found so far, by kind.
#[derive(Default)]
pub(super) struct Formatting {
    kinds: BTreeMap<FormattingKind, (Vec<usize>, Option<String>)>,
}

impl Formatting {
    /// Nothing found yet.
    pub(super) fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub(super) fn add(&mut self, kind: FormattingKind, line: Option<usize>) {
        let e = self.kinds.entry(kind).or_default();
        if let Some(l) = line {
            e.0.push(l);
        }
    }

    fn add_message(&mut self, kind: FormattingKind, lines: Vec<usize>, message: String) {
        let e = self.kinds.entry(kind).or_default();
        e.0.extend(lines);
        e.1 = Some(message);
    }

    pub(super) fn into_diffs(self) -> Vec<FormattingDiff> {
        self.kinds
            .into_iter()
            .map(|(kind, (mut lines, message))| {
                lines.sort_unstable();
                lines.dedup();
                FormattingDiff {
                    kind,
                    lines,
                    message: message.unwrap_or_else(|| default_message(kind).to_string()),
                }
            })
            .collect()
    }

    /// Two instructions that build the same thing: how are they written differently?
    pub(super) fn instruction(
        &mut self,
        e: &Instruction,
        e_esc: char,
        a: &Instruction,
        a_esc: char,
    ) {
        if e.raw == a.raw || without_comments(e) == without_comments(a) {
            return;
        }
        let line = Some(a.line_start);
        let mut found = false;
        if e.keyword_as_written() != a.keyword_as_written() {
            self.add(FormattingKind::KeywordCase, line);
            found = true;
        }
        let (re, ra) = (rest_of(e, e_esc), rest_of(a, a_esc));
        let subkeyword_case = matches!(&*a.keyword, "FROM" | "HEALTHCHECK" | "ONBUILD")
            && re.eq_ignore_ascii_case(&ra);
        if re != ra && subkeyword_case {
            // `as` for `AS`, `cmd` for `CMD`, `onbuild run` for `ONBUILD RUN`.
            self.add(FormattingKind::KeywordCase, line);
            found = true;
        } else if re != ra {
            found = true;
            let mut fe = e.flags.clone();
            let mut fa = a.flags.clone();
            if fe != fa {
                fe.sort_by(|x, y| (&x.name, &x.value).cmp(&(&y.name, &y.value)));
                fa.sort_by(|x, y| (&x.name, &x.value).cmp(&(&y.name, &y.value)));
                if fe == fa {
                    self.add(FormattingKind::FlagOrder, line);
                }
            }
            let args = |s: &str| words::collapse_ws(words::extract_flags(s).1, '\\');
            if fe != fa || args(&re) != args(&ra) {
                self.add(FormattingKind::Spelling, line);
            }
        }
        let (le, la) = (code_lines(e, e_esc), code_lines(a, a_esc));
        if le.len() != la.len() || (re == ra && le != la) {
            self.add(FormattingKind::ContinuationLayout, line);
            found = true;
        }
        if !found {
            self.add(FormattingKind::Whitespace, line);
        }
    }

    pub(super) fn file_level(&mut self, e: &Dockerfile, a: &Dockerfile, has_changes: bool) {
        let (el, al) = (&e.layout, &a.layout);
        if el.encoding != al.encoding {
            let msg = match al.encoding {
                Encoding::Utf16Le | Encoding::Utf16Be => {
                    "file is UTF-16 encoded (the manifest renders UTF-8)"
                }
                Encoding::Utf8Lossy => "file has bytes that are not valid UTF-8",
                Encoding::Utf8 => "file is UTF-8 encoded (the manifest renders another encoding)",
            };
            self.add_message(FormattingKind::Encoding, Vec::new(), msg.to_string());
        }
        if el.bom != al.bom {
            let msg = if al.bom {
                "byte-order mark at the start of the file"
            } else {
                "byte-order mark missing at the start of the file"
            };
            self.add_message(FormattingKind::ByteOrderMark, vec![1], msg.to_string());
        }
        if el.line_ending != al.line_ending
            && el.line_ending != LineEnding::None
            && al.line_ending != LineEnding::None
        {
            let name = |l: LineEnding| match l {
                LineEnding::Lf => "LF",
                LineEnding::Crlf => "CRLF",
                LineEnding::Mixed => "mixed",
                LineEnding::None => "no",
            };
            self.add_message(
                FormattingKind::LineEndings,
                Vec::new(),
                format!(
                    "{} line endings (the manifest renders {})",
                    name(al.line_ending),
                    name(el.line_ending)
                ),
            );
        }
        if el.final_newline != al.final_newline {
            self.add(FormattingKind::Whitespace, Some(al.line_count.max(1)));
        }
        self.directives(e, a);
        let comments_equal = self.comments(e, a);
        if !has_changes && comments_equal && e.directives.len() == a.directives.len() {
            self.blank_lines(e, a);
        }
    }

    fn directives(&mut self, e: &Dockerfile, a: &Dockerfile) {
        let mut parts = Vec::new();
        let mut lines = Vec::new();
        for d in &a.directives {
            match e.directives.iter().find(|x| x.name == d.name) {
                Some(x) if x.value == d.value => {}
                Some(x) => {
                    parts.push(format!(
                        "# {} changed from {} to {}",
                        d.name, x.value, d.value
                    ));
                    lines.push(d.line);
                }
                None => {
                    parts.push(format!("# {}={} added", d.name, d.value));
                    lines.push(d.line);
                }
            }
        }
        for x in &e.directives {
            if !a.directives.iter().any(|d| d.name == x.name) {
                parts.push(format!("# {}={} removed", x.name, x.value));
            }
        }
        if !parts.is_empty() {
            self.add_message(
                FormattingKind::Directives,
                lines,
                format!("parser directives differ: {}", parts.join("; ")),
            );
        }
    }

    /// Returns whether the comment texts are the same, in the same order.
    fn comments<'x>(&mut self, e: &'x Dockerfile, a: &'x Dockerfile) -> bool {
        let mut ids: HashMap<&'x str, u32> = HashMap::new();
        let mut id = |t: &'x str| {
            let n = ids.len() as u32;
            *ids.entry(t).or_insert(n)
        };
        let ce: Vec<u32> = e.comments.iter().map(|c| id(&c.text)).collect();
        let ca: Vec<u32> = a.comments.iter().map(|c| id(&c.text)).collect();
        if ce == ca {
            return true;
        }
        let pairs = lcs::align(&ce, &ca, &|_| 1);
        let mut matched = vec![false; ca.len()];
        for &(_, j) in &pairs {
            matched[j] = true;
        }
        let lines: Vec<usize> = a
            .comments
            .iter()
            .zip(matched)
            .filter(|(_, m)| !m)
            .map(|(c, _)| c.line)
            .collect();
        let (added, removed) = (lines.len(), ce.len() - pairs.len());
        let mut parts = Vec::new();
        if added > 0 {
            parts.push(format!("{added} added"));
        }
        if removed > 0 {
            parts.push(format!("{removed} removed"));
        }
        self.add_message(
            FormattingKind::Comments,
            lines,
            format!("comments differ: {}", parts.join(", ")),
        );
        false
    }

    fn blank_lines(&mut self, e: &Dockerfile, a: &Dockerfile) {
        // For each blank line: how many non-blank items (directives, comments,
        // instructions) come before it.
        fn signature(d: &Dockerfile) -> Vec<(usize, usize)> {
            let mut starts: Vec<usize> = d
                .directives
                .iter()
                .map(|x| x.line)
                .chain(d.comments.iter().map(|c| c.line))
                .chain(d.instructions().map(|i| i.line_start))
                .collect();
            starts.sort_unstable();
            d.layout
                .blank_lines
                .iter()
                .map(|&b| (starts.partition_point(|&s| s < b), b))
                .collect()
        }
        let (se, sa) = (signature(e), signature(a));
        let pos_e: Vec<usize> = se.iter().map(|p| p.0).collect();
        let pos_a: Vec<usize> = sa.iter().map(|p| p.0).collect();
        if pos_e == pos_a {
            return;
        }
        let mut expected_count: HashMap<usize, usize> = HashMap::new();
        for p in pos_e {
            *expected_count.entry(p).or_default() += 1;
        }
        let mut lines = Vec::new();
        for (p, line) in sa {
            match expected_count.get_mut(&p) {
                Some(n) if *n > 0 => *n -= 1,
                _ => lines.push(line),
            }
        }
        self.add_message(
            FormattingKind::BlankLines,
            lines,
            default_message(FormattingKind::BlankLines).to_string(),
        );
    }
}

fn default_message(kind: FormattingKind) -> &'static str {
    match kind {
        FormattingKind::Encoding => "file encoding differs",
        FormattingKind::ByteOrderMark => "byte-order mark differs",
        FormattingKind::LineEndings => "line endings differ",
        FormattingKind::Directives => "parser directives differ",
        FormattingKind::Comments => "comments differ",
        FormattingKind::KeywordCase => "instruction keywords in a different case",
        FormattingKind::ContinuationLayout => "line continuations laid out differently",
        FormattingKind::FlagOrder => "flags in a different order",
        FormattingKind::Spelling => {
            "equivalent spelling (quotes, JSON or shell form of paths, legacy ENV form, port order)"
        }
        FormattingKind::BlankLines => "blank lines differ",
        FormattingKind::Whitespace => "whitespace differs",
    }
}

/// The raw text without comment lines inside continuations (heredoc bodies kept).
fn without_comments(i: &Instruction) -> String {
    let n = i.instruction_lines().count();
    let mut out = String::with_capacity(i.raw.len());
    for (k, line) in i.raw.split('\n').enumerate() {
        if k > 0 && k < n && line.trim_start().starts_with('#') {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The logical line after the keyword, whitespace-collapsed.
fn rest_of(i: &Instruction, escape: char) -> String {
    let l = i.logical().trim_start();
    let rest = l.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    words::collapse_ws(rest, escape)
}

/// The code lines of an instruction (no comment or blank lines, no heredoc bodies), each
/// collapsed, without its continuation character; the keyword left out of the first.
fn code_lines(i: &Instruction, escape: char) -> Vec<String> {
    i.instruction_lines()
        .enumerate()
        .filter(|(k, l)| *k == 0 || !(l.trim().is_empty() || l.trim_start().starts_with('#')))
        .map(|(k, l)| {
            let t = l.trim_end_matches([' ', '\t']);
            let t = t.strip_suffix(escape).unwrap_or(t);
            let t = if k == 0 {
                t.trim_start()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, r)| r)
            } else {
                t
            };
            words::collapse_ws(t, escape)
        })
        .collect()
}

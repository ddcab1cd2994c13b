//! What the semantic diff reports: the changes per stage and instruction, each with why it
//! matters, and the differences that are only formatting.

use std::fmt;

use serde::Serialize;

use super::model::Instruction;
use super::words::truncate;

/// How an instruction differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// On disk, not in the rendering.
    Added,
    /// In the rendering, not on disk.
    Removed,
    /// At the same place, different (paired by keyword: COPY and ADD pair with each other).
    Changed,
    /// The same instruction at another place in the stage (or a stage at another place).
    Moved,
}

/// Where an instruction is, and what it says (one line, at most 200 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstructionRef {
    pub line_start: usize,
    pub line_end: usize,
    pub text: String,
}

impl InstructionRef {
    pub(super) fn of(i: &Instruction) -> Self {
        InstructionRef {
            line_start: i.line_start,
            line_end: i.line_end,
            text: truncate(&i.display(), 200),
        }
    }
}

/// Why a change matters: a practice rule's finding, or a plain description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The rule id (see [`super::RULES`]), or `drift` for a plain description.
    pub rule: &'static str,
    /// The practice broken (`P15`), if any.
    pub practice: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for Explanation {
    /// The message, with the practice in parentheses: `USER app removed: … (P15)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.practice {
            Some(p) => write!(f, "{} ({p})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// One real difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// The uppercased keyword (of the on-disk instruction when there is one).
    pub keyword: String,
    /// The line of the on-disk file to point at. For a removed instruction: the line of the
    /// on-disk instruction it would precede (or the stage's last line).
    pub line: usize,
    /// The instruction as the manifest renders it; lines are in the rendered text.
    pub before: Option<InstructionRef>,
    /// The instruction on disk; lines are in the on-disk file.
    pub after: Option<InstructionRef>,
    /// Never empty: the practice rules' findings, or one plain description.
    pub explanations: Vec<Explanation>,
}

/// The changes to one stage (stages without changes are not listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageDiff {
    /// The stage name (on disk if the stage is there).
    pub name: Option<String>,
    /// Position in the rendering (None: the stage is only on disk).
    pub expected_index: Option<usize>,
    /// Position on disk (None: the stage is missing on disk).
    pub actual_index: Option<usize>,
    /// The on-disk FROM line (for a missing stage: where it would be).
    pub line: usize,
    pub changes: Vec<Change>,
}

impl StageDiff {
    /// `builder`, or `#1` for an unnamed stage (its on-disk index when it has one).
    pub fn label(&self) -> String {
        match (&self.name, self.actual_index.or(self.expected_index)) {
            (Some(n), _) => n.clone(),
            (None, Some(i)) => format!("#{i}"),
            (None, None) => "?".to_string(),
        }
    }
}

/// A kind of difference that does not change what is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormattingKind {
    /// UTF-16 or invalid UTF-8 on disk.
    Encoding,
    ByteOrderMark,
    LineEndings,
    /// `# syntax=`, `# escape=`, `# check=` added, removed or changed.
    Directives,
    /// Comment text, added or removed comments.
    Comments,
    KeywordCase,
    ContinuationLayout,
    FlagOrder,
    /// Quotes, JSON vs shell form of paths, legacy `ENV k v`, port order, `/tcp`.
    Spelling,
    BlankLines,
    /// Indentation, trailing blanks, runs of spaces, final newline.
    Whitespace,
}

/// All formatting differences of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormattingDiff {
    pub kind: FormattingKind,
    /// On-disk lines where it shows (may be empty for file-wide differences).
    pub lines: Vec<usize>,
    pub message: String,
}

/// The difference between what the manifest renders and the file on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DockerfileDiff {
    /// Changes before the first FROM (global ARGs).
    pub global: Vec<Change>,
    /// Stages with real changes, in on-disk order (missing stages where they would be).
    pub stages: Vec<StageDiff>,
    /// Formatting-only differences, at most one entry per kind.
    pub formatting: Vec<FormattingDiff>,
    /// What the parser could not understand in the on-disk file.
    pub problems: Vec<super::Problem>,
}

impl DockerfileDiff {
    /// Nothing differs at all, not even formatting.
    pub fn is_clean(&self) -> bool {
        !self.has_changes() && self.formatting.is_empty()
    }

    /// Some instruction differs in what it builds.
    pub fn has_changes(&self) -> bool {
        !self.global.is_empty() || !self.stages.is_empty()
    }

    /// The files build the same image; they differ only in formatting (a drift only under
    /// `--strict`).
    pub fn formatting_only(&self) -> bool {
        !self.has_changes() && !self.formatting.is_empty()
    }

    /// Every change with its stage (`None` for the global part).
    pub fn changes(&self) -> impl Iterator<Item = (Option<&StageDiff>, &Change)> {
        self.global.iter().map(|c| (None, c)).chain(
            self.stages
                .iter()
                .flat_map(|s| s.changes.iter().map(move |c| (Some(s), c))),
        )
    }

    /// The practices broken, sorted, without repeats.
    pub fn practices(&self) -> Vec<&'static str> {
        let mut p: Vec<&'static str> = self
            .changes()
            .flat_map(|(_, c)| c.explanations.iter().filter_map(|e| e.practice))
            .collect();
        p.sort_by_key(|id| id[1..].parse::<u32>().unwrap_or(u32::MAX));
        p.dedup();
        p
    }
}

impl fmt::Display for DockerfileDiff {
    /// A plain-text report: one line per explanation, grouped by stage, then the on-disk
    /// file's parse problems, then formatting.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return writeln!(f, "no differences");
        }
        let write_changes = |f: &mut fmt::Formatter<'_>, changes: &[Change]| -> fmt::Result {
            for c in changes {
                for e in &c.explanations {
                    writeln!(f, "  line {}: {e}", c.line)?;
                }
            }
            Ok(())
        };
        if !self.global.is_empty() {
            writeln!(f, "before the first FROM:")?;
            write_changes(f, &self.global)?;
        }
        for s in &self.stages {
            writeln!(f, "stage {}:", s.label())?;
            write_changes(f, &s.changes)?;
        }
        for p in &self.problems {
            writeln!(f, "problem: line {}: {}", p.line, p.message)?;
        }
        for d in &self.formatting {
            if d.lines.is_empty() {
                writeln!(f, "formatting: {}", d.message)?;
            } else {
                let lines: Vec<String> = d.lines.iter().map(usize::to_string).collect();
                let noun = if lines.len() == 1 { "line" } else { "lines" };
                writeln!(f, "formatting: {} ({noun} {})", d.message, lines.join(", "))?;
            }
        }
        Ok(())
    }
}

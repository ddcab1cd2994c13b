//! `dgen lint`: the practice verdicts on any Dockerfile, no manifest needed.
//!
//! [`lint_bytes`] judges one file: its parse problems (with line and column) and the verdicts
//! of [`rules::VERDICTS`] on the image it builds. [`walk`] finds Dockerfiles under paths
//! (honouring `.gitignore`); [`report`] writes human, JSON, GitHub and SARIF output.

pub mod explain;
pub mod report;
pub mod rules;
pub mod sarif;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dockerfile::{self, Dockerfile};
pub use rules::{Expectations, Level, VERDICTS, VerdictRule, verdict_rule};

/// One verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The rule id (`user-root`).
    pub rule: &'static str,
    /// Its practice (`P15`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice: Option<&'static str>,
    pub level: Level,
    /// The first line involved (where to point).
    pub line: usize,
    /// Every line involved, sorted.
    pub lines: Vec<usize>,
    pub message: String,
}

/// Something the parser could not read, at line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The verdicts on one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: PathBuf,
    /// Why it could not be read (then nothing else is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub problems: Vec<ParseError>,
    pub verdicts: Vec<Verdict>,
}

impl FileReport {
    /// The practices broken, in ID order, without repeats.
    pub fn practices(&self) -> Vec<&'static str> {
        let mut p: Vec<&'static str> = self.verdicts.iter().filter_map(|v| v.practice).collect();
        p.sort_by_key(|id| id[1..].parse::<u32>().unwrap_or(u32::MAX));
        p.dedup();
        p
    }

    /// Anything to report (a verdict or a parse problem).
    pub fn has_findings(&self) -> bool {
        !self.verdicts.is_empty() || !self.problems.is_empty()
    }
}

/// The verdicts on a parsed file, for the image `target` builds (default: the last stage).
pub fn judge(df: &Dockerfile, target: Option<&str>, expect: &Expectations) -> Vec<Verdict> {
    let image = rules::Image::new(df, target, expect);
    let mut out: Vec<Verdict> = rules::evaluate(&image)
        .into_iter()
        .map(|(rule, hit)| Verdict {
            rule: rule.id,
            practice: rule.practice,
            level: rule.level,
            line: hit.lines.first().copied().unwrap_or(1),
            lines: hit.lines,
            message: hit.message,
        })
        .collect();
    out.sort_by_key(|v| {
        (
            v.practice
                .map_or(u32::MAX, |p| p[1..].parse::<u32>().unwrap_or(u32::MAX)),
            v.line,
        )
    });
    out
}

/// Parse problems with a column: where on the line the trouble starts (the quoted word or
/// flag the message names, else the first non-blank character).
pub fn parse_errors(df: &Dockerfile, text: &str) -> Vec<ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    df.problems
        .iter()
        .map(|p| {
            let src = lines.get(p.line.saturating_sub(1)).copied().unwrap_or("");
            let needle = p
                .message
                .split('"')
                .nth(1)
                .filter(|s| !s.is_empty())
                .or_else(|| {
                    p.message
                        .split_whitespace()
                        .find(|w| w.starts_with("--"))
                        .map(|w| w.trim_end_matches([':', ',']))
                });
            let byte = needle
                .and_then(|n| src.find(n))
                .unwrap_or_else(|| src.len() - src.trim_start().len());
            let column = src.get(..byte).map_or(1, |s| s.chars().count() + 1);
            ParseError {
                line: p.line,
                column,
                message: p.message.clone(),
            }
        })
        .collect()
}

/// Lints the bytes of one file (never panics, whatever the bytes).
pub fn lint_bytes(path: &Path, bytes: &[u8], expect: &Expectations) -> FileReport {
    let df = dockerfile::parse(bytes);
    let text = String::from_utf8_lossy(bytes);
    FileReport {
        path: path.to_owned(),
        error: None,
        problems: parse_errors(&df, &text),
        verdicts: judge(&df, None, expect),
    }
}

/// Is this file name a Dockerfile (`Dockerfile`, `Dockerfile.prod`, `api.Dockerfile`,
/// `Containerfile`)?
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// A path given on the command line: a file to lint, a directory walked, or an error.
#[derive(Debug)]
pub enum Target {
    File(PathBuf),
    Unreadable(PathBuf, String),
}

/// The Dockerfiles named by `paths`: files as given, directories walked (honouring
/// `.gitignore` and `.ignore`, skipping hidden directories, `node_modules` and `target`).
/// Paths that cannot be read are returned as [`Target::Unreadable`]; the walk goes on.
pub fn walk(paths: &[PathBuf]) -> Vec<Target> {
    let mut out = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => out.push(Target::Unreadable(path.clone(), e.to_string())),
            Ok(m) if !m.is_dir() => out.push(Target::File(path.clone())),
            Ok(_) => {
                let walker = ignore::WalkBuilder::new(path)
                    .hidden(true)
                    .git_ignore(true)
                    .git_global(false)
                    .git_exclude(true)
                    .require_git(false)
                    .sort_by_file_path(|a, b| a.cmp(b))
                    .filter_entry(|e| e.file_name() != "node_modules" && e.file_name() != "target")
                    .build();
                for entry in walker {
                    match entry {
                        Ok(e) => {
                            let is_file = e.file_type().is_some_and(|t| t.is_file());
                            if is_file && is_dockerfile_name(&e.file_name().to_string_lossy()) {
                                out.push(Target::File(e.into_path()));
                            }
                        }
                        Err(err) => {
                            let p = match &err {
                                ignore::Error::WithPath { path, .. } => path.clone(),
                                _ => path.clone(),
                            };
                            out.push(Target::Unreadable(p, err.to_string()));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Lints every target: readable files are judged, unreadable ones reported.
pub fn lint_targets(targets: &[Target]) -> Vec<FileReport> {
    let expect = Expectations::default();
    targets
        .iter()
        .map(|t| match t {
            Target::File(p) => match std::fs::read(p) {
                Ok(bytes) => lint_bytes(p, &bytes, &expect),
                Err(e) => unreadable(p, &e.to_string()),
            },
            Target::Unreadable(p, e) => unreadable(p, e),
        })
        .collect()
}

fn unreadable(path: &Path, error: &str) -> FileReport {
    FileReport {
        path: path.to_owned(),
        error: Some(error.to_string()),
        problems: Vec::new(),
        verdicts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_have_columns() {
        let text = "FROM x\nRUN --bogus=1 true\n  FROOM y\n";
        let df = dockerfile::parse_str(text);
        let e = parse_errors(&df, text);
        assert!(!e.is_empty());
        let flag = e.iter().find(|p| p.line == 2).expect("flag problem");
        assert_eq!(flag.column, 5, "{flag:?}");
        let unknown = e.iter().find(|p| p.line == 3).expect("unknown instruction");
        assert_eq!(unknown.column, 3, "{unknown:?}");
    }

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "Containerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile-notes.md",
            "README",
            "docker-compose.yml",
            ".dockerignore",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}

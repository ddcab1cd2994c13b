//! `dgen lint` output: human text, JSON, GitHub annotations and SARIF 2.1.0.

use std::fmt::Write;
use std::path::Path;

use serde_json::json;

use super::sarif::{self, SarifResult};
use super::{FileReport, Level, Verdict};
use crate::drift::report::display_path;

/// At most this many GitHub annotations per file, and in all.
pub const GITHUB_PER_FILE: usize = 10;
pub const GITHUB_TOTAL: usize = 50;

fn lines_text(lines: &[usize]) -> String {
    let shown: Vec<String> = lines.iter().take(8).map(usize::to_string).collect();
    let more = if lines.len() > 8 { ", …" } else { "" };
    let noun = if lines.len() == 1 { "line" } else { "lines" };
    format!("{noun} {}{more}", shown.join(", "))
}

/// The human report: per file, one line per verdict (practice first), parse problems with
/// line and column; unreadable files; a closing summary.
pub fn human(reports: &[FileReport], base: &Path) -> String {
    let mut out = String::new();
    let mut judged = 0;
    let mut with_findings = 0;
    for r in reports {
        let path = display_path(&r.path, base);
        if let Some(e) = &r.error {
            let _ = writeln!(out, "{path}: error: cannot read: {e}");
            continue;
        }
        judged += 1;
        if !r.has_findings() {
            continue;
        }
        with_findings += 1;
        let practices = r.practices();
        if practices.is_empty() {
            let _ = writeln!(out, "{path}:");
        } else {
            let _ = writeln!(out, "{path}: breaks {}", practices.join(", "));
        }
        for v in &r.verdicts {
            let p = v.practice.unwrap_or("--");
            let also = if v.lines.len() > 1 {
                format!(" ({})", lines_text(&v.lines))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {path}:{}: {p} {} [{}]{also}",
                v.line, v.message, v.rule
            );
        }
        for e in &r.problems {
            let _ = writeln!(
                out,
                "  {path}:{}:{}: cannot parse: {}",
                e.line, e.column, e.message
            );
        }
    }
    let unreadable = reports.iter().filter(|r| r.error.is_some()).count();
    let _ = write!(
        out,
        "{judged} Dockerfile(s) judged, {with_findings} with findings"
    );
    if unreadable > 0 {
        let _ = write!(out, ", {unreadable} unreadable");
    }
    out.push('\n');
    if with_findings > 0 {
        out.push_str("`dgen explain RULE` (or a practice, e.g. `dgen explain P15`) tells why and how to fix.\n");
    }
    out
}

/// JSON, format version 1: `{"version":1,"findings":bool,"files":[{"path","error"?,
/// "practices":[…],"problems":[{"line","column","message"}],"verdicts":[{"rule","practice"?,
/// "level","line","lines","message"}]}]}`.
pub fn json(reports: &[FileReport], base: &Path) -> String {
    let files: Vec<_> = reports
        .iter()
        .map(|r| {
            let mut v = json!({
                "path": display_path(&r.path, base),
                "practices": r.practices(),
                "problems": r.problems,
                "verdicts": r.verdicts,
            });
            if let Some(e) = &r.error {
                v["error"] = json!(e);
            }
            v
        })
        .collect();
    let any = reports.iter().any(FileReport::has_findings);
    let mut text = serde_json::to_string_pretty(&json!({
        "version": 1,
        "findings": any,
        "files": files,
    }))
    .expect("plain JSON");
    text.push('\n');
    text
}

pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    }
}

/// Verdicts grouped by practice (a rule without practice is its own group), in order.
pub fn by_practice(verdicts: &[Verdict]) -> Vec<Vec<&Verdict>> {
    let mut groups: Vec<Vec<&Verdict>> = Vec::new();
    for v in verdicts {
        let key = v.practice.unwrap_or(v.rule);
        match groups
            .iter_mut()
            .find(|g| g[0].practice.unwrap_or(g[0].rule) == key)
        {
            Some(g) => g.push(v),
            None => groups.push(vec![v]),
        }
    }
    groups
}

/// GitHub workflow commands: one annotation per practice per file (its worst level, its
/// rules' messages joined), at most [`GITHUB_PER_FILE`] per file and [`GITHUB_TOTAL`] in all.
pub fn github(reports: &[FileReport], base: &Path) -> String {
    let mut out = String::new();
    let mut total = 0;
    let mut dropped = 0;
    for r in reports {
        let path = escape_property(&display_path(&r.path, base));
        if let Some(e) = &r.error {
            let _ = writeln!(
                out,
                "::error file={path},title=dgen lint::cannot read: {}",
                escape_data(e)
            );
            continue;
        }
        let mut n = 0;
        for e in &r.problems {
            if n >= GITHUB_PER_FILE || total >= GITHUB_TOTAL {
                dropped += 1;
                continue;
            }
            let _ = writeln!(
                out,
                "::error file={path},line={},col={},title=dgen lint (parse)::{}",
                e.line,
                e.column,
                escape_data(&e.message)
            );
            n += 1;
            total += 1;
        }
        for group in by_practice(&r.verdicts) {
            if n >= GITHUB_PER_FILE || total >= GITHUB_TOTAL {
                dropped += 1;
                continue;
            }
            let level = group.iter().map(|v| v.level).min().unwrap_or(Level::Note);
            let rules: Vec<&str> = group.iter().map(|v| v.rule).collect();
            let title = match group[0].practice {
                Some(p) => format!("dgen {p} ({})", rules.join(", ")),
                None => format!("dgen {}", rules.join(", ")),
            };
            let message: Vec<String> = group
                .iter()
                .map(|v| {
                    if v.lines.len() > 1 {
                        format!("{} ({})", v.message, lines_text(&v.lines))
                    } else {
                        v.message.clone()
                    }
                })
                .collect();
            let first = group[0];
            let end = group.iter().flat_map(|v| v.lines.iter()).max().copied();
            let end = end
                .filter(|e| *e > first.line && group.len() == 1 && first.lines.len() == 1)
                .map(|e| format!(",endLine={e}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "::{} file={path},line={}{end},title={}::{}",
                command(level),
                first.line,
                escape_property(&title),
                escape_data(&message.join("; "))
            );
            n += 1;
            total += 1;
        }
    }
    if dropped > 0 {
        let _ = writeln!(
            out,
            "::notice title=dgen lint::{dropped} more annotation(s) not shown; run `dgen lint` for the full report"
        );
    }
    out
}

/// SARIF 2.1.0: one result per verdict and per parse problem.
pub fn sarif(reports: &[FileReport], base: &Path) -> String {
    let mut results = Vec::new();
    for r in reports {
        let uri = display_path(&r.path, base);
        if let Some(e) = &r.error {
            results.push(SarifResult {
                rule: "unreadable".into(),
                level: "error",
                message: format!("cannot read: {e}"),
                uri: uri.clone(),
                start_line: None,
                end_line: None,
                start_column: None,
            });
            continue;
        }
        for e in &r.problems {
            results.push(SarifResult {
                rule: "parse-error".into(),
                level: "error",
                message: e.message.clone(),
                uri: uri.clone(),
                start_line: Some(e.line),
                end_line: None,
                start_column: Some(e.column),
            });
        }
        for v in &r.verdicts {
            let message = match v.practice {
                Some(p) => format!("{} ({p})", v.message),
                None => v.message.clone(),
            };
            results.push(SarifResult {
                rule: v.rule.to_string(),
                level: v.level.as_str(),
                message,
                uri: uri.clone(),
                start_line: Some(v.line),
                end_line: None,
                start_column: None,
            });
        }
    }
    sarif::document(&results)
}

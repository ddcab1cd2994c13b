//! Drift reports in the formats CI systems read: human text, JSON (stable: see
//! `docs` in the README), GitHub workflow-command annotations and SARIF 2.1.0.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use super::{FileStatus, FindingKind, ManifestDrift};

/// Shows `path` relative to `base` when it is below it.
pub fn display_path(path: &Path, base: &Path) -> String {
    let shown = path.strip_prefix(base).unwrap_or(path);
    let text = shown.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// Human text: one summary line per drifted manifest, then its findings, indented.
pub fn human(reports: &[ManifestDrift], strict: bool, verbose: bool, base: &Path) -> String {
    let mut out = String::new();
    for report in reports {
        let manifest = display_path(&report.manifest, base);
        if report.error.is_some() {
            continue;
        }
        let failing: Vec<_> = report.files.iter().filter(|f| f.fails(strict)).collect();
        if failing.is_empty() {
            if verbose {
                let formatting = report
                    .files
                    .iter()
                    .filter(|f| f.status == FileStatus::FormattingOnly)
                    .count();
                if formatting > 0 {
                    let _ = writeln!(
                        out,
                        "{manifest}: up to date ({formatting} file(s) differ only in formatting)"
                    );
                } else {
                    let _ = writeln!(out, "{manifest}: up to date");
                }
            }
            continue;
        }
        let names: Vec<String> = failing
            .iter()
            .map(|f| format!("{} ({})", f.kind.label(), status_word(f.status)))
            .collect();
        let _ = writeln!(out, "{manifest}: drifted: {}", names.join(", "));
        for file in &failing {
            let path = display_path(&file.path, base);
            for finding in &file.findings {
                let at = match finding.line {
                    Some(line) => format!("{path}:{line}"),
                    None => path.clone(),
                };
                let also = if finding.lines.len() > 1 {
                    let l: Vec<String> = finding.lines.iter().map(usize::to_string).collect();
                    format!(" (lines {})", l.join(", "))
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  {at}: {}{also}", finding.message);
            }
        }
    }
    out
}

fn status_word(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Current => "current",
        FileStatus::FormattingOnly => "formatting only",
        FileStatus::Drifted => "drifted",
        FileStatus::Missing => "missing",
    }
}

/// The JSON report (format version 1):
/// `{"version":1,"drifted":bool,"manifests":[{"manifest","error"?,"files":[{"path","kind","status","fails","findings":[{"kind","line","message","practice"?}],"rendered_by"?}]}]}`.
pub fn json(reports: &[ManifestDrift], strict: bool, base: &Path) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        path: String,
        kind: &'static str,
        status: FileStatus,
        fails: bool,
        findings: &'a [super::Finding],
        #[serde(skip_serializing_if = "Option::is_none")]
        rendered_by: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct Manifest<'a> {
        manifest: String,
        /// `current`, `formatting-only`, `drifted`, or `error` (it could not be checked).
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
        files: Vec<File<'a>>,
    }
    let manifests: Vec<Manifest<'_>> = reports
        .iter()
        .map(|r| Manifest {
            manifest: display_path(&r.manifest, base),
            status: if r.error.is_some() {
                "error"
            } else if r.fails(strict) {
                "drifted"
            } else if r.files.iter().all(|f| f.status == FileStatus::Current) {
                "current"
            } else {
                "formatting-only"
            },
            error: r.error.as_deref(),
            files: r
                .files
                .iter()
                .map(|f| File {
                    path: display_path(&f.path, base),
                    kind: f.kind.label(),
                    status: f.status,
                    fails: f.fails(strict),
                    findings: &f.findings,
                    rendered_by: f.rendered_by.as_deref(),
                })
                .collect(),
        })
        .collect();
    // A manifest that could not be checked is not known to be current: `drifted` is then
    // true, never false, and `status` says `error`.
    let errors = reports.iter().filter(|r| r.error.is_some()).count();
    let drifted = reports.iter().any(|r| r.fails(strict)) || errors > 0;
    let status = if errors > 0 {
        "error"
    } else if drifted {
        "drifted"
    } else {
        "current"
    };
    let mut text = serde_json::to_string_pretty(&json!({
        "version": 1,
        "status": status,
        "errors": errors,
        "drifted": drifted,
        "manifests": manifests,
    }))
    .expect("the report is plain JSON");
    text.push('\n');
    text
}

use crate::lint::report::{escape_data, escape_property};
use crate::lint::sarif::{self, SarifResult};

/// At most this many annotations per file, and in all.
const GITHUB_PER_FILE: usize = 10;
const GITHUB_TOTAL: usize = 50;

/// GitHub Actions workflow commands: per file, one annotation per practice broken (error),
/// one for the other differences together (warning), one notice for formatting; capped;
/// the hint to regenerate once at the end.
pub fn github(reports: &[ManifestDrift], strict: bool, base: &Path) -> String {
    let mut out = String::new();
    let mut total = 0;
    let mut dropped = 0;
    let mut any = false;
    for report in reports {
        if let Some(error) = &report.error {
            let file = display_path(&report.manifest, base);
            let (line, col) = manifest_error_position(error);
            let at = line
                .map(|l| format!(",line={l},col={}", col.unwrap_or(1)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "::error file={}{at},title=dgen manifest error::{}",
                escape_property(&file),
                escape_data(error.trim_end())
            );
            total += 1;
            continue;
        }
        for file in report.files.iter().filter(|f| f.fails(strict)) {
            any = true;
            let path = escape_property(&display_path(&file.path, base));
            let mut lines: Vec<String> = Vec::new();
            // Practices, grouped.
            let mut practices: Vec<(&str, Vec<&super::Finding>)> = Vec::new();
            let mut other: Vec<&super::Finding> = Vec::new();
            let mut formatting: Vec<&super::Finding> = Vec::new();
            for f in &file.findings {
                match (f.practice, f.kind) {
                    (Some(p), _) => match practices.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, g)) => g.push(f),
                        None => practices.push((p, vec![f])),
                    },
                    (None, FindingKind::Formatting) => formatting.push(f),
                    (None, _) => other.push(f),
                }
            }
            for (p, group) in &practices {
                let line = group.iter().filter_map(|f| f.line).min();
                let mut rules: Vec<&str> = group.iter().filter_map(|f| f.rule).collect();
                rules.dedup();
                let title = if rules.is_empty() {
                    format!("dgen {p}")
                } else {
                    format!("dgen {p} ({})", rules.join(", "))
                };
                let msgs: Vec<String> = group.iter().map(|f| f.message.clone()).collect();
                lines.push(annotation("error", &path, line, &title, &msgs.join("; ")));
            }
            if !other.is_empty() {
                let line = other.iter().filter_map(|f| f.line).min();
                let shown: Vec<String> = other
                    .iter()
                    .take(5)
                    .map(|f| match f.line {
                        Some(l) => format!("line {l}: {}", f.message),
                        None => f.message.clone(),
                    })
                    .collect();
                let more = if other.len() > 5 {
                    format!("; and {} more", other.len() - 5)
                } else {
                    String::new()
                };
                let noun = if other.len() == 1 {
                    "difference"
                } else {
                    "differences"
                };
                lines.push(annotation(
                    "warning",
                    &path,
                    line,
                    &format!("dgen drift: {} {noun}", other.len()),
                    &format!("{}{more}", shown.join("; ")),
                ));
            }
            if !formatting.is_empty() {
                let msgs: Vec<String> = formatting.iter().map(|f| f.message.clone()).collect();
                lines.push(annotation(
                    "notice",
                    &path,
                    formatting.iter().filter_map(|f| f.line).min(),
                    "dgen formatting",
                    &msgs.join("; "),
                ));
            }
            for (k, l) in lines.into_iter().enumerate() {
                if k >= GITHUB_PER_FILE || total >= GITHUB_TOTAL {
                    dropped += 1;
                } else {
                    out.push_str(&l);
                    total += 1;
                }
            }
        }
    }
    if dropped > 0 {
        let _ = writeln!(
            out,
            "::notice title=dgen::{dropped} more annotation(s) not shown: run `dgen check` for the full report"
        );
    }
    if any {
        out.push_str("::notice title=dgen::run `dgen diff` to see the differences and `dgen render` to regenerate the files\n");
    }
    out
}

fn annotation(kind: &str, path: &str, line: Option<usize>, title: &str, message: &str) -> String {
    let line = line.map(|l| format!(",line={l}")).unwrap_or_default();
    format!(
        "::{kind} file={path}{line},title={}::{}\n",
        escape_property(title),
        escape_data(message)
    )
}

/// The `--> dgen.toml:LINE:COL` of a rendered manifest diagnostic.
fn manifest_error_position(error: &str) -> (Option<usize>, Option<usize>) {
    for l in error.lines() {
        if let Some(rest) = l.trim_start().strip_prefix("--> ") {
            let mut parts = rest.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.trim().parse().ok());
            let line = parts.next().and_then(|c| c.trim().parse().ok());
            if line.is_some() {
                return (line, col);
            }
        }
    }
    (None, None)
}

/// SARIF 2.1.0, for code-scanning upload: one result per finding, named by its rule
/// (`user-root`, `drift`, `formatting`, `missing-file`, `manifest-error`), with levels,
/// regions and partial fingerprints; every rule described in `driver.rules`.
pub fn sarif(reports: &[ManifestDrift], strict: bool, base: &Path) -> String {
    let mut results = Vec::new();
    for report in reports {
        if let Some(error) = &report.error {
            let (line, col) = manifest_error_position(error);
            results.push(SarifResult {
                rule: "manifest-error".into(),
                level: "error",
                message: error.trim_end().to_string(),
                uri: display_path(&report.manifest, base),
                start_line: Some(line.unwrap_or(1)),
                end_line: None,
                start_column: col,
            });
            continue;
        }
        for file in report.files.iter().filter(|f| f.fails(strict)) {
            for finding in &file.findings {
                let rule = finding.rule.unwrap_or(match finding.kind {
                    FindingKind::Missing => "missing-file",
                    FindingKind::Formatting => "formatting",
                    _ => "drift",
                });
                let level = match finding.kind {
                    FindingKind::Formatting => "note",
                    FindingKind::Practice => {
                        crate::lint::verdict_rule(rule).map_or("error", |r| r.level.as_str())
                    }
                    _ if finding.practice.is_some() => "error",
                    FindingKind::Missing => "error",
                    _ => "warning",
                };
                let end_line = finding.lines.iter().max().copied();
                results.push(SarifResult {
                    rule: rule.to_string(),
                    level,
                    message: finding.message.clone(),
                    uri: display_path(&file.path, base),
                    start_line: finding.line.or(Some(1)),
                    end_line: end_line.filter(|e| Some(*e) > finding.line),
                    start_column: None,
                });
            }
        }
    }
    sarif::document(&results)
}

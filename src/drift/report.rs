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
                let _ = writeln!(out, "  {at}: {}", finding.message);
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
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a str>,
        files: Vec<File<'a>>,
    }
    let manifests: Vec<Manifest<'_>> = reports
        .iter()
        .map(|r| Manifest {
            manifest: display_path(&r.manifest, base),
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
    let drifted = reports.iter().any(|r| r.fails(strict));
    let mut text = serde_json::to_string_pretty(&json!({
        "version": 1,
        "drifted": drifted,
        "manifests": manifests,
    }))
    .expect("the report is plain JSON");
    text.push('\n');
    text
}

pub(super) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub(super) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: one `::error` annotation per finding, at file and line.
pub fn github(reports: &[ManifestDrift], strict: bool, base: &Path) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(error) = &report.error {
            let file = display_path(&report.manifest, base);
            let _ = writeln!(
                out,
                "::error file={},title=dgen::{}",
                escape_property(&file),
                escape_data(error.trim_end())
            );
            continue;
        }
        for file in report.files.iter().filter(|f| f.fails(strict)) {
            let path = display_path(&file.path, base);
            for finding in &file.findings {
                let title = match finding.practice {
                    Some(id) => format!("dgen drift ({id})"),
                    None => "dgen drift".to_owned(),
                };
                let line = finding
                    .line
                    .map(|l| format!(",line={l}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "::error file={}{line},title={}::{}",
                    escape_property(&path),
                    escape_property(&title),
                    escape_data(&format!(
                        "{} (run `dgen render` to regenerate)",
                        finding.message
                    ))
                );
            }
        }
    }
    out
}

/// SARIF 2.1.0, for code-scanning upload: one result per finding; rules are the practices.
pub fn sarif(reports: &[ManifestDrift], strict: bool, base: &Path) -> String {
    let mut results = Vec::new();
    let mut used_rules: Vec<&'static str> = Vec::new();
    for report in reports {
        if let Some(error) = &report.error {
            results.push(json!({
                "ruleId": "manifest-error",
                "level": "error",
                "message": {"text": error.trim_end()},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": display_path(&report.manifest, base)}}}],
            }));
            continue;
        }
        for file in report.files.iter().filter(|f| f.fails(strict)) {
            for finding in &file.findings {
                let rule = finding.practice.unwrap_or(match finding.kind {
                    FindingKind::Missing => "missing-file",
                    FindingKind::Formatting => "formatting",
                    _ => "drift",
                });
                if !used_rules.contains(&rule) {
                    used_rules.push(rule);
                }
                let mut location =
                    json!({"artifactLocation": {"uri": display_path(&file.path, base)}});
                if let Some(line) = finding.line {
                    location["region"] = json!({"startLine": line});
                }
                results.push(json!({
                    "ruleId": rule,
                    "level": "error",
                    "message": {"text": finding.message},
                    "locations": [{"physicalLocation": location}],
                }));
            }
        }
    }
    used_rules.sort_unstable();
    let rules: Vec<_> = used_rules
        .iter()
        .map(|id| {
            let text = crate::practices::get(id).map_or_else(
                || match *id {
                    "missing-file" => "A generated file is missing".to_owned(),
                    "formatting" => "A generated file differs in formatting".to_owned(),
                    "manifest-error" => "The manifest is invalid".to_owned(),
                    _ => "A generated file differs from what its manifest renders".to_owned(),
                },
                |p| p.title.to_owned(),
            );
            json!({"id": id, "shortDescription": {"text": text}})
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dgen",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    }))
    .expect("the report is plain JSON");
    text.push('\n');
    text
}

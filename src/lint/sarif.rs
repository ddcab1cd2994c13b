//! SARIF 2.1.0 output shared by `dgen lint` and `dgen check`: every result names its rule,
//! and every rule used is described in `tool.driver.rules` (name, short and full
//! description, help URI, default level).

use serde_json::{Value, json};

use super::rules::verdict_rule;
use crate::dockerfile::rule_by_id;

/// Where the rule documentation lives (`docs/rules.md` in this repository).
pub const HELP_BASE: &str = "https://example.invalid/dgen/blob/main/docs/rules.md";

/// One SARIF result, before it is written.
#[derive(Debug, Clone)]
pub struct SarifResult {
    pub rule: String,
    /// `error`, `warning` or `note`.
    pub level: &'static str,
    pub message: String,
    /// The artifact, relative to the working directory, `/`-separated.
    pub uri: String,
    pub start_line: Option<usize>,
    pub end_line: Option<usize>,
    pub start_column: Option<usize>,
}

/// Metadata of a rule id: (short description, full description, practice).
pub fn rule_text(id: &str) -> (String, String, Option<&'static str>) {
    if let Some(r) = verdict_rule(id) {
        return (
            r.summary.to_string(),
            format!("{} Fix: {}", r.rationale, r.fix),
            r.practice,
        );
    }
    if let Some(r) = rule_by_id(id) {
        let full = match r.practice.and_then(crate::practices::get) {
            Some(p) => format!("{} Practice {}: {}.", r.summary, p.id, p.title),
            None => r.summary.to_string(),
        };
        return (r.summary.to_string(), full, r.practice);
    }
    if let Some(p) = crate::practices::get(id) {
        return (p.title.to_string(), p.title.to_string(), Some(p.id));
    }
    let (short, full) = match id {
        "missing-file" => (
            "A generated file is missing",
            "A file the manifest renders is not on disk: run `dgen render`.",
        ),
        "formatting" => (
            "A file differs from its rendering in formatting only",
            "Whitespace, layout, comments, keyword case or parser directives differ; the build is the same. Fails only with --strict.",
        ),
        "manifest-error" => (
            "The manifest is invalid",
            "dgen.toml could not be read or validated, so its files could not be checked.",
        ),
        "parse-error" => (
            "The Dockerfile cannot be parsed",
            "An instruction could not be read the way BuildKit reads it.",
        ),
        "unreadable" => ("The file cannot be read", "The path could not be read."),
        _ => (
            "A generated file differs from what its manifest renders",
            "An instruction, pattern or value differs from the rendering; run `dgen diff` to see it and `dgen render` to regenerate.",
        ),
    };
    (short.to_string(), full.to_string(), None)
}

/// `user-root` → `UserRoot` (SARIF `name`).
fn pascal(id: &str) -> String {
    id.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn fnv(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The anchor of a rule in `docs/rules.md` (GitHub heading anchors: lowercase, dashes).
pub fn help_uri(id: &str) -> String {
    format!("{HELP_BASE}#{}", id.to_ascii_lowercase())
}

/// The whole SARIF document.
pub fn document(results: &[SarifResult]) -> String {
    let mut used: Vec<&str> = results.iter().map(|r| r.rule.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    let rules: Vec<Value> = used
        .iter()
        .map(|id| {
            let (short, full, practice) = rule_text(id);
            let level = verdict_rule(id).map_or("error", |r| r.level.as_str());
            let mut rule = json!({
                "id": id,
                "name": pascal(id),
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "helpUri": help_uri(id),
                "defaultConfiguration": {"level": level},
            });
            if let Some(p) = practice {
                rule["properties"] = json!({"tags": [p]});
            }
            rule
        })
        .collect();
    let index = |id: &str| used.iter().position(|u| *u == id).unwrap_or(0);
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut location = json!({"artifactLocation": {"uri": r.uri}});
            if let Some(line) = r.start_line {
                let mut region = json!({"startLine": line.max(1)});
                if let Some(end) = r.end_line.filter(|e| *e >= line) {
                    region["endLine"] = json!(end);
                }
                if let Some(c) = r.start_column {
                    region["startColumn"] = json!(c.max(1));
                }
                location["region"] = region;
            }
            json!({
                "ruleId": r.rule,
                "ruleIndex": index(&r.rule),
                "level": r.level,
                "message": {"text": r.message},
                "locations": [{"physicalLocation": location}],
                "partialFingerprints": {"dgenFinding/v1": fnv(&[&r.rule, &r.uri, &r.message])},
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dgen",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": HELP_BASE,
                "rules": rules,
            }},
            "results": results,
        }],
    }))
    .expect("the report is plain JSON");
    text.push('\n');
    text
}

//! `dgen explain RULE|PID`: the rationale and the fix, from the rule table itself.

use std::fmt::Write;

use super::rules::{VERDICTS, verdict_rule};
use crate::dockerfile::{RULES, rule_by_id};
use crate::practices;

/// The explanation of a rule id (`user-root`) or a practice (`P15`, `p15`), or `None`.
pub fn explain(what: &str) -> Option<String> {
    let mut out = String::new();
    let upper = what.to_ascii_uppercase();
    if let Some(p) = practices::get(&upper) {
        let _ = writeln!(out, "{}: {}", p.id, p.title);
        let verdicts: Vec<_> = VERDICTS
            .iter()
            .filter(|r| r.practice == Some(p.id))
            .collect();
        let drift: Vec<_> = RULES
            .iter()
            .filter(|r| r.practice == Some(p.id) && verdict_rule(r.id).is_none())
            .collect();
        if verdicts.is_empty() && drift.is_empty() {
            let _ = writeln!(
                out,
                "\nNo Dockerfile rule checks it: dgen's rendered files embody it (see the README's Practices table)."
            );
        }
        for r in verdicts {
            let _ = writeln!(out, "\n{} ({}): {}", r.id, r.level.as_str(), r.summary);
            let _ = writeln!(out, "  why: {}", r.rationale);
            let _ = writeln!(out, "  fix: {}", r.fix);
        }
        for r in drift {
            let _ = writeln!(out, "\n{} (drift only): {}", r.id, r.summary);
        }
        return Some(out);
    }
    let id = what.to_ascii_lowercase();
    if let Some(r) = verdict_rule(&id) {
        let practice = r.practice.and_then(practices::get).map_or_else(
            || "no practice".to_string(),
            |p| format!("{}: {}", p.id, p.title),
        );
        let _ = writeln!(out, "{} ({}; {practice})", r.id, r.level.as_str());
        let _ = writeln!(out, "{}", r.summary);
        let _ = writeln!(out, "\nwhy: {}", r.rationale);
        let _ = writeln!(out, "fix: {}", r.fix);
        return Some(out);
    }
    if let Some(r) = rule_by_id(&id) {
        let practice = r.practice.and_then(practices::get).map_or_else(
            || "no practice".to_string(),
            |p| format!("{}: {}", p.id, p.title),
        );
        let _ = writeln!(out, "{} (drift rule; {practice})", r.id);
        let _ = writeln!(
            out,
            "{}\n\nIt fires when the file on disk newly does this compared with what dgen.toml renders; `dgen render` restores the rendering.",
            r.summary
        );
        return Some(out);
    }
    None
}

/// Every rule and practice id `explain` knows, for the error message.
pub fn known() -> Vec<&'static str> {
    let mut v: Vec<&str> = VERDICTS.iter().map(|r| r.id).collect();
    for r in RULES {
        if !v.contains(&r.id) {
            v.push(r.id);
        }
    }
    v
}

/// `docs/rules.md`: every verdict rule with its practice, level, rationale and fix.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# dgen rules\n\nGenerated from the rule table (`dgen explain RULE` prints the same); a test keeps this file current.\n\n",
    );
    for r in VERDICTS {
        let practice = r.practice.and_then(practices::get).map_or_else(
            || "no practice".to_string(),
            |p| format!("{} ({})", p.id, p.title),
        );
        let _ = writeln!(out, "## {}\n", r.id);
        let _ = writeln!(out, "{} — {}, {}.\n", r.summary, practice, r.level.as_str());
        let _ = writeln!(out, "Why: {}\n", r.rationale);
        let _ = writeln!(out, "Fix: {}\n", r.fix);
    }
    out.push_str("## Drift-only rules\n\nThese fire in `dgen check` when the file on disk newly differs from the rendering in this way.\n\n");
    for r in RULES.iter().filter(|r| verdict_rule(r.id).is_none()) {
        let _ = writeln!(
            out,
            "- `{}` ({}): {}",
            r.id,
            r.practice.unwrap_or("–"),
            r.summary
        );
    }
    for (id, text) in [
        ("drift", "any other difference from the rendering"),
        (
            "formatting",
            "formatting-only differences (fail with --strict)",
        ),
        ("missing-file", "a file the manifest renders is missing"),
        ("manifest-error", "the manifest is invalid"),
        ("parse-error", "the Dockerfile cannot be parsed"),
        ("unreadable", "the path cannot be read"),
    ] {
        let _ = writeln!(out, "\n## {id}\n\n{text}.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_rules_and_practices() {
        let p = explain("p15").unwrap();
        assert!(p.starts_with("P15: Run as a non-root user"), "{p}");
        assert!(p.contains("user-root"));
        let r = explain("world-writable").unwrap();
        assert!(r.contains("P17") && r.contains("fix:"), "{r}");
        assert!(explain("python-bytecode").unwrap().contains("P07"));
        assert!(explain("nope").is_none());
    }

    #[test]
    fn rules_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        let want = rules_markdown();
        if std::env::var_os("DGEN_WRITE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/rules.md is stale: DGEN_WRITE_DOCS=1 cargo test rules_doc"
        );
    }
}

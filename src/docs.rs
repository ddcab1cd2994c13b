//! Documents generated from the code, so they cannot disagree with it: `docs/PRACTICES.md` from
//! the practice catalogue ([`crate::practices::PRACTICES`]). `tests/integration/docs.rs` fails when the
//! committed file is stale; `DGEN_UPDATE_DOCS=1 cargo test --test integration docs::` rewrites it.

use std::fmt::Write;

use crate::dockerfile::RULES;
use crate::practices::PRACTICES;

/// Where the practices document lives, relative to the repository root.
pub const PRACTICES_PATH: &str = "docs/PRACTICES.md";

/// The practices document: every practice, in ID order, as the code knows it.
pub fn practices_markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- Generated from src/practices.rs by `DGEN_UPDATE_DOCS=1 cargo test --test integration docs::`. \
         Do not edit by hand. -->\n\n",
    );
    out.push_str("# Practices\n\n");
    let _ = writeln!(
        out,
        "The {} practices that dgen's output embodies. Tests, `dgen check` findings (JSON \
         `practice`, SARIF rule IDs, GitHub annotation titles) and lint messages name them by ID.\n",
        PRACTICES.len()
    );
    out.push_str("| ID | Practice |\n|---|---|\n");
    for practice in PRACTICES {
        let _ = writeln!(
            out,
            "| [{id}](#{anchor}) | {title} |",
            id = practice.id,
            anchor = practice.id.to_ascii_lowercase(),
            title = escape_cell(practice.title),
        );
    }
    for practice in PRACTICES {
        let _ = write!(
            out,
            "\n## {id}\n\n{title}.\n",
            id = practice.id,
            title = practice.title.trim_end_matches('.'),
        );
        let rules: Vec<_> = RULES
            .iter()
            .filter(|r| r.practice == Some(practice.id))
            .collect();
        if !rules.is_empty() {
            out.push_str("\n`dgen check` names it when a Dockerfile drifts this way:\n\n");
            for rule in rules {
                let _ = writeln!(out, "- `{}`: {}", rule.id, rule.summary);
            }
        }
    }
    out
}

/// A table cell's text: `|` would end the cell.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_practice_has_a_row_and_a_section() {
        let doc = practices_markdown();
        for practice in PRACTICES {
            assert!(
                doc.contains(&format!("| [{}](#", practice.id)),
                "{}",
                practice.id
            );
            assert!(
                doc.contains(&format!("\n## {}\n", practice.id)),
                "{}",
                practice.id
            );
        }
    }

    #[test]
    fn pipes_are_escaped() {
        assert_eq!(escape_cell("a | b"), "a \\| b");
    }
}

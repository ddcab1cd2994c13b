//! `.dockerignore` drift: the patterns count, not their order, comments or spacing — unless a
//! `!` exception is present, where order decides what is excluded.

use super::{Finding, FindingKind};

/// A pattern and its line.
struct Pattern {
    text: String,
    line: usize,
}

fn patterns(text: &str) -> Vec<Pattern> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return None;
            }
            Some(Pattern {
                text: normalize(trimmed),
                line: i + 1,
            })
        })
        .collect()
}

/// Docker cleans patterns like paths: a leading `/` or `./` means nothing, nor does a
/// trailing `/`.
fn normalize(pattern: &str) -> String {
    let (bang, rest) = match pattern.strip_prefix('!') {
        Some(rest) => ("!", rest.trim_start()),
        None => ("", pattern),
    };
    let rest = rest.trim_start_matches("./").trim_start_matches('/');
    let rest = rest.trim_end_matches('/');
    format!("{bang}{rest}")
}

/// What leaving a pattern out lets into the build context.
fn removal_practice(pattern: &str) -> (&'static str, &'static str) {
    let p = pattern.to_ascii_lowercase();
    let secret = [
        ".env",
        ".pem",
        ".key",
        ".crt",
        ".p12",
        ".pfx",
        "id_rsa",
        "id_ed25519",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".aws",
        ".ssh",
        "credentials",
        "secret",
    ];
    if secret.iter().any(|s| p.contains(s)) {
        ("P14", "secrets may reach the build context and the image")
    } else {
        ("P04", "it now reaches the build context")
    }
}

/// Compares the rendered `.dockerignore` with the one on disk.
pub fn compare(expected: &str, actual: &str) -> Vec<Finding> {
    let want = patterns(expected);
    let have = patterns(actual);
    let mut findings = Vec::new();
    for p in &want {
        if !have.iter().any(|h| h.text == p.text) {
            let (id, why) = removal_practice(&p.text);
            findings.push(
                Finding::new(
                    FindingKind::Removed,
                    None,
                    format!("pattern `{}` removed: {why} ({id})", p.text),
                )
                .practice(Some(id)),
            );
        }
    }
    for h in &have {
        if !want.iter().any(|p| p.text == h.text) {
            let message = if h.text.starts_with('!') {
                format!(
                    "exception `{}` added: it lets matching files back into the build context",
                    h.text
                )
            } else {
                format!("pattern `{}` added", h.text)
            };
            findings.push(Finding::new(FindingKind::Added, Some(h.line), message));
        }
    }
    let has_exceptions = want.iter().chain(&have).any(|p| p.text.starts_with('!'));
    if findings.is_empty() {
        let same_order = want
            .iter()
            .map(|p| &p.text)
            .eq(have.iter().map(|p| &p.text));
        if has_exceptions && !same_order {
            findings.push(Finding::new(
                FindingKind::Moved,
                None,
                "patterns reordered around a `!` exception: the order decides what is excluded",
            ));
        } else {
            findings.push(Finding::new(
                FindingKind::Formatting,
                None,
                "only comments, blank lines, spacing or pattern order differ",
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_comments_and_spelling_are_formatting() {
        let f = compare(
            "# x\n.git\n.env\nnode_modules/\n",
            ".env\n/node_modules\n# other\n\n.git\n",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::Formatting);
    }

    #[test]
    fn removed_secret_pattern_names_p14() {
        let f = compare(".git\n.env\n", ".git\n");
        assert_eq!(
            f[0].message,
            "pattern `.env` removed: secrets may reach the build context and the image (P14)"
        );
        assert_eq!(f[0].practice, Some("P14"));
        let f = compare(".git\n.env\n", ".env\n");
        assert_eq!(
            f[0].message,
            "pattern `.git` removed: it now reaches the build context (P04)"
        );
    }

    #[test]
    fn added_pattern_has_its_line() {
        let f = compare(".git\n", ".git\n\ndata\n");
        assert_eq!(f[0].kind, FindingKind::Added);
        assert_eq!(f[0].line, Some(3));
    }

    #[test]
    fn order_matters_with_exceptions() {
        let f = compare("*.md\n!README.md\n", "!README.md\n*.md\n");
        assert_eq!(f[0].kind, FindingKind::Moved);
    }
}

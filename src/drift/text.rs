//! Drift of the files that are neither Dockerfile, ignore file nor YAML: the VS Code launch
//! configuration (JSON with comments) and the run instructions (Markdown).

use super::{Finding, FindingKind};

fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compares JSON-with-comments files by value.
pub fn compare_json(expected: &str, actual: &str) -> Vec<Finding> {
    let want: Result<serde_json::Value, _> = serde_json::from_str(&strip_comments(expected));
    let have: Result<serde_json::Value, _> = serde_json::from_str(&strip_comments(actual));
    match (want, have) {
        (Ok(w), Ok(h)) if w == h => vec![Finding::new(
            FindingKind::Formatting,
            None,
            "only comments, spacing or key order differ",
        )],
        (Ok(_), Ok(_)) => {
            vec![Finding::new(
            FindingKind::Changed,
            None,
            "the debugger attach configuration differs from what the manifest renders (P20)",
        )
        .practice(Some("P20"))]
        }
        (_, Err(e)) => vec![Finding::new(
            FindingKind::Changed,
            Some(e.line()),
            format!("not valid JSON: {e}"),
        )],
        (Err(e), _) => vec![Finding::new(
            FindingKind::Changed,
            None,
            format!("internal: the rendered file is not valid JSON: {e}"),
        )],
    }
}

/// Compares text line by line, ignoring trailing spaces and blank-line runs.
pub fn compare_text(expected: &str, actual: &str) -> Vec<Finding> {
    let squash = |t: &str| -> Vec<(usize, String)> {
        t.lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end().to_owned()))
            .filter(|(_, l)| !l.is_empty())
            .collect()
    };
    let want = squash(expected);
    let have = squash(actual);
    let first = want
        .iter()
        .zip(&have)
        .find(|(w, h)| w.1 != h.1)
        .map(|(_, h)| h.0)
        .or_else(|| (want.len() != have.len()).then(|| have.get(want.len()).map_or(0, |h| h.0)));
    match first {
        None => vec![Finding::new(
            FindingKind::Formatting,
            None,
            "only blank lines or trailing spaces differ",
        )],
        Some(line) => vec![
            Finding::new(
                FindingKind::Changed,
                (line > 0).then_some(line),
                "the run instructions differ from what the manifest renders (P21)",
            )
            .practice(Some("P21")),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_compares_by_value() {
        let a = "// header\n{\"a\": 1, \"b\": [1, 2]}\n";
        let b = "{\n  \"b\": [1, 2],\n  \"a\": 1\n}\n";
        assert_eq!(compare_json(a, b)[0].kind, FindingKind::Formatting);
        assert_eq!(
            compare_json(a, "{\"a\": 2, \"b\": [1, 2]}")[0].practice,
            Some("P20")
        );
    }

    #[test]
    fn text_points_at_the_first_changed_line() {
        let f = compare_text("# T\n\nline\n", "# T\nother\n");
        assert_eq!(f[0].line, Some(2));
        assert_eq!(
            compare_text("a\n\n\nb\n", "a  \nb\n")[0].kind,
            FindingKind::Formatting
        );
    }
}

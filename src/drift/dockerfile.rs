//! Dockerfile drift: both files parsed into stages and instructions and compared semantically
//! (see [`crate::dockerfile::diff`]); each real change explained, naming the practice it breaks.

use super::{Finding, FindingKind};
use crate::dockerfile::{self, ChangeKind, FormattingKind};

/// Compares the rendered Dockerfile with the one on disk.
pub fn compare(expected: &str, actual: &[u8]) -> Vec<Finding> {
    let want = dockerfile::parse_str(expected);
    let have = dockerfile::parse(actual);
    let report = dockerfile::diff(&want, &have);
    let many_stages = want.stages.len() > 1 || have.stages.len() > 1;
    let args = arg_defaults(&want);
    let mut findings = Vec::new();
    for problem in &report.problems {
        findings.push(Finding::new(
            FindingKind::Changed,
            Some(problem.line),
            format!("cannot parse: {}", problem.message),
        ));
    }
    for (stage, change) in report.changes() {
        let kind = match change.kind {
            ChangeKind::Added => FindingKind::Added,
            ChangeKind::Removed => FindingKind::Removed,
            ChangeKind::Changed => FindingKind::Changed,
            ChangeKind::Moved => FindingKind::Moved,
        };
        let prefix = match stage {
            Some(stage) if many_stages => {
                let last = have.stages.len().checked_sub(1);
                match (&stage.name, stage.actual_index) {
                    (Some(name), _) => format!("stage {name}: "),
                    (None, Some(i)) if Some(i) == last => "final stage: ".to_owned(),
                    _ => format!("stage {}: ", stage.label()),
                }
            }
            _ => String::new(),
        };
        for explanation in &change.explanations {
            findings.push(
                Finding::new(
                    kind,
                    Some(change.line),
                    format!("{prefix}{}", substitute(&explanation.to_string(), &args)),
                )
                .practice(explanation.practice),
            );
        }
    }
    for formatting in &report.formatting {
        // A changed `# syntax=` selects another frontend image: that changes the build.
        let kind = if formatting.kind == FormattingKind::Directives {
            FindingKind::Changed
        } else {
            FindingKind::Formatting
        };
        findings.push(Finding::new(
            kind,
            formatting.lines.first().copied(),
            formatting.message.clone(),
        ));
    }
    findings
}

/// The build arguments with a default (`ARG APP_USER=app`), so that a report can say `USER app`
/// rather than `USER ${APP_USER}`.
fn arg_defaults(df: &dockerfile::Dockerfile) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for instruction in df.instructions().filter(|i| i.keyword == "ARG") {
        for kv in instruction.key_values() {
            if let Some(value) = &kv.value
                && !out.iter().any(|(k, _)| k == &kv.key)
            {
                out.push((kv.key.clone(), value.clone()));
            }
        }
    }
    out
}

fn substitute(message: &str, args: &[(String, String)]) -> String {
    let mut out = message.to_owned();
    for (key, value) in args {
        out = out.replace(&format!("${{{key}}}"), value);
        let plain = format!("${key}");
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(&plain) {
            let after = &rest[at + plain.len()..];
            let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            result.push_str(&rest[..at]);
            result.push_str(if whole { value } else { &plain });
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::substitute;

    #[test]
    fn substitutes_whole_argument_names_only() {
        let args = vec![("APP".to_owned(), "x".to_owned())];
        assert_eq!(
            substitute("USER ${APP} and $APP, not $APP_USER", &args),
            "USER x and x, not $APP_USER"
        );
    }
}

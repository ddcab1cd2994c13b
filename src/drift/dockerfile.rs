//! Dockerfile drift: both files parsed into stages and instructions and compared semantically
//! (see [`crate::dockerfile::diff`]); each real change explained, naming the practice it breaks.

use super::{Finding, FindingKind};
use crate::dockerfile::{self, ChangeKind};
use crate::lint::{self, Expectations};

/// Compares the rendered Dockerfile with the one on disk.
pub fn compare(expected: &str, actual: &[u8]) -> Vec<Finding> {
    let want = dockerfile::parse_str(expected);
    let have = dockerfile::parse(actual);
    let report = dockerfile::diff(&want, &have);
    let many_stages = want.stages.len() > 1 || have.stages.len() > 1;
    let args = arg_defaults(&want);
    let mut findings = Vec::new();
    // First the practices the file on disk breaks, judged on the image it builds, leaving out
    // what the rendering breaks too (a manifest may ask for it: no health check, a fixed UID).
    let expect = Expectations {
        ports: crate::dockerfile::facts::all(&want)
            .last()
            .map(|f| f.ports.clone()),
        // The rendered final stage chowns exactly the manifest's writable paths.
        writable: Some(
            want.stages
                .last()
                .map(|stage| {
                    stage
                        .instructions
                        .iter()
                        .flat_map(|i| match &*i.keyword {
                            "RUN" => crate::dockerfile::rules::chowned_paths(i),
                            // An image without a shell: the folder copied in, owned by the user.
                            _ => crate::dockerfile::rules::copied_writable(i)
                                .into_iter()
                                .collect(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
    };
    let rendered: Vec<&str> = lint::judge(&want, None, &expect)
        .iter()
        .map(|v| v.rule)
        .collect();
    let verdicts: Vec<lint::Verdict> = lint::judge(&have, None, &expect)
        .into_iter()
        .filter(|v| !rendered.contains(&v.rule))
        .collect();
    let judged: Vec<&str> = verdicts.iter().filter_map(|v| v.practice).collect();
    for v in &verdicts {
        let message = match v.practice {
            Some(p) => format!("{} ({p})", v.message),
            None => v.message.clone(),
        };
        let mut f = Finding::new(FindingKind::Practice, Some(v.line), message)
            .practice(v.practice)
            .rule(v.rule);
        if v.lines.len() > 1 {
            f.lines = v.lines.clone();
        }
        findings.push(f);
    }
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
        let mut plain_done = false;
        for explanation in &change.explanations {
            // A practice (or rule) already named above is not named again on each
            // instruction: the instruction is described plainly, once.
            // The verdicts are the authority on what the built image does: a drift rule that
            // has a verdict of the same id (user-root, chown …) only describes the change.
            let covered = explanation.practice.is_some_and(|p| judged.contains(&p))
                || lint::verdict_rule(explanation.rule).is_some();
            if covered && plain_done {
                continue;
            }
            let practice = explanation.practice.filter(|_| !covered);
            let text = match practice {
                _ if covered => {
                    plain_done = true;
                    plain(change)
                }
                Some(p) => format!("{} ({p})", explanation.message),
                None => explanation.message.clone(),
            };
            findings.push(
                Finding::new(
                    kind,
                    Some(change.line),
                    format!("{prefix}{}", substitute(&text, &args)),
                )
                .practice(practice)
                .rule(if covered {
                    dockerfile::DRIFT_RULE
                } else {
                    explanation.rule
                }),
            );
        }
    }
    for formatting in &report.formatting {
        // Parser directives are formatting too (`--strict` fails on them).
        findings.push(Finding::new(
            FindingKind::Formatting,
            formatting.lines.first().copied(),
            formatting.message.clone(),
        ));
    }
    findings
}

/// A plain description of an instruction change, for when its practice is named above.
fn plain(change: &dockerfile::Change) -> String {
    let text = |r: &Option<dockerfile::InstructionRef>| {
        r.as_ref().map_or_else(String::new, |r| {
            crate::dockerfile::words::truncate(&r.text, 60)
        })
    };
    match change.kind {
        ChangeKind::Added => format!("{} added", text(&change.after)),
        ChangeKind::Removed => format!("{} removed", text(&change.before)),
        ChangeKind::Moved => format!("{} moved", text(&change.after)),
        ChangeKind::Changed => format!(
            "{} changed to {}",
            text(&change.before),
            text(&change.after)
        ),
    }
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

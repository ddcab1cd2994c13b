//! CI workflow drift (`.github/workflows/*.yml`): the YAML tree counts, not key order, quoting
//! or layout. A workflow is not a compose file: a broken one is reported as the workflow, and
//! no compose hardening is read into its keys.

use super::Finding;

/// How messages name the file.
const FILE: &str = "the CI workflow";

/// Compares the rendered CI workflow with the one on disk.
pub fn compare(expected: &str, actual: &str) -> Vec<Finding> {
    super::compose::tree(FILE, expected, actual, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::FindingKind;

    const WORKFLOW: &str = "name: dgen\non:\n  push:\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: dgen check\n";

    #[test]
    fn a_broken_workflow_is_reported_as_the_workflow() {
        let f = compare(WORKFLOW, "name: dgen\njobs: [\n");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .starts_with("the CI workflow is not valid YAML"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("compose"), "{}", f[0].message);
        assert!(f[0].line.is_some_and(|l| l >= 2), "{:?}", f[0].line);
    }

    #[test]
    fn layout_is_formatting_and_a_removed_step_is_drift() {
        let relaid = "name: dgen\non: {push: }\njobs:\n  check:\n    steps: [{uses: 'actions/checkout@v4'}, {run: dgen check}]\n    runs-on: ubuntu-latest\n";
        let f = compare(WORKFLOW, relaid);
        assert!(f.iter().all(|f| f.kind == FindingKind::Formatting), "{f:?}");
        let f = compare(WORKFLOW, &WORKFLOW.replace("      - run: dgen check\n", ""));
        assert!(f.iter().any(|f| f.kind != FindingKind::Formatting), "{f:?}");
        assert!(f.iter().all(|f| f.practice.is_none()), "{f:?}");
    }

    #[test]
    fn top_level_keys_named_like_compose_hardening_get_no_compose_explanation() {
        let want = "services:\n  app:\n    read_only: true\n";
        let f = compare(want, "services:\n  app: {}\n");
        assert!(!f.is_empty());
        assert!(
            f.iter()
                .all(|f| f.practice.is_none() && !f.message.contains("root filesystem")),
            "{f:?}"
        );
    }
}

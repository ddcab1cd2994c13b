//! Dockerfile drift: placeholder until the semantic diff lands.

use super::{Finding, FindingKind};

/// Compares the rendered Dockerfile with the one on disk.
pub fn compare(_expected: &str, _actual: &[u8]) -> Vec<Finding> {
    vec![Finding::new(
        FindingKind::Changed,
        None,
        "the Dockerfile differs",
    )]
}

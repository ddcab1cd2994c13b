//! Manifest sections beyond the three core files: debugging (P20), the CI workflow with a
//! vulnerability scan (P19), run instructions (P21) and team template overrides.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Debugging from VS Code: an override compose file that runs the app under its debugger, and a
/// matching attach configuration. Nothing of it reaches the production image: the debugger lives
/// in a `debug` build stage that only `compose.debug.yaml` builds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Debug {
    /// The debugger's port, published on 127.0.0.1 only. Defaults to the stack's usual one
    /// (debugpy 5678, Node inspector 9229, Delve 2345).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Start the app only once a debugger has attached.
    pub wait_for_client: bool,
    /// The debugger version installed in the debug stage (debugpy for Python, Delve for Go).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The CI workflow dgen writes: drift check, hadolint, image build and a Trivy scan.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Ci {
    /// The CI system. GitHub Actions for now.
    pub provider: CiProvider,
    /// Where the workflow is written, relative to the manifest's directory (which must then be
    /// the repository root for GitHub to find it). Defaults to
    /// `.github/workflows/docker-<name>.yml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The scan fails on vulnerabilities at or above this severity.
    pub severity: Severity,
    /// Fail only on vulnerabilities that have a fix.
    pub ignore_unfixed: bool,
    /// A cron schedule (UTC, five fields), e.g. `0 6 * * 1`: on it, the workflow runs
    /// `dgen lock --update` and `dgen render` and opens a pull request when a base image tag
    /// moved to a new digest. Needs a committed `dgen.lock`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_update: Option<String>,
}

impl Default for Ci {
    fn default() -> Self {
        Ci {
            provider: CiProvider::Github,
            path: None,
            severity: Severity::High,
            ignore_unfixed: true,
            lock_update: None,
        }
    }
}

/// A CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CiProvider {
    /// GitHub Actions.
    Github,
}

/// A vulnerability severity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
}

impl Severity {
    /// The scanner's list of severities at or above this one.
    pub fn and_above(self) -> &'static str {
        match self {
            Severity::Low => "LOW,MEDIUM,HIGH,CRITICAL",
            Severity::Medium => "MEDIUM,HIGH,CRITICAL",
            Severity::High => "HIGH,CRITICAL",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// Where the image is published.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Publish {
    /// The registry host, e.g. `registry.example.com` or `registry.example.com:5000`. Without it the
    /// instructions push to Docker Hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// The account or organisation the image belongs to, e.g. `acme`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Write `README.Docker.md` with build, run, push and smoke-test commands (P21).
    pub readme: bool,
}

impl Default for Publish {
    fn default() -> Self {
        Publish {
            registry: None,
            account: None,
            readme: true,
        }
    }
}

/// Team templates.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    /// A directory (relative to the manifest) whose templates override the built-in ones of
    /// the same name (`dgen templates list`). A template there may replace a built-in one
    /// whole, or `{% extends "builtin:python/Dockerfile.j2" %}` and override named blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
}

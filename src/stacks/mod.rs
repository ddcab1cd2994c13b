//! The stacks dgen knows. A stack is a [`Stack`] implementation (its rules and template
//! variables, in `src/stacks/<name>.rs`) plus its templates (in `templates/<name>/`), registered
//! once in [`all`].
//!
//! Adding a stack: add a variant to [`crate::manifest::StackName`] and a settings table to
//! [`crate::manifest::Manifest`], write `src/stacks/<name>.rs` and `templates/<name>/`, and list
//! it in [`all`].

pub mod go;
pub mod java;
mod native;
pub mod node;
mod python;
pub mod python_deps;
pub mod python_project;
pub mod rust;
pub mod static_site;

use crate::manifest::{Checker, Manifest, StackName};

/// How the health check reaches the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// An HTTP GET of `path` on `port`; healthy on a 2xx or 3xx answer.
    Http {
        /// The port.
        port: u32,
        /// The path, starting with `/`.
        path: String,
        /// Seconds the request may take.
        timeout_secs: u64,
    },
    /// A TCP connect to `port`.
    Tcp {
        /// The port.
        port: u32,
        /// Seconds the connect may take.
        timeout_secs: u64,
    },
}

/// How a stack runs the app under its debugger (P20).
#[derive(Debug, Clone, PartialEq)]
pub struct DebugSetup {
    /// The debugger's port.
    pub port: u32,
    /// Whether the stack's Dockerfile template adds a `debug` stage (built only by
    /// compose.debug.yaml) that holds the debugger.
    pub stage: bool,
    /// The command under the debugger, when it differs from the app's.
    pub command: Option<Vec<String>>,
    /// Extra environment for the debug run.
    pub environment: Vec<(String, String)>,
    /// The debugger version the debug stage installs (empty when nothing is installed).
    pub version: String,
    /// The VS Code attach configuration (one entry of launch.json's `configurations`).
    pub launch: serde_json::Value,
}

/// One stack: its rules and what its templates need.
pub trait Stack: Sync {
    /// The stack's name, which is also its settings table and its templates folder.
    fn name(&self) -> StackName;

    /// A short description, for `--help` and `dgen init`.
    fn description(&self) -> &'static str;

    /// The stack's own rules, beyond the common ones.
    fn validate(&self, manifest: &Manifest, checker: &mut Checker<'_>);

    /// The slim official base image the manifest asks for, before any `[image] base` override.
    fn base_image(&self, manifest: &Manifest) -> String;

    /// The stack's template variables, available to its templates as `s`.
    fn context(&self, manifest: &Manifest) -> minijinja::Value;

    /// The exec-form command that runs `probe` with the runtime's own tools (slim images have
    /// no curl or wget).
    fn probe_command(&self, probe: &Probe) -> Vec<String>;

    /// The command the container runs when `[app] command` is empty, for stacks whose base
    /// image brings its own (e.g. nginx); `None` makes `command` required.
    fn default_command(&self, _manifest: &Manifest) -> Option<Vec<String>> {
        None
    }

    /// How the app runs under its debugger; `None` when the stack has no debugger support, which
    /// makes a `[debug]` table an error.
    fn debug(&self, _manifest: &Manifest, _debug: &crate::manifest::Debug) -> Option<DebugSetup> {
        None
    }
}

/// Every registered stack.
pub fn all() -> &'static [&'static dyn Stack] {
    &[
        &python::Python,
        &go::GoStack,
        &rust::RustStack,
        &java::JavaStack,
        &node::Node,
        &static_site::StaticSite,
    ]
}

/// The stack named `name`.
pub fn get(name: StackName) -> &'static dyn Stack {
    all()
        .iter()
        .copied()
        .find(|s| s.name() == name)
        .expect("every StackName is registered in stacks::all")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stack_has_templates() {
        for stack in all() {
            let dir = stack.name().as_str();
            for file in ["Dockerfile.j2", "dockerignore.j2"] {
                let name = format!("{dir}/{file}");
                assert!(
                    crate::render::builtin_template(&name).is_some(),
                    "missing template {name}"
                );
            }
        }
    }
}

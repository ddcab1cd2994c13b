//! The stacks dgen knows, one folder each: `src/stacks/<name>/`, named after the manifest's
//! `stack` value. A folder holds everything its stack is:
//!
//! - `mod.rs`: the settings type (the manifest's `[<name>]` table, whose doc comments are the
//!   schema's descriptions), the validation and the template variables, in a [`Stack`]
//!   implementation;
//! - `init.rs` (or `init/`): the detection for `dgen init`, an [`crate::init::Detector`];
//! - `templates/`: the templates, embedded in the binary and named `<name>/<file>` (what a team
//!   template overrides, e.g. `python/Dockerfile.j2`); the shared ones are in `templates/common/`;
//! - the module's doc comment names the stack's examples and `dgen init` fixtures.
//!
//! [`with_stacks!`] lists every stack once. The [`StackName`] enum, the manifest's settings
//! tables and the lookups ([`get`], [`all`]) are generated from that list, so the compiler
//! checks every registration: adding a stack is its folder plus one line there.
//!
//! What the compiled stacks (Go, Rust, Java) share is in `compiled.rs`.

mod compiled;
pub mod dotnet;
pub mod go;
pub mod java;
pub mod node;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;
// `static` is a Rust keyword: the folder is named after the manifest's `stack = "static"`, the
// module `static_site`.
#[path = "static/mod.rs"]
pub mod static_site;

use include_dir::Dir;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::manifest::{Checker, Manifest, SecretKind};

/// The registry: every stack, once, in the order `dgen init` asks their detectors. Expands to
/// `$then! { … }` with one entry per stack:
///
/// `(Variant, table, "name", module::StackType, "what the stack is", "what its table is")`
///
/// - `Variant`: the [`StackName`] variant;
/// - `table`: the manifest field holding the stack's settings (`r#static` for a keyword);
/// - `"name"`: the manifest's `stack` value, the settings table, the folder and the templates'
///   prefix;
/// - `module::StackType`: the stack's module and its [`Stack`] implementation;
/// - the last two: the schema descriptions of the `stack` value and of the table.
///
/// [`StackName`] and the lookups below, and the manifest's settings tables
/// ([`crate::manifest::Manifest`]), are generated from it.
macro_rules! with_stacks {
    ($then:ident) => {
        $then! {
            (Python, python, "python", python::PythonStack, "Python: pip, uv or poetry; a virtual environment built in a builder stage.", "Settings of the Python stack."),
            (Php, php, "php", php::PhpStack, "PHP: Composer packages in a cached layer, served by Apache with mod_php on an unprivileged port.", "Settings of the PHP stack."),
            (Ruby, ruby, "ruby", ruby::RubyStack, "Ruby: Bundler, a Rack app or Rails served by Puma; jemalloc, bootsnap and precompiled assets.", "Settings of the Ruby stack."),
            (Dotnet, dotnet, "dotnet", dotnet::DotnetStack, ".NET: an ASP.NET Core app published with the SDK, run on the aspnet runtime as its non-root app user.", "Settings of the .NET stack."),
            (Go, go, "go", go::GoStack, "Go: a static binary built with the Go toolchain, on a distroless or scratch image.", "Settings of the Go stack."),
            (Rust, rust, "rust", rust::RustStack, "Rust: a release binary built with cargo (dependencies cached in their own layer).", "Settings of the Rust stack."),
            (Java, java, "java", java::JavaStack, "Java: a jar built with Maven or Gradle on a JDK, run on a JRE.", "Settings of the Java stack."),
            (Node, node, "node", node::Node, "Node.js: npm, yarn or pnpm from the lock file, an optional build stage, production\ndependencies only in the final image.", "Settings of the Node.js stack."),
            (Static, r#static, "static", static_site::StaticSite, "A static site: an optional Node.js build, served by unprivileged nginx.", "Settings of the static-site stack (`stack = \"static\"`)."),
        }
    };
}
pub(crate) use with_stacks;

/// `"a", "b", "c"` → `"a, b, c"`, at compile time.
macro_rules! join_names {
    ($first:tt $(, $rest:tt)*) => {
        concat!($first $(, ", ", $rest)*)
    };
}
pub(crate) use join_names;

/// Generates [`StackName`] and the lookups from the registry.
macro_rules! registry {
    ($(($variant:ident, $table:ident, $name:tt, $module:ident :: $stack:ident, $doc:tt, $table_doc:tt)),* $(,)?) => {
        /// The stacks dgen knows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
        pub enum StackName {
            $(
                #[doc = $doc]
                #[serde(rename = $name)]
                $variant,
            )*
        }

        impl StackName {
            /// Every stack, in the registry's order.
            pub const ALL: &'static [StackName] = &[$(StackName::$variant),*];

            /// The name as written in a manifest (also its settings table and templates folder).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(StackName::$variant => $name,)*
                }
            }
        }

        /// The manifest names of every stack, for help texts: `python, php, …`.
        pub const NAMES: &str = crate::stacks::join_names!($($name),*);

        /// The stack named `name`.
        pub fn get(name: StackName) -> &'static dyn AnyStack {
            match name {
                $(StackName::$variant => &$module::$stack,)*
            }
        }
    };
}
with_stacks!(registry);

/// Every registered stack, in the registry's order.
pub fn all() -> Vec<&'static dyn AnyStack> {
    StackName::ALL.iter().map(|&name| get(name)).collect()
}

/// The stack whose manifest name (and templates folder) is `name`.
pub fn named(name: &str) -> Option<&'static dyn AnyStack> {
    StackName::ALL
        .iter()
        .find(|stack| stack.as_str() == name)
        .map(|&stack| get(stack))
}

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

/// One stack: its settings, its rules, what its templates need, its templates and its
/// detection.
pub trait Stack: Sync + 'static {
    /// The stack's settings: its table in the manifest (`[python]`, …). Its doc comments are
    /// the schema's descriptions.
    type Settings: Default
        + Clone
        + PartialEq
        + std::fmt::Debug
        + Serialize
        + DeserializeOwned
        + JsonSchema;

    /// The stack's table in `manifest`, when it is written.
    fn table(manifest: &Manifest) -> Option<&Self::Settings>;

    /// The stack's settings in `manifest`: its table, or the defaults.
    fn settings(manifest: &Manifest) -> Self::Settings {
        Self::table(manifest).cloned().unwrap_or_default()
    }

    /// The stack's name, which is also its settings table and its templates folder.
    fn name(&self) -> StackName;

    /// A short description, for `--help` and `dgen init`.
    fn description(&self) -> &'static str;

    /// The stack's templates (its folder's `templates/`, embedded), named without the
    /// `<name>/` prefix.
    fn templates(&self) -> &'static Dir<'static>;

    /// The official image repositories of its toolchain and runtime (`python`, `dotnet/sdk`):
    /// how `dgen init` tells the stack of a hand-written Dockerfile. A repository matches when
    /// it is one of these or ends with `/` and one of these.
    fn image_repositories(&self) -> &'static [&'static str] {
        &[]
    }

    /// Its detection for `dgen init`; `None` writes a bare manifest for `--stack`.
    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        None
    }

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

    /// Whether the dependency install can use a build secret of `kind` (`[secrets]`): `None`
    /// when the stack's installs take no such secret, else `Ok` or why not in this manifest.
    fn build_secret(&self, _manifest: &Manifest, _kind: SecretKind) -> Option<Result<(), String>> {
        None
    }
}

/// A [`Stack`] behind a reference, whatever its settings type: what the registry hands out.
/// Every [`Stack`] is one.
pub trait AnyStack: Sync {
    /// [`Stack::name`].
    fn name(&self) -> StackName;
    /// [`Stack::description`].
    fn description(&self) -> &'static str;
    /// [`Stack::templates`].
    fn templates(&self) -> &'static Dir<'static>;
    /// [`Stack::image_repositories`].
    fn image_repositories(&self) -> &'static [&'static str];
    /// [`Stack::detector`].
    fn detector(&self) -> Option<&'static dyn crate::init::Detector>;
    /// [`Stack::validate`].
    fn validate(&self, manifest: &Manifest, checker: &mut Checker<'_>);
    /// [`Stack::base_image`].
    fn base_image(&self, manifest: &Manifest) -> String;
    /// [`Stack::context`].
    fn context(&self, manifest: &Manifest) -> minijinja::Value;
    /// [`Stack::probe_command`].
    fn probe_command(&self, probe: &Probe) -> Vec<String>;
    /// [`Stack::default_command`].
    fn default_command(&self, manifest: &Manifest) -> Option<Vec<String>>;
    /// [`Stack::debug`].
    fn debug(&self, manifest: &Manifest, debug: &crate::manifest::Debug) -> Option<DebugSetup>;
    /// [`Stack::build_secret`].
    fn build_secret(&self, manifest: &Manifest, kind: SecretKind) -> Option<Result<(), String>>;
}

impl<S: Stack> AnyStack for S {
    fn name(&self) -> StackName {
        Stack::name(self)
    }
    fn description(&self) -> &'static str {
        Stack::description(self)
    }
    fn templates(&self) -> &'static Dir<'static> {
        Stack::templates(self)
    }
    fn image_repositories(&self) -> &'static [&'static str] {
        Stack::image_repositories(self)
    }
    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Stack::detector(self)
    }
    fn validate(&self, manifest: &Manifest, checker: &mut Checker<'_>) {
        Stack::validate(self, manifest, checker)
    }
    fn base_image(&self, manifest: &Manifest) -> String {
        Stack::base_image(self, manifest)
    }
    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        Stack::context(self, manifest)
    }
    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        Stack::probe_command(self, probe)
    }
    fn default_command(&self, manifest: &Manifest) -> Option<Vec<String>> {
        Stack::default_command(self, manifest)
    }
    fn debug(&self, manifest: &Manifest, debug: &crate::manifest::Debug) -> Option<DebugSetup> {
        Stack::debug(self, manifest, debug)
    }
    fn build_secret(&self, manifest: &Manifest, kind: SecretKind) -> Option<Result<(), String>> {
        Stack::build_secret(self, manifest, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stack_is_registered_under_its_own_name() {
        for &name in StackName::ALL {
            assert_eq!(get(name).name(), name);
            assert_eq!(named(name.as_str()).map(|s| s.name()), Some(name));
            if let Some(detector) = get(name).detector() {
                assert_eq!(detector.stack(), name);
            }
        }
        assert!(named("cobol").is_none());
    }

    /// The stack folder's doc comment names every example of the stack, so both are easy to
    /// find from each other.
    #[test]
    fn every_example_is_named_by_its_stack_folder() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut manifests = Vec::new();
        let mut dirs = vec![root.join("examples")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && path.file_name().is_some_and(|n| n != "node_modules") {
                    dirs.push(path);
                } else if path.file_name().is_some_and(|n| n == "dgen.toml") {
                    manifests.push(path);
                }
            }
        }
        assert!(manifests.len() >= StackName::ALL.len());
        for manifest in manifests {
            let text = std::fs::read_to_string(&manifest).unwrap();
            let value: toml::Value = toml::from_str(&text).unwrap();
            let stack = value["stack"].as_str().unwrap();
            let folder = root.join("src/stacks").join(stack).join("mod.rs");
            let docs = std::fs::read_to_string(&folder).unwrap();
            let example = manifest.parent().unwrap().strip_prefix(root).unwrap();
            let named = format!("`{}`", example.display());
            assert!(
                docs.contains(&named),
                "{} does not name {named}",
                folder.display()
            );
        }
    }

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

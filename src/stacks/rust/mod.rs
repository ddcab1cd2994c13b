//! The Rust stack: a build stage on the official `rust:<version>-slim-bookworm` image compiles
//! every dependency against a stub `src/main.rs` and `src/lib.rs` from `Cargo.toml` and
//! `Cargo.lock` alone, so that layer survives a source edit; then it copies the sources and builds
//! the one binary (`cargo build --release --locked --bin`). The Cargo registry cache and git
//! checkouts sit on BuildKit cache mounts. The final image is distroless
//! (`gcr.io/distroless/cc-debian12:nonroot`: glibc, libgcc, libssl, CA certificates; run as its
//! `nonroot` user) or `debian:bookworm-slim` (with apt for `system_packages`, and a system user),
//! and holds the binary and, when the health check probes a port, a tiny probe compiled with
//! `rustc` from `std`-only source (see [`super::compiled`]). Templates: `templates/` in this
//! folder, named `rust/<file>`.
//!
//! With `[image] platforms`, the build stage runs on `$BUILDPLATFORM` and cross-compiles for each
//! target with Debian's cross linker (see [`cross`]); platforms without a Rust image are refused.
//!
//! When the project directory is at hand, `Cargo.toml` is read to check that the binary exists
//! and that no target lives where the stub build cannot reach.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/rust-http`,
//! `examples/rust-std`, `examples/rust-multiarch`.
//! `dgen init` fixtures: `tests/fixtures/init/rust-bin`. Practice tests: `tests/integration/practices_rust.rs`.

pub mod cross;
pub(crate) mod init;

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::compiled::{self, PROBE_PATH};
use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName};

/// The UID of distroless's `nonroot` user.
pub const NONROOT_UID: u32 = 65532;

/// Settings of the Rust stack.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Rust {
    /// The Rust version (`1.N` or `1.N.P`); selects the official `rust:<version>-slim-bookworm`
    /// build image.
    pub version: String,
    /// The binary target to build (`cargo build --bin`), installed as `/usr/local/bin/<bin>`;
    /// `[app] command` starts it. Defaults to the app's `name`, which is the package's own binary
    /// when the Cargo package is named like the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    /// Cargo features to enable (`--features`).
    pub features: Vec<String>,
    /// Build without the package's default features (`--no-default-features`).
    pub no_default_features: bool,
    /// The final image: `distroless` (`gcr.io/distroless/cc-debian12:nonroot`: glibc, libgcc,
    /// libssl and CA certificates, no shell) or `debian-slim` (`debian:bookworm-slim`, for apps
    /// that need `[app] system_packages`; add `ca-certificates` there for TLS).
    pub runtime: RustRuntime,
    /// Files or directories the binary reads at run time (templates, static files), copied into
    /// `[app] workdir`, owned by root.
    pub assets: Vec<String>,
    /// Source files of `[[bench]]`, `[[test]]` and `[[example]]` targets that `Cargo.toml`
    /// declares (e.g. `benches/render.rs` for criterion benchmarks): the build stage writes an
    /// empty `main` there, so that Cargo can read the manifest without the sources; the image
    /// never builds them.
    pub stubs: Vec<String>,
}

impl Default for Rust {
    fn default() -> Self {
        Rust {
            version: "1.90".to_owned(),
            bin: None,
            features: Vec::new(),
            no_default_features: false,
            runtime: RustRuntime::Distroless,
            assets: Vec::new(),
            stubs: Vec::new(),
        }
    }
}

/// The final image of a Rust app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RustRuntime {
    /// `gcr.io/distroless/cc-debian12:nonroot`, run as its `nonroot` user (UID 65532).
    Distroless,
    /// `debian:bookworm-slim`, with a system user created without a fixed UID.
    DebianSlim,
}

/// The templates, named `rust/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/rust/templates");

/// The Rust stack.
pub struct RustStack;

/// The binary's name: `[rust] bin`, else the app's name.
pub fn bin(manifest: &Manifest) -> String {
    RustStack::settings(manifest)
        .bin
        .unwrap_or_else(|| manifest.name.clone())
}

/// The paths the dependency layer's stub build creates.
const STUBS: [&str; 2] = ["src/main.rs", "src/lib.rs"];

/// What `Cargo.toml` says about the package's targets.
#[derive(Debug, Default, PartialEq)]
struct CargoTargets {
    package: Option<String>,
    workspace_only: bool,
    bins: Vec<String>,
    /// Explicitly declared targets (and build script) whose source the stub build lacks.
    unreachable: Vec<String>,
    /// Declared bench, test and example targets, by their source path: `[rust] stubs` makes
    /// them reachable.
    stubbable: Vec<(String, String)>,
}

fn cargo_targets(dir: &Path, text: &str) -> Result<CargoTargets, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    let mut out = CargoTargets::default();
    let Some(package) = doc.get("package").and_then(|p| p.as_table()) else {
        out.workspace_only = doc.contains_key("workspace");
        return Ok(out);
    };
    let name = package
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or_default()
        .to_owned();
    let autobins = package
        .get("autobins")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let explicit_bins: Vec<&toml::Table> = doc
        .get("bin")
        .and_then(|b| b.as_array())
        .map(|a| a.iter().filter_map(|t| t.as_table()).collect())
        .unwrap_or_default();
    for table in &explicit_bins {
        let bin = table
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or(&name)
            .to_owned();
        let path = match table.get("path").and_then(|p| p.as_str()) {
            Some(path) => path.trim_start_matches("./").to_owned(),
            None if bin == name => "src/main.rs".to_owned(),
            None => format!("src/bin/{bin}.rs"),
        };
        if !STUBS.contains(&path.as_str()) {
            out.unreachable.push(format!("[[bin]] {bin} at {path}"));
        }
        out.bins.push(bin);
    }
    if autobins {
        if dir.join("src/main.rs").exists() && !out.bins.contains(&name) {
            out.bins.push(name.clone());
        }
        if let Ok(entries) = std::fs::read_dir(dir.join("src/bin")) {
            let mut found: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let path = e.path();
                    if path.extension().is_some_and(|x| x == "rs") {
                        path.file_stem().map(|s| s.to_string_lossy().into_owned())
                    } else if path.join("main.rs").exists() {
                        path.file_name().map(|s| s.to_string_lossy().into_owned())
                    } else {
                        None
                    }
                })
                .collect();
            found.sort();
            for bin in found {
                if !out.bins.contains(&bin) {
                    out.bins.push(bin);
                }
            }
        }
    }
    if let Some(path) = doc
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
    {
        let path = path.trim_start_matches("./");
        if !STUBS.contains(&path) {
            out.unreachable.push(format!("[lib] at {path}"));
        }
    }
    for kind in ["example", "test", "bench"] {
        for table in doc
            .get(kind)
            .and_then(|b| b.as_array())
            .into_iter()
            .flatten()
        {
            let target = table.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            let folder = match kind {
                "example" => "examples",
                "test" => "tests",
                _ => "benches",
            };
            let path = match table.get("path").and_then(|p| p.as_str()) {
                Some(path) => path.trim_start_matches("./").to_owned(),
                None => format!("{folder}/{target}.rs"),
            };
            out.stubbable
                .push((format!("[[{kind}]] {target} at {path}"), path));
        }
    }
    if let Some(build) = package.get("build").and_then(|b| b.as_str()) {
        out.unreachable.push(format!("build script {build}"));
    }
    out.package = Some(name);
    Ok(out)
}

#[derive(Serialize)]
struct Context {
    build_image: String,
    runtime: &'static str,
    bin: String,
    no_default_features: bool,
    features: String,
    assets: Vec<String>,
    stubs: Vec<(String, String)>,
    probe: bool,
    probe_path: &'static str,
    probe_lines: Vec<String>,
    uid: u32,
    /// The targets of `[image] platforms` (empty without platforms: a native build).
    cross: Vec<cross::CrossTarget>,
    gcc_cross_version: &'static str,
    libc_cross_version: &'static str,
    /// `[app] build_packages` that are C libraries: installed for the target too when it differs.
    target_libraries: Vec<(String, String)>,
}

impl Stack for RustStack {
    type Settings = Rust;

    fn table(manifest: &Manifest) -> Option<&Rust> {
        manifest.rust.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::RustDetector)
    }

    fn name(&self) -> StackName {
        StackName::Rust
    }

    fn description(&self) -> &'static str {
        "Rust: a cargo release binary on distroless or Debian slim"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["rust"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = RustStack::settings(manifest);
        compiled::check_version(
            c,
            &["rust".into(), "version".into()],
            &s.version,
            &["1"],
            "Rust",
            "1.90",
        );
        let bin = bin(manifest);
        let bin_at: &[_] = if s.bin.is_some() {
            &["rust".into(), "bin".into()]
        } else {
            &["name".into()]
        };
        let bin_ok = compiled::is_binary_name(&bin)
            && !(bin == "healthcheck" && compiled::needs_probe(manifest));
        if !bin_ok {
            c.error(
                "binary-name",
                bin_at,
                format!("`{bin}` cannot be the binary's name"),
                "invalid binary name",
            )
            .help = Some(
                "use letters, digits, `.`, `_` and `-`, not starting with `.` or `-` (and not `healthcheck`, the probe's name)"
                    .to_owned(),
            );
        } else {
            compiled::check_command_runs_binary(manifest, c, &bin, "[rust] bin");
        }
        for (i, feature) in s.features.iter().enumerate() {
            let ok = !feature.is_empty()
                && feature
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_-/+.".contains(ch));
            if !ok {
                c.error(
                    "rust-feature",
                    &["rust".into(), "features".into(), i.into()],
                    format!("`{feature}` is not a Cargo feature name"),
                    "expected letters, digits, `_`, `-`, `+`, `.` and `/`",
                );
            }
        }
        compiled::check_assets(c, "rust", &s.assets);
        for (i, stub) in s.stubs.iter().enumerate() {
            let ok = compiled::is_plain_relative(stub)
                && stub.ends_with(".rs")
                && !stub.starts_with('/')
                && !stub
                    .split('/')
                    .any(|part| part.is_empty() || part == "." || part == "..")
                && !STUBS.contains(&stub.as_str());
            if !ok {
                c.error(
                    "rust-stub",
                    &["rust".into(), "stubs".into(), i.into()],
                    format!("`{stub}` cannot be a stub"),
                    "expected a relative `.rs` path inside the project",
                )
                .help = Some(
                    "name the source file of a declared [[bench]], [[test]] or [[example]], e.g. `benches/render.rs` (letters, digits, `.`, `_`, `-`, `/`)"
                        .to_owned(),
                );
            }
        }
        for (i, platform) in manifest.image.platforms.iter().enumerate() {
            if !crate::manifest::buildopts::PLATFORMS.contains(&platform.as_str()) {
                continue; // refused as unknown already
            }
            if let Err(why) = cross::target_for(platform, s.runtime) {
                c.error(
                    "platform",
                    &["image".into(), "platforms".into(), i.into()],
                    format!("the rust stack cannot build for `{platform}`: {why}"),
                    "no Rust image for this platform",
                )
                .help = Some(format!(
                    "the rust stack cross-compiles for {}",
                    crate::manifest::buildopts::PLATFORMS
                        .iter()
                        .filter(|p| cross::target_for(p, s.runtime).is_ok())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if s.runtime == RustRuntime::Distroless {
            compiled::check_runtime_user(manifest, c, NONROOT_UID);
            compiled::check_no_system_packages(manifest, c, "distroless images");
        }
        if let Some(dir) = c.project_dir().map(Path::to_path_buf) {
            check_cargo(c, &dir, &bin, bin_ok, bin_at, &s.stubs);
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        match RustStack::settings(manifest).runtime {
            RustRuntime::Distroless => "gcr.io/distroless/cc-debian12:nonroot".to_owned(),
            RustRuntime::DebianSlim => "debian:bookworm-slim".to_owned(),
        }
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = RustStack::settings(manifest);
        minijinja::Value::from(minijinja::value::Serde(Context {
            build_image: format!("rust:{}-slim-bookworm", s.version),
            runtime: match s.runtime {
                RustRuntime::Distroless => "distroless",
                RustRuntime::DebianSlim => "debian-slim",
            },
            bin: bin(manifest),
            no_default_features: s.no_default_features,
            features: s.features.join(","),
            assets: compiled::tidy_paths(&s.assets),
            stubs: s
                .stubs
                .iter()
                .map(|stub| {
                    let dir = stub.rsplit_once('/').map_or(".", |(dir, _)| dir);
                    (dir.to_owned(), stub.clone())
                })
                .collect(),
            probe: compiled::needs_probe(manifest),
            probe_path: PROBE_PATH,
            probe_lines: compiled::rust_probe_lines(),
            uid: manifest.user.uid.unwrap_or(NONROOT_UID),
            cross: cross::targets(&manifest.image.platforms, s.runtime),
            gcc_cross_version: cross::GCC_CROSS_VERSION,
            libc_cross_version: cross::LIBC_CROSS_VERSION,
            target_libraries: cross::target_libraries(&manifest.app.build_packages),
        }))
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        let [target, secs] = compiled::probe_args(probe);
        vec![PROBE_PATH.to_owned(), target, secs]
    }
}

/// Reads `Cargo.toml` (and looks for `Cargo.lock`): the package must be one the build can make.
fn check_cargo(
    c: &mut Checker<'_>,
    dir: &Path,
    bin: &str,
    bin_ok: bool,
    bin_at: &[crate::manifest::Seg<'_>],
    stubs: &[String],
) {
    let stack = ["stack".into()];
    let text = match std::fs::read_to_string(dir.join("Cargo.toml")) {
        Ok(text) => text,
        Err(_) => {
            c.error(
                "path-missing",
                &stack,
                "Cargo.toml does not exist next to the manifest",
                "a Rust package needs Cargo.toml",
            )
            .help = Some("run `cargo init` in the directory of dgen.toml".to_owned());
            return;
        }
    };
    let mut targets = match cargo_targets(dir, &text) {
        Ok(targets) => targets,
        Err(message) => {
            c.error(
                "cargo-toml",
                &stack,
                format!("Cargo.toml is not valid TOML: {message}"),
                "cannot read Cargo.toml",
            );
            return;
        }
    };
    if targets.package.is_none() {
        c.error(
            "cargo-toml",
            &stack,
            if targets.workspace_only {
                "Cargo.toml is a virtual workspace manifest: dgen builds one package"
            } else {
                "Cargo.toml has no [package]"
            },
            "no package",
        )
        .help = Some(
            "put dgen.toml next to the Cargo.toml of the package that holds the binary".to_owned(),
        );
        return;
    }
    let mut missing_stubs = Vec::new();
    for (target, path) in std::mem::take(&mut targets.stubbable) {
        if !stubs.contains(&path) {
            targets.unreachable.push(target);
            missing_stubs.push(path);
        }
    }
    if !targets.unreachable.is_empty() {
        c.error(
            "cargo-layout",
            &stack,
            format!(
                "Cargo.toml declares targets the dependency layer cannot stub: {}",
                targets.unreachable.join(", ")
            ),
            "cannot cache dependencies",
        )
        .help = Some(
            if !missing_stubs.is_empty() && missing_stubs.len() == targets.unreachable.len() {
                format!(
                    "the image compiles dependencies against stubs before the sources arrive: add `stubs = [{}]` to [rust], and the build stage writes an empty `main` there",
                    missing_stubs
                        .iter()
                        .map(|p| format!("{p:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!(
                    "the image compiles dependencies against stubs at {} before the sources arrive; keep the package's declared targets there (binaries in src/bin/ need no declaration; benches, tests and examples can be listed in [rust] stubs)",
                    STUBS.join(" and ")
                )
            },
        );
    }
    if bin_ok && !targets.bins.iter().any(|b| b == bin) {
        let found = match targets.bins.as_slice() {
            [] => "no binary".to_owned(),
            [one] => format!("the binary {one}"),
            many => format!("the binaries {}", many.join(", ")),
        };
        let diagnostic = c.error(
            "rust-bin",
            bin_at,
            format!("the package has no binary `{bin}`"),
            format!("Cargo.toml declares {found}"),
        );
        if let Some(first) = targets.bins.first() {
            diagnostic.help = Some(format!("set [rust] bin = \"{first}\""));
        }
    }
    if !dir.join("Cargo.lock").exists() {
        c.warning(
            "lock-missing",
            &stack,
            "Cargo.lock does not exist yet: the image builds with --locked",
            "cargo needs Cargo.lock",
        )
        .help = Some("run `cargo generate-lockfile` before `docker build`".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_targets_find_bins_and_unreachable_targets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/bin")).unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "").unwrap();
        std::fs::write(dir.path().join("src/bin/tool.rs"), "").unwrap();
        let t = cargo_targets(dir.path(), "[package]\nname = \"web\"\n").unwrap();
        assert_eq!(t.bins, ["web", "tool"]);
        assert!(t.unreachable.is_empty());
        let t = cargo_targets(
            dir.path(),
            "[package]\nname = \"web\"\nbuild = \"gen.rs\"\n\n[[bin]]\nname = \"x\"\npath = \"cmd/x.rs\"\n",
        )
        .unwrap();
        assert!(t.bins.contains(&"x".to_owned()));
        assert_eq!(
            t.unreachable,
            ["[[bin]] x at cmd/x.rs", "build script gen.rs"]
        );
        let t = cargo_targets(dir.path(), "[workspace]\nmembers = [\"a\"]\n").unwrap();
        assert!(t.workspace_only && t.package.is_none());
    }
}

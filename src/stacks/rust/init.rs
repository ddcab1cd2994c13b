//! Rust detection: `Cargo.toml` (the package, its binaries, its MSRV), `rust-toolchain(.toml)`,
//! the address the code binds, a health route, and the sources.
//!
//! | looked at | gives |
//! | --- | --- |
//! | `rust-toolchain.toml` `[toolchain] channel`, `rust-toolchain` | `version` |
//! | `Cargo.toml` `package.rust-version` | `version` when newer than dgen's default |
//! | `Cargo.toml` `[package] name`, `[[bin]]`, `default-run`, `src/bin/` | `bin`, `command`, `name` |
//! | `"0.0.0.0:8080"`-like literals in `src/` | `ports` (and a note for `127.0.0.1`) |
//! | routes such as `/healthz` in `src/` | `[healthcheck] path` |

use std::collections::BTreeMap;

use crate::init::sources;
use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, health_route, project_name,
    routes::literals, schema_file, services,
};
use crate::manifest::StackName;
use crate::stacks::rust::Rust;

/// The Rust detector.
pub struct RustDetector;

const LOOKS_FOR: &[&str] = &["Cargo.toml"];

/// Top-level directories a Rust build or binary may need besides `src/`.
const KEEP_DIRS: [&str; 7] = [
    "src",
    "migrations",
    "templates",
    "static",
    "assets",
    "config",
    "public",
];

/// `(major, minor)` of `1.80`, `1.80.1`; `None` for `stable`, `nightly`.
fn rust_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

impl Detector for RustDetector {
    fn stack(&self) -> StackName {
        StackName::Rust
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        match files.read_toml("Cargo.toml") {
            Some(Ok(t)) if t.contains_key("package") => 2,
            Some(_) => 1,
            None => 0,
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let cargo = match files.read_toml("Cargo.toml") {
            Some(Ok(table)) => table,
            Some(Err(message)) => {
                notes.push(format!("Cargo.toml is not valid TOML ({message})"));
                toml::Table::new()
            }
            None => toml::Table::new(),
        };
        if !cargo.contains_key("package") && cargo.contains_key("workspace") {
            notes.push(
                "Cargo.toml is a workspace: dgen builds one package; run `dgen init` in the package's directory"
                    .to_owned(),
            );
        }
        let package = cargo.get("package").and_then(|p| p.as_table());
        let package_name = package
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_owned();
        let name = project_name(
            files,
            (!package_name.is_empty())
                .then_some((package_name.as_str(), "Cargo.toml [package] name")),
        );

        // The version.
        let default = Rust::default().version;
        let toolchain = files
            .read_toml("rust-toolchain.toml")
            .and_then(Result::ok)
            .and_then(|t| {
                t.get("toolchain")?
                    .get("channel")?
                    .as_str()
                    .map(str::to_owned)
            })
            .map(|c| (c, "rust-toolchain.toml [toolchain] channel"))
            .or_else(|| {
                files
                    .read("rust-toolchain")
                    .map(|t| (t.trim().to_owned(), "rust-toolchain"))
            });
        let msrv = package
            .and_then(|p| p.get("rust-version"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let version = match (toolchain, msrv) {
            (Some((channel, from)), _) if rust_version(&channel).is_some() => {
                let (major, minor) = rust_version(&channel).unwrap_or_default();
                Detected::found(format!("{major}.{minor}"), from)
            }
            (_, Some(msrv)) => match (rust_version(&msrv), rust_version(&default)) {
                (Some(m), Some(d)) if m > d => {
                    Detected::found(format!("{}.{}", m.0, m.1), "Cargo.toml rust-version")
                }
                _ => Detected::default(
                    default,
                    format!("Cargo.toml rust-version {msrv} is the oldest the package builds with"),
                ),
            },
            _ => Detected::default(default, "no rust-toolchain or rust-version found"),
        };

        // The binary: default-run, the package's own, else the only [[bin]].
        let bins: Vec<String> = cargo
            .get("bin")
            .and_then(|b| b.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let default_run = package
            .and_then(|p| p.get("default-run"))
            .and_then(|d| d.as_str())
            .map(str::to_owned);
        let (bin, bin_from) = if let Some(run) = default_run {
            (run, "Cargo.toml default-run")
        } else if files.is_file("src/main.rs") {
            (
                package_name.clone(),
                "Cargo.toml [package] name (src/main.rs)",
            )
        } else if let Some(first) = bins.first() {
            (first.clone(), "Cargo.toml [[bin]]")
        } else {
            notes.push("no binary found (src/main.rs or [[bin]]): set [rust] bin".to_owned());
            (package_name.clone(), "Cargo.toml [package] name")
        };
        let mut settings = vec![Setting::text(
            "version",
            "The Rust version: selects the rust build image",
            version,
        )];
        if bin != name.value {
            settings.push(Setting::text(
                "bin",
                "The binary target to build and run",
                Detected::found(bin.clone(), bin_from),
            ));
        }

        let (keep, left_out) = sources::top_level(
            files,
            &[],
            |file| file == "build.rs",
            |dir| KEEP_DIRS.contains(&dir),
        );
        let code = files.walk("src", ".rs", 6);
        let mut port = None;
        for path in &code {
            let Some(text) = files.read(path) else {
                continue;
            };
            for line in text.lines() {
                for literal in literals(line) {
                    if let Some((host, p)) = literal.rsplit_once(':')
                        && let Ok(p) = p.parse::<u32>()
                        && (80..=65535).contains(&p)
                        && matches!(host, "0.0.0.0" | "127.0.0.1" | "localhost" | "[::]" | "::")
                        && port.is_none()
                    {
                        if matches!(host, "127.0.0.1" | "localhost") {
                            notes.push(format!(
                                "{path} binds {literal}: inside a container that is reachable from nowhere else; bind 0.0.0.0"
                            ));
                        }
                        port = Some((p, path.clone()));
                    }
                }
            }
        }
        let ports = match &port {
            Some((p, path)) => Detected::found(vec![*p], path.clone()),
            None => Detected::default(vec![8080], "no listening address found"),
        };
        let healthcheck = match health_route(files, &code) {
            Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                .because(format!("the app has a route {route}")),
            None => Detected::default(Health::Tcp, "no health route found"),
        };
        let deps: Vec<String> = cargo
            .get("dependencies")
            .and_then(|d| d.as_table())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        Detection {
            stack: Detected::found(StackName::Rust, "Cargo.toml"),
            name,
            command: Detected::found(vec![bin], bin_from).because("the binary the build installs"),
            ports,
            sources: sources::detected(keep, &left_out),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck,
            settings,
            suggestions: services::suggestions(&deps, "Cargo.toml"),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        }
    }
}

//! The Go stack: a build stage on the official `golang:<version>-bookworm` image downloads the
//! modules named in `go.mod`/`go.sum` before it sees a source file, then compiles one static
//! binary (`CGO_ENABLED=0`, `-trimpath`, `-ldflags=-s -w`) with the module and build caches on
//! BuildKit cache mounts. The final image is distroless (`gcr.io/distroless/static-debian12`,
//! run as its own `nonroot` user) or `scratch` (CA certificates copied in, a numeric non-root
//! user), and holds the binary and, when the health check probes a port, a tiny static probe
//! built from standard-library source in the build stage (see [`super::compiled`]).
//! Templates: `templates/` in this folder, named `go/<file>`.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/go-http`,
//! `examples/go-multiarch`, `examples/go-scratch`.
//! `dgen init` fixtures: `tests/fixtures/init/go-cmd`. Practice tests: `tests/integration/practices_go.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::compiled::{self, PROBE_PATH};
use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName};

/// The UID of distroless's `nonroot` user, also used on scratch unless `[user] uid` is set.
pub const NONROOT_UID: u32 = 65532;

/// Settings of the Go stack.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Go {
    /// The Go version (`1.N` or `1.N.P`); selects the official `golang:<version>-bookworm` build
    /// image. The build never downloads another toolchain (`GOTOOLCHAIN=local`).
    pub version: String,
    /// The main package to build, as a path relative to the directory of `dgen.toml` (which
    /// holds `go.mod`), e.g. `./cmd/server`.
    pub main: String,
    /// The name of the binary, installed as `/usr/local/bin/<binary>`; `[app] command` starts
    /// it, e.g. `["server", "-addr", ":8080"]`. Defaults to the app's `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// Build tags passed to `go build -tags`.
    pub tags: Vec<String>,
    /// The final image: `distroless` (`gcr.io/distroless/static-debian12:nonroot`: CA
    /// certificates, time zones, `/tmp`, a `nonroot` user) or `scratch` (nothing but what is
    /// copied in: the binary and the CA certificates).
    pub runtime: GoRuntime,
    /// Files or directories the binary reads at run time (templates, static files), copied into
    /// `[app] workdir`, owned by root. Files embedded with `//go:embed` need no entry here.
    pub assets: Vec<String>,
}

impl Default for Go {
    fn default() -> Self {
        Go {
            version: "1.25".to_owned(),
            main: ".".to_owned(),
            binary: None,
            tags: Vec::new(),
            runtime: GoRuntime::Distroless,
            assets: Vec::new(),
        }
    }
}

/// The final image of a Go app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GoRuntime {
    /// `gcr.io/distroless/static-debian12:nonroot`, run as its `nonroot` user (UID 65532).
    Distroless,
    /// An empty image with the binary and the CA certificates, run as UID 65532 (or
    /// `[user] uid`).
    Scratch,
}

/// The templates, named `go/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/go/templates");

/// The Go stack.
pub struct GoStack;

/// The binary's name: `[go] binary`, else the app's name.
pub fn binary(manifest: &Manifest) -> String {
    GoStack::settings(manifest)
        .binary
        .unwrap_or_else(|| manifest.name.clone())
}

#[derive(Serialize)]
struct Context {
    build_image: String,
    runtime: &'static str,
    main: String,
    binary: String,
    tags: String,
    assets: Vec<String>,
    probe: bool,
    probe_path: &'static str,
    probe_lines: Vec<String>,
    uid: u32,
}

impl Stack for GoStack {
    type Settings = Go;

    fn table(manifest: &Manifest) -> Option<&Go> {
        manifest.go.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::GoDetector)
    }

    fn name(&self) -> StackName {
        StackName::Go
    }

    fn description(&self) -> &'static str {
        "Go: a static binary on distroless or scratch"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["golang"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = GoStack::settings(manifest);
        compiled::check_version(
            c,
            &["go".into(), "version".into()],
            &s.version,
            &["1"],
            "Go",
            "1.25",
        );
        let main = ["go".into(), "main".into()];
        if c.relative_path(&main, &s.main, "main package") {
            if !compiled::is_plain_relative(&s.main) {
                c.error(
                    "go-main",
                    &main,
                    format!("`{}` is not a package path", s.main),
                    "expected e.g. \"./cmd/server\"",
                )
                .help = Some(
                    "write the directory of the main package relative to go.mod, using letters, digits, `.`, `_`, `-` and `/`"
                        .to_owned(),
                );
            } else {
                c.must_exist(&main, &s.main, "main package", true);
            }
        }
        if let Some(dir) = c.project_dir()
            && !dir.join("go.mod").exists()
        {
            c.error(
                "path-missing",
                &["stack".into()],
                "go.mod does not exist next to the manifest",
                "a Go module needs go.mod",
            )
            .help =
                Some("run `go mod init <module path>` in the directory of dgen.toml".to_owned());
        }
        let bin = binary(manifest);
        if !compiled::is_binary_name(&bin) {
            let at: &[_] = if s.binary.is_some() {
                &["go".into(), "binary".into()]
            } else {
                &["name".into()]
            };
            c.error(
                "binary-name",
                at,
                format!("`{bin}` is not a file name for the binary"),
                "invalid binary name",
            )
            .help = Some(
                "use letters, digits, `.`, `_` and `-`, not starting with `.` or `-`".to_owned(),
            );
        } else if bin == "healthcheck" && compiled::needs_probe(manifest) {
            c.error(
                "binary-name",
                &["go".into(), "binary".into()],
                "`healthcheck` is the name of the health-check probe",
                "taken by the probe",
            );
        } else {
            compiled::check_command_runs_binary(manifest, c, &bin, "[go] binary");
        }
        for (i, tag) in s.tags.iter().enumerate() {
            let ok = !tag.is_empty()
                && tag
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_.".contains(ch));
            if !ok {
                c.error(
                    "go-tag",
                    &["go".into(), "tags".into(), i.into()],
                    format!("`{tag}` is not a build tag"),
                    "expected letters, digits, `_` and `.`",
                );
            }
        }
        compiled::check_assets(c, "go", &s.assets);
        compiled::check_runtime_user(manifest, c, NONROOT_UID);
        compiled::check_no_system_packages(manifest, c, "the Go runtime images");
        if s.runtime == GoRuntime::Scratch && manifest.image.digest.is_some() {
            c.error(
                "image-digest",
                &["image".into(), "digest".into()],
                "scratch is not an image that has a digest",
                "nothing to pin",
            );
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        match GoStack::settings(manifest).runtime {
            GoRuntime::Distroless => "gcr.io/distroless/static-debian12:nonroot".to_owned(),
            GoRuntime::Scratch => "scratch".to_owned(),
        }
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = GoStack::settings(manifest);
        let main = s.main.trim_end_matches('/');
        let main = if main.starts_with("./") || main == "." {
            main.to_owned()
        } else {
            format!("./{main}")
        };
        minijinja::Value::from(minijinja::value::Serde(Context {
            build_image: format!("golang:{}-bookworm", s.version),
            runtime: match s.runtime {
                GoRuntime::Distroless => "distroless",
                GoRuntime::Scratch => "scratch",
            },
            main,
            binary: binary(manifest),
            tags: s.tags.join(","),
            assets: compiled::tidy_paths(&s.assets),
            probe: compiled::needs_probe(manifest),
            probe_path: PROBE_PATH,
            probe_lines: compiled::go_probe_lines(),
            uid: manifest.user.uid.unwrap_or(NONROOT_UID),
        }))
    }

    /// Delve, in a `debug` stage built from the build stage (so it holds the toolchain and the
    /// sources): the app rebuilt without optimisations and started under `dlv exec`.
    fn debug(
        &self,
        manifest: &Manifest,
        debug: &crate::manifest::Debug,
    ) -> Option<super::DebugSetup> {
        let port = debug.port.unwrap_or(2345);
        let bin = binary(manifest);
        let mut command = vec![
            "dlv".to_owned(),
            "exec".to_owned(),
            format!("/usr/local/bin/{bin}"),
            "--headless".to_owned(),
            format!("--listen=:{port}"),
            "--api-version=2".to_owned(),
            "--accept-multiclient".to_owned(),
        ];
        if !debug.wait_for_client {
            command.push("--continue".to_owned());
        }
        let args = manifest.app.command.get(1..).unwrap_or_default();
        if !args.is_empty() {
            command.push("--".to_owned());
            command.extend(args.iter().cloned());
        }
        let launch = serde_json::json!({
            "name": format!("{}: attach", manifest.name),
            "type": "go",
            "request": "attach",
            "mode": "remote",
            "host": "127.0.0.1",
            "port": port,
            "substitutePath": [{"from": "${workspaceFolder}", "to": "/src"}],
        });
        Some(super::DebugSetup {
            port,
            stage: true,
            command: Some(command),
            environment: Vec::new(),
            version: debug.version.clone().unwrap_or_else(|| "1.25.2".to_owned()),
            launch,
        })
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        let [target, secs] = compiled::probe_args(probe);
        vec![PROBE_PATH.to_owned(), target, secs]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: &str) -> Manifest {
        let text = format!(
            "name = \"svc\"\nstack = \"go\"\n\n[app]\ncommand = [\"svc\"]\nports = [8080]\nsources = [\"main.go\"]\n{extra}"
        );
        dgen_parse(&text)
    }

    fn dgen_parse(text: &str) -> Manifest {
        crate::manifest::parse(text, None)
            .unwrap_or_else(|d| panic!("{d:?}"))
            .manifest
    }

    #[test]
    fn defaults() {
        let m = manifest("");
        assert_eq!(
            GoStack.base_image(&m),
            "gcr.io/distroless/static-debian12:nonroot"
        );
        assert_eq!(binary(&m), "svc");
        let m = manifest("\n[go]\nruntime = \"scratch\"\nbinary = \"svc\"\n");
        assert_eq!(GoStack.base_image(&m), "scratch");
        assert_eq!(binary(&m), "svc");
    }

    #[test]
    fn probe_is_the_static_binary() {
        assert_eq!(
            GoStack.probe_command(&Probe::Tcp {
                port: 8080,
                timeout_secs: 5
            }),
            ["/usr/local/bin/healthcheck", "tcp://127.0.0.1:8080", "5"]
        );
    }
}

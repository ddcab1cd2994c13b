//! The .NET stack: an ASP.NET Core app built with the .NET SDK, run on the ASP.NET Core runtime.
//!
//! The build stage (`mcr.microsoft.com/dotnet/sdk:<version>`) copies the project files alone
//! (`[dotnet] restore_files`: the `.csproj`/`.fsproj` files, the solution, `Directory.*.props`,
//! `NuGet.config`, `global.json`) and runs `dotnet restore`, with NuGet's package folder on a
//! BuildKit cache mount, so a source edit reuses the restore (P09, P10); then the sources and
//! `dotnet publish -c Release -o /app --no-restore`. The final stage is
//! `mcr.microsoft.com/dotnet/aspnet:<version>` with the published app only, run as the image's
//! own non-root `app` user (`USER $APP_UID`, which the image sets to 1654), Kestrel on
//! `ASPNETCORE_HTTP_PORTS`. The runtime image has no curl: the health check is bash's
//! `/dev/tcp` under `timeout`, builtins only.
//!
//! There is no reachable .NET SDK on the machine dgen is tested on: the .NET example is judged
//! (hadolint, BuildKit's parser, checkov, compose), not built.
//!
//! Templates: `templates/` in this folder, named `dotnet/<file>`.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`):
//! `examples/dotnet-minimal-api`.
//! `dgen init` fixtures: `tests/fixtures/init/dotnet-solution`.
//! Practice tests: `tests/integration/practices_dotnet.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName, User};
use crate::values::{PathShape, PlainPath};

/// The UID of the `app` user of the official .NET 8+ images (`APP_UID`).
pub const APP_UID: u32 = 1654;

/// Settings of the .NET stack (`[dotnet]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Dotnet {
    /// The .NET version, e.g. `8.0`: the build runs on `mcr.microsoft.com/dotnet/sdk:<version>`
    /// and the app on `mcr.microsoft.com/dotnet/aspnet:<version>`.
    pub version: String,
    /// The project to publish, relative to the directory of `dgen.toml`, e.g.
    /// `src/Api/Api.csproj`.
    pub project: String,
    /// The files `dotnet restore` reads, copied before the sources: the project files the
    /// published project references, the solution, `Directory.Build.props`,
    /// `Directory.Packages.props`, `NuGet.config`, `global.json`. Empty: the project file alone.
    pub restore_files: Vec<String>,
}

impl Default for Dotnet {
    fn default() -> Self {
        Dotnet {
            version: "8.0".to_owned(),
            project: String::new(),
            restore_files: Vec::new(),
        }
    }
}

/// The templates, named `dotnet/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/dotnet/templates");

/// The .NET stack.
pub struct DotnetStack;

#[derive(Serialize)]
struct Context {
    build_image: String,
    project: String,
    restore_files: Vec<(String, String)>,
    http_ports: String,
    app_uid: u32,
}

/// The folder a file is copied into, `./` for the top.
fn folder_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("./{dir}/"),
        None => "./".to_owned(),
    }
}

fn restore_files(s: &Dotnet) -> Vec<String> {
    let mut files = s.restore_files.clone();
    if !files.contains(&s.project) {
        files.insert(0, s.project.clone());
    }
    files
}

/// The platforms Microsoft publishes the .NET SDK and ASP.NET Core images for.
const DOTNET_PLATFORMS: [&str; 3] = ["linux/amd64", "linux/arm64", "linux/arm/v7"];

impl Stack for DotnetStack {
    type Settings = Dotnet;

    fn table(manifest: &Manifest) -> Option<&Dotnet> {
        manifest.dotnet.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::DotnetDetector)
    }

    fn name(&self) -> StackName {
        StackName::Dotnet
    }

    fn description(&self) -> &'static str {
        ".NET: an ASP.NET Core app published with the SDK, run on the aspnet runtime"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["dotnet/sdk", "dotnet/aspnet", "dotnet/runtime"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = DotnetStack::settings(manifest);
        let version_ok = crate::manifest::is_version(&s.version, 2..=2)
            && s.version
                .split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m >= 8);
        if !version_ok {
            c.error(
                "dotnet-version",
                &["dotnet".into(), "version".into()],
                format!("`{}` is not a .NET version (8.0 or later)", s.version),
                "expected e.g. \"8.0\"",
            )
            .help = Some(
                "the images' non-root app user (APP_UID) and ASPNETCORE_HTTP_PORTS start with .NET 8"
                    .to_owned(),
            );
        }
        for (i, platform) in manifest.image.platforms.iter().enumerate() {
            // Microsoft publishes the SDK and ASP.NET Core images for these platforms only, and
            // `-a $TARGETARCH` must name a .NET architecture (amd64 is mapped to x64).
            let known = crate::manifest::buildopts::PLATFORMS.contains(&platform.as_str());
            if known && !DOTNET_PLATFORMS.contains(&platform.as_str()) {
                c.error(
                    "platform",
                    &["image".into(), "platforms".into(), i.into()],
                    format!(
                        "the dotnet stack cannot build for `{platform}`: mcr.microsoft.com/dotnet/aspnet is published for {} only",
                        DOTNET_PLATFORMS.join(", ")
                    ),
                    "no .NET image for this platform",
                );
            }
        }
        let project_path = ["dotnet".into(), "project".into()];
        let is_project = |p: &str| {
            PlainPath::is(p, PathShape::RELATIVE)
                && [".csproj", ".fsproj", ".vbproj"]
                    .iter()
                    .any(|e| p.ends_with(e))
        };
        if s.project.is_empty() {
            c.error(
                "dotnet-project",
                &["dotnet".into()],
                "[dotnet] project is required: the project file to publish",
                "no project",
            )
            .help = Some("e.g. project = \"src/Api/Api.csproj\"".to_owned());
        } else if !is_project(&s.project) {
            c.error(
                "dotnet-project",
                &project_path,
                format!("`{}` is not a plain path to a project file", s.project),
                "expected e.g. \"src/Api/Api.csproj\"",
            );
        } else {
            c.must_exist(&project_path, &s.project, "the project", true);
        }
        for (i, file) in s.restore_files.iter().enumerate() {
            let at = ["dotnet".into(), "restore_files".into(), i.into()];
            if !PlainPath::is(file, PathShape::RELATIVE) {
                c.error(
                    "dotnet-restore-file",
                    &at,
                    format!("`{file}` is not a plain relative path"),
                    "expected e.g. \"Directory.Build.props\"",
                );
            } else {
                c.must_exist(&at, file, "the restore file", true);
            }
        }
        if manifest.app.ports.is_empty() {
            c.error(
                "dotnet-port",
                &["app".into(), "ports".into()],
                "an ASP.NET Core app listens on a port: ASPNETCORE_HTTP_PORTS needs one",
                "expected e.g. [8080]",
            );
        }
        for (i, port) in manifest.app.ports.iter().enumerate() {
            if *port < 1024 {
                c.error(
                    "dotnet-port",
                    &["app".into(), "ports".into(), i.into()],
                    format!(
                        "port {port} is privileged: the app runs as the image's non-root app user"
                    ),
                    "below 1024",
                )
                .help = Some("listen on 8080 and publish it as 80 if needed".to_owned());
            }
        }
        if manifest.user != User::default() {
            c.error(
                "dotnet-user",
                &["user".into()],
                format!("the .NET stack runs as the image's own non-root app user (UID {APP_UID})"),
                "another user",
            )
            .help = Some("remove the [user] table".to_owned());
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        format!(
            "mcr.microsoft.com/dotnet/aspnet:{}",
            DotnetStack::settings(manifest).version
        )
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = DotnetStack::settings(manifest);
        minijinja::Value::from(minijinja::value::Serde(Context {
            build_image: format!("mcr.microsoft.com/dotnet/sdk:{}", s.version),
            restore_files: restore_files(&s)
                .into_iter()
                .map(|f| {
                    let dir = folder_of(&f);
                    (f, dir)
                })
                .collect(),
            project: s.project.clone(),
            http_ports: manifest
                .app
                .ports
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            app_uid: APP_UID,
        }))
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        // bash builtins only (the runtime image has no curl); the port and path are arguments.
        let (secs, script, args) = match probe {
            Probe::Http {
                port,
                path,
                timeout_secs,
            } => (
                timeout_secs,
                "exec 3<>\"/dev/tcp/127.0.0.1/$0\" && printf 'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' \"$1\" >&3 && IFS= read -r line <&3 && case \"$line\" in 'HTTP/'*' '[23][0-9][0-9]*) exit 0 ;; *) echo \"unhealthy: $line\" >&2; exit 1 ;; esac",
                vec![port.to_string(), path.clone()],
            ),
            Probe::Tcp { port, timeout_secs } => (
                timeout_secs,
                "exec 3<>\"/dev/tcp/127.0.0.1/$0\"",
                vec![port.to_string()],
            ),
        };
        [
            "timeout".to_owned(),
            secs.to_string(),
            "bash".to_owned(),
            "-c".to_owned(),
            script.to_owned(),
        ]
        .into_iter()
        .chain(args)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders() {
        assert_eq!(folder_of("Api.csproj"), "./");
        assert_eq!(folder_of("src/Api/Api.csproj"), "./src/Api/");
    }
}

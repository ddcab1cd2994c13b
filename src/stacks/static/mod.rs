//! The static-site stack (`stack = "static"`): an optional Node.js build stage (the node stack's
//! package-manager code and `node/macros.j2`) and a final stage on the official
//! unprivileged nginx image, which serves only the listed files (or the build's output) from
//! `workdir` on a non-privileged port, with a server configuration written by the Dockerfile.
//! Templates: `templates/` in this folder, named `static/<file>`.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/static-html`,
//! `examples/static-markdown`.
//! `dgen init` fixtures: `tests/fixtures/init/static-html`, `tests/fixtures/init/static-vite`.
//! Practice tests: `tests/integration/practices_static.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::node::{
    DEFAULT_PNPM_VERSION, DEFAULT_YARN_VERSION, NodePackageManager, PackageManagerContext,
    Toolchain, validate_build,
};
use super::{Probe, Stack};
use crate::manifest::{Checker, Manifest, StackName, User};

/// The UID of the `nginx` user of the `nginxinc/nginx-unprivileged` images.
pub const NGINX_IMAGE_UID: u32 = 101;

/// Settings of the static-site stack (`[static]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StaticSettings {
    /// The nginx version, e.g. `1.28`; selects the official unprivileged image
    /// `nginxinc/nginx-unprivileged:<version>-alpine`, which runs as its own non-root user.
    pub nginx_version: String,
    /// A single-page app: paths that match no file are answered with `/index.html` (for
    /// client-side routing) instead of 404.
    pub spa: bool,
    /// A build command in exec form, e.g. `["npm", "run", "build"]`, run in a Node.js build
    /// stage with the `[app] sources`. Empty (the default): no build, and the sources are served
    /// as they are.
    pub build: Vec<String>,
    /// The directory the build writes the site to (relative to the project), e.g. `dist`: its
    /// contents become the served root.
    pub output: String,
    /// The Node.js version of the build stage (`node:<version>-slim`).
    pub node_version: String,
    /// The build stage's package manager; installs from the lock file.
    pub package_manager: NodePackageManager,
    /// The pnpm version installed (pinned) in the build stage (package_manager = "pnpm").
    pub pnpm_version: String,
    /// The Yarn version of the build stage (package_manager = "yarn"): Yarn 1 (classic) is
    /// installed pinned; Yarn 4 and later (Berry, with `nodeLinker: node-modules`) runs through
    /// corepack and must equal package.json's `packageManager`.
    pub yarn_version: String,
    /// Yarn 2+ only: the Yarn release the project commits and `.yarnrc.yml` names as `yarnPath`
    /// (e.g. `.yarn/releases/yarn-4.9.2.cjs`), run with node instead of corepack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yarn_path: Option<String>,
}

impl Default for StaticSettings {
    fn default() -> Self {
        StaticSettings {
            nginx_version: "1.28".to_owned(),
            spa: false,
            build: Vec::new(),
            output: "dist".to_owned(),
            node_version: "22".to_owned(),
            package_manager: NodePackageManager::Npm,
            pnpm_version: DEFAULT_PNPM_VERSION.to_owned(),
            yarn_version: DEFAULT_YARN_VERSION.to_owned(),
            yarn_path: None,
        }
    }
}

/// The templates, named `static/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/static/templates");

/// The static-site stack.
pub struct StaticSite;

fn toolchain(s: &StaticSettings) -> Toolchain<'_> {
    Toolchain {
        table: "static",
        version_key: "node_version",
        version: &s.node_version,
        package_manager: s.package_manager,
        pnpm_version: &s.pnpm_version,
        in_workspace: false,
        yarn_version: &s.yarn_version,
        yarn_path: s.yarn_path.as_deref(),
    }
}

/// The server configuration, one line each.
fn nginx_conf(port: u32, root: &str, spa: bool) -> Vec<String> {
    let fallback = if spa { "/index.html" } else { "=404" };
    [
        "server {".to_owned(),
        format!("    listen {port};"),
        "    server_name _;".to_owned(),
        format!("    root {root};"),
        "    index index.html;".to_owned(),
        "    server_tokens off;".to_owned(),
        // Redirects (e.g. /docs -> /docs/) stay relative: the published port may differ.
        "    absolute_redirect off;".to_owned(),
        "    charset utf-8;".to_owned(),
        "    gzip on;".to_owned(),
        "    gzip_vary on;".to_owned(),
        "    gzip_types text/css text/plain application/javascript application/json image/svg+xml;"
            .to_owned(),
        "    add_header X-Content-Type-Options \"nosniff\" always;".to_owned(),
        "    add_header Referrer-Policy \"strict-origin-when-cross-origin\" always;".to_owned(),
        "    add_header X-Frame-Options \"SAMEORIGIN\" always;".to_owned(),
        "    location / {".to_owned(),
        format!("        try_files $uri $uri/ {fallback};"),
        "    }".to_owned(),
        "    location ~ /\\.(?!well-known/) {".to_owned(),
        "        deny all;".to_owned(),
        "    }".to_owned(),
        "}".to_owned(),
    ]
    .into_iter()
    .collect()
}

#[derive(Serialize)]
struct Context {
    pm: Option<PackageManagerContext>,
    build_image: String,
    build: Vec<String>,
    output: String,
    nginx_conf: Vec<String>,
    image_uid: u32,
}

impl Stack for StaticSite {
    type Settings = StaticSettings;

    fn table(manifest: &Manifest) -> Option<&StaticSettings> {
        manifest.r#static.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::StaticSite)
    }

    fn name(&self) -> StackName {
        StackName::Static
    }

    fn description(&self) -> &'static str {
        "Static site served by unprivileged nginx, with an optional Node.js build"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["nginx", "nginx-unprivileged", "httpd"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = StaticSite::settings(manifest);
        if !crate::manifest::is_version(&s.nginx_version, 2..=3) {
            c.error(
                "nginx-version",
                &["static".into(), "nginx_version".into()],
                format!("`{}` is not an nginx version", s.nginx_version),
                "expected e.g. \"1.28\"",
            );
        }
        let ports = &manifest.app.ports;
        if ports.len() != 1 {
            c.error(
                "static-port",
                &["app".into(), "ports".into()],
                format!(
                    "a static site listens on exactly one port, not {}",
                    ports.len()
                ),
                "expected e.g. [8080]",
            );
        } else if ports[0] < 1024 {
            c.error(
                "static-port",
                &["app".into(), "ports".into(), 0.into()],
                format!(
                    "port {} is privileged: nginx runs as a non-root user",
                    ports[0]
                ),
                "below 1024",
            )
            .help = Some("listen on 8080 and publish it as 80 if needed".to_owned());
        }
        if manifest.user != User::default() {
            c.error(
                "static-user",
                &["user".into()],
                format!(
                    "the static stack runs as the nginx image's own unprivileged user (UID {NGINX_IMAGE_UID})"
                ),
                "another user",
            )
            .help = Some("remove the [user] table".to_owned());
        }
        if !manifest.app.system_packages.is_empty() {
            c.error(
                "static-packages",
                &["app".into(), "system_packages".into()],
                "the nginx image takes no system packages",
                "not for the static stack",
            )
            .help = Some(
                "serve files only; use another stack for a server that needs packages".to_owned(),
            );
        }
        if !manifest.app.build_packages.is_empty() && s.build.is_empty() {
            c.error(
                "static-packages",
                &["app".into(), "build_packages".into()],
                "build packages need a build: `[static] build` is not set",
                "no build stage",
            );
        }
        let workdir = &manifest.app.workdir;
        let reported_already =
            !crate::values::PlainPath::is(workdir, crate::values::PathShape::IMAGE_DIR);
        if !reported_already
            && !crate::values::PlainPath::is(workdir, crate::values::PathShape::NGINX)
        {
            c.error(
                "workdir-invalid",
                &["app".into(), "workdir".into()],
                format!(
                    "workdir `{}` is written into the nginx configuration: use letters, digits, `.`, `_`, `-` and `/`",
                    manifest.app.workdir
                ),
                "not a plain absolute path",
            );
        }
        if !s.build.is_empty() {
            toolchain(&s).validate(c);
            validate_build(c, "static", &s.build, &s.output, &manifest.app.sources);
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        format!(
            "nginxinc/nginx-unprivileged:{}-alpine",
            StaticSite::settings(manifest).nginx_version
        )
    }

    fn build_secret(
        &self,
        manifest: &Manifest,
        kind: crate::manifest::SecretKind,
    ) -> Option<Result<(), String>> {
        (kind == crate::manifest::SecretKind::Npmrc).then(|| {
            let s = StaticSite::settings(manifest);
            if s.build.is_empty() {
                Err("a static site without `[static] build` installs no packages".to_owned())
            } else if s.package_manager == crate::stacks::node::NodePackageManager::Yarn
                && crate::stacks::node::berry::is_berry(&s.yarn_version)
            {
                Err(crate::stacks::node::berry::NPMRC_REFUSED.to_owned())
            } else {
                Ok(())
            }
        })
    }

    fn default_command(&self, _manifest: &Manifest) -> Option<Vec<String>> {
        Some(vec![
            "nginx".to_owned(),
            "-g".to_owned(),
            "daemon off;".to_owned(),
        ])
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = StaticSite::settings(manifest);
        let t = toolchain(&s);
        let port = manifest.app.ports.first().copied().unwrap_or(8080);
        let root = manifest.app.workdir.trim_end_matches('/');
        let root = if root.is_empty() { "/" } else { root };
        minijinja::Value::from(minijinja::value::Serde(Context {
            pm: (!s.build.is_empty()).then(|| t.context()),
            build_image: t.base_image(),
            build: s.build.clone(),
            output: s.output.trim_end_matches('/').to_owned(),
            nginx_conf: nginx_conf(port, root, s.spa)
                .iter()
                .map(|line| crate::render::printf_word(line))
                .collect(),
            image_uid: NGINX_IMAGE_UID,
        }))
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        // The nginx images ship curl. A TCP probe takes any HTTP answer (no --fail).
        let (port, path, timeout_secs, fail) = match probe {
            Probe::Http {
                port,
                path,
                timeout_secs,
            } => (port, path.as_str(), timeout_secs, true),
            Probe::Tcp { port, timeout_secs } => (port, "/", timeout_secs, false),
        };
        let mut command = vec!["curl".to_owned()];
        command.push(if fail { "-fsS" } else { "-sS" }.to_owned());
        command.extend([
            "-o".to_owned(),
            "/dev/null".to_owned(),
            "--max-time".to_owned(),
            timeout_secs.to_string(),
            format!("http://127.0.0.1:{port}{path}"),
        ]);
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_words_print_the_line_literally() {
        assert_eq!(crate::render::printf_word("root /app;"), "'root /app;'");
        assert_eq!(
            crate::render::printf_word("try_files $uri $uri/ =404;"),
            "\"try_files \\$uri \\$uri/ =404;\""
        );
        assert_eq!(
            crate::render::printf_word("a \"b\" $c"),
            "\"a \\\"b\\\" \\$c\""
        );
    }

    #[test]
    fn config_listens_on_the_port_and_serves_the_root() {
        let conf = nginx_conf(8080, "/app", false).join("\n");
        assert!(conf.contains("listen 8080;"));
        assert!(conf.contains("root /app;"));
        assert!(conf.contains("try_files $uri $uri/ =404;"));
        assert!(
            nginx_conf(8080, "/app", true)
                .join("\n")
                .contains("/index.html;")
        );
    }
}

//! The Node.js stack: a `deps` stage installs the locked production dependencies (npm, yarn or
//! pnpm, never dev dependencies); an optional `build` stage adds the dev dependencies, copies
//! the sources and runs the build; the final stage on `node:<version>-slim` copies
//! `node_modules`, `package.json` and the sources (or the build's output) and runs as the
//! official image's own non-root `node` user. Templates: `templates/` in this folder, named
//! `node/<file>`.
//!
//! The package-manager parts (settings, checks, template variables, `node/macros.j2`)
//! are shared with the static-site stack's optional Node.js build stage.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/node-express`,
//! `examples/node-express-tsc`, `examples/node-fastify`, `examples/node-npm-workspace/apps/api`,
//! `examples/node-nx`, `examples/node-pnpm-workspace/apps/web`, `examples/node-typescript`,
//! `examples/node-workspace-build/apps/api`, `examples/node-yarn-berry-workspace/apps/api`.
//! `dgen init` fixtures: `tests/fixtures/init/node-pnpm`, `tests/fixtures/init/node-yarn-berry`.
//! Practice tests: `tests/integration/practices_node.rs`, `tests/integration/node_layouts.rs`,
//! `tests/integration/berry.rs`.

pub(crate) mod init;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod berry;
mod workspace;

use include_dir::{Dir, include_dir};

use super::{Probe, Stack};
use crate::manifest::Seg;
use crate::manifest::{Checker, Manifest, StackName, User};

/// The UID of the `node` user that the official `node` images create.
pub const NODE_IMAGE_UID: u32 = 1000;

/// Settings of the Node.js stack (`[node]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NodeSettings {
    /// The Node.js version: a major version such as `22` (or `22.11`, `22.11.0`); selects the
    /// official `node:<version>-slim` base.
    pub version: String,
    /// How dependencies are installed: always from the lock file, and only production
    /// dependencies reach the final image.
    pub package_manager: NodePackageManager,
    /// The pnpm version installed (pinned) in the build stages (package_manager = "pnpm").
    pub pnpm_version: String,
    /// The Yarn version (package_manager = "yarn"): Yarn 1 (classic) is installed pinned in
    /// the build stages; Yarn 4 and later (Berry, with `nodeLinker: node-modules` in
    /// `.yarnrc.yml`) runs through corepack and must equal package.json's `packageManager`.
    pub yarn_version: String,
    /// Yarn 2+ only: the Yarn release the project commits and `.yarnrc.yml` names as `yarnPath`,
    /// e.g. `.yarn/releases/yarn-4.9.2.cjs` (relative to the project, or to the workspace root):
    /// the build runs it with node instead of fetching Yarn through corepack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yarn_path: Option<String>,
    /// A build command in exec form, e.g. `["npm", "run", "build"]`, run in a build stage that
    /// has the dev dependencies and the `[app] sources`. Empty (the default): no build stage,
    /// and the sources are copied into the final image as they are.
    pub build: Vec<String>,
    /// What the build writes (a directory or file, relative to the project), e.g. `dist`: with
    /// a build, only this reaches the final image (at the same path under `workdir`), beside
    /// `package.json` and the production `node_modules`.
    pub output: String,
    /// With a build: paths the app reads at run time that the build does not write (static
    /// files, templates, e.g. `["public", "views"]`), copied into the final image as they are,
    /// beside the output. Without a build the sources are copied as they are anyway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<String>,
    /// When the service lives inside an npm, Yarn 1 or pnpm workspace: this service's folder
    /// relative to the workspace root, e.g. `apps/api` (the manifest sits in that folder, so the
    /// root is as many folders up). The build context becomes the workspace root: the image gets
    /// the root's lock file and `package.json`, and installs only this service's production
    /// dependency closure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// The workspace packages this service depends on, directly or through each other, as
    /// folders relative to the workspace root, e.g. `["packages/shared"]`: their `package.json`
    /// files join the dependency layer and their folders are copied after it (with
    /// `workspace`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspace_packages: Vec<String>,
    /// The build output of workspace packages that must be built before the service can use
    /// them (their `main` points at it), as folders from the workspace root, in build order,
    /// e.g. `["packages/shared/dist"]`: the package (one of `workspace_packages`) gets its
    /// `build` script run in the build stage, with the dev dependencies, and only this folder is
    /// copied from there into the final image, beside the package's sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspace_builds: Vec<String>,
}

impl Default for NodeSettings {
    fn default() -> Self {
        NodeSettings {
            version: "22".to_owned(),
            package_manager: NodePackageManager::Npm,
            pnpm_version: DEFAULT_PNPM_VERSION.to_owned(),
            yarn_version: DEFAULT_YARN_VERSION.to_owned(),
            yarn_path: None,
            build: Vec::new(),
            output: "dist".to_owned(),
            assets: Vec::new(),
            workspace: None,
            workspace_packages: Vec::new(),
            workspace_builds: Vec::new(),
        }
    }
}

/// The pnpm version installed unless the manifest names one.
pub const DEFAULT_PNPM_VERSION: &str = "10.34.8";
/// The Yarn classic version installed unless the manifest names one.
pub const DEFAULT_YARN_VERSION: &str = "1.22.22";

/// A Node.js package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodePackageManager {
    /// `npm ci` from `package.json` and `package-lock.json`.
    Npm,
    /// Yarn: Yarn 1 (classic) runs `yarn install --frozen-lockfile` from `package.json` and
    /// `yarn.lock`; Yarn 4+ (Berry, node-modules linker) `yarn workspaces focus --production`
    /// for the runtime and `yarn install --immutable` for a build, with `.yarnrc.yml`.
    Yarn,
    /// `pnpm install --frozen-lockfile` from `package.json` and `pnpm-lock.yaml`.
    Pnpm,
}

impl NodePackageManager {
    /// The name as written in a manifest (and the program's name).
    pub fn as_str(self) -> &'static str {
        match self {
            NodePackageManager::Npm => "npm",
            NodePackageManager::Yarn => "yarn",
            NodePackageManager::Pnpm => "pnpm",
        }
    }

    /// Its lock file.
    pub fn lock_file(self) -> &'static str {
        match self {
            NodePackageManager::Npm => "package-lock.json",
            NodePackageManager::Yarn => "yarn.lock",
            NodePackageManager::Pnpm => "pnpm-lock.yaml",
        }
    }

    /// The command that creates the lock file.
    fn lock_command(self) -> &'static str {
        match self {
            NodePackageManager::Npm => "npm install --package-lock-only",
            NodePackageManager::Yarn => "yarn install",
            NodePackageManager::Pnpm => "pnpm install --lockfile-only",
        }
    }
}

/// The Node.js toolchain of a build: what the node stack and the static stack's build stage share.
#[derive(Debug, Clone, Copy)]
pub struct Toolchain<'a> {
    /// The manifest table that holds the settings (`node` or `static`).
    pub table: &'static str,
    /// The key of the Node.js version in that table.
    pub version_key: &'static str,
    /// The Node.js version.
    pub version: &'a str,
    /// The package manager.
    pub package_manager: NodePackageManager,
    /// The pnpm version.
    pub pnpm_version: &'a str,
    /// The Yarn version.
    pub yarn_version: &'a str,
    /// Yarn 2+: the committed Yarn release (`yarnPath`), run with node instead of corepack.
    pub yarn_path: Option<&'a str>,
    /// Whether the project is a package of a workspace, whose lock file is at the workspace
    /// root (checked by the workspace's own checks).
    pub in_workspace: bool,
}

impl Toolchain<'_> {
    /// The official slim image of this Node.js version.
    pub fn base_image(&self) -> String {
        format!("node:{}-slim", self.version)
    }

    /// Checks the versions, `package.json` and the lock file.
    pub fn validate(&self, c: &mut Checker<'_>) {
        let t = self.table;
        if !is_version(self.version, 1..=3) {
            c.error(
                "node-version",
                &[t.into(), self.version_key.into()],
                format!("`{}` is not a Node.js version", self.version),
                "expected e.g. \"22\"",
            );
        }
        let (key, value) = match self.package_manager {
            NodePackageManager::Npm => (None, ""),
            NodePackageManager::Yarn => (Some("yarn_version"), self.yarn_version),
            NodePackageManager::Pnpm => (Some("pnpm_version"), self.pnpm_version),
        };
        if let Some(key) = key {
            if !is_version(value, 3..=3) {
                c.error(
                    "tool-version",
                    &[t.into(), key.into()],
                    format!("`{value}` is not an exact version"),
                    "expected e.g. \"1.2.3\" (hadolint DL3016 wants pinned npm packages)",
                );
            } else if self.berry() {
                berry::check_settings(c, t, value, self.yarn_path);
            }
        }
        if self.yarn_path.is_some() && !self.berry() {
            c.error(
                "yarn-berry",
                &[t.into(), "yarn_path".into()],
                "yarn_path is for Yarn 2 and later",
                "not used by this package manager",
            )
            .help = Some(
                "remove it, or set yarn_version to the Yarn 4+ version the release is".to_owned(),
            );
        }
        // Without a settings table, point at `stack = "node"`.
        let manager: Vec<Seg<'_>> = if c.span(&[t.into()]) == Some(0..0) {
            vec!["stack".into()]
        } else {
            vec![t.into(), "package_manager".into()]
        };
        c.must_exist(&manager, "package.json", "Node.js package file", true);
        if self.package_manager == NodePackageManager::Yarn
            && !self.in_workspace
            && let Some(dir) = c.project_dir().map(std::path::Path::to_path_buf)
        {
            berry_check(c, &manager, &dir, ".", self.yarn_version, self.yarn_path);
        }
        let lock = self.package_manager.lock_file();
        if let Some(dir) = c.project_dir()
            && !self.in_workspace
            && dir.join("package.json").exists()
            && !dir.join(lock).exists()
        {
            c.warning(
                "lock-missing",
                &manager,
                format!("{lock} does not exist yet: the image build installs from it"),
                format!("{} needs {lock}", self.package_manager.as_str()),
            )
            .help = Some(format!(
                "run `{}` before `docker build`",
                self.package_manager.lock_command()
            ));
        }
    }

    /// The template variables of the package manager (`node/macros.j2` reads them).
    pub fn context(&self) -> PackageManagerContext {
        if self.berry() {
            return self.berry_context();
        }
        let pm = self.package_manager;
        let (tool, force_tool, cache) = match pm {
            NodePackageManager::Npm => (None, false, "/root/.npm"),
            // --force: the official image ships a Yarn of its own; this pins the one wanted.
            NodePackageManager::Yarn => (
                Some(format!("yarn@{}", self.yarn_version)),
                true,
                "/root/.cache/yarn",
            ),
            NodePackageManager::Pnpm => (
                Some(format!("pnpm@{}", self.pnpm_version)),
                false,
                "/root/.local/share/pnpm/store",
            ),
        };
        let (production, all) = match pm {
            NodePackageManager::Npm => (
                "npm ci --omit=dev --no-audit --no-fund".to_owned(),
                "npm ci --no-audit --no-fund".to_owned(),
            ),
            NodePackageManager::Yarn => (
                format!(
                    "yarn install --frozen-lockfile --non-interactive --production --cache-folder {cache}"
                ),
                format!("yarn install --frozen-lockfile --non-interactive --cache-folder {cache}"),
            ),
            NodePackageManager::Pnpm => (
                format!("pnpm install --frozen-lockfile --prod --store-dir {cache}"),
                format!("pnpm install --frozen-lockfile --store-dir {cache}"),
            ),
        };
        // An app without production dependencies gets no node_modules from the install, but
        // the final stage copies one.
        let production = format!("{production} \\\n    && mkdir -p node_modules");
        PackageManagerContext {
            name: pm.as_str(),
            dependency_files: vec!["package.json".to_owned(), pm.lock_file().to_owned()],
            tool,
            force_tool,
            cache,
            install_production: production,
            install_all: all,
            corepack: false,
            env: Vec::new(),
            release: None,
        }
    }

    /// Whether this is Yarn 2 or later (Berry).
    pub fn berry(&self) -> bool {
        self.package_manager == NodePackageManager::Yarn && berry::is_berry(self.yarn_version)
    }

    /// The template variables of Yarn 2+ (Berry): run through corepack, or the committed release.
    fn berry_context(&self) -> PackageManagerContext {
        let yarn = berry::program(self.yarn_path);
        let dependency_files = vec![
            "package.json".to_owned(),
            "yarn.lock".to_owned(),
            ".yarnrc.yml".to_owned(),
        ];
        PackageManagerContext {
            name: "yarn",
            dependency_files,
            tool: self
                .yarn_path
                .is_none()
                .then(|| format!("yarn@{}", self.yarn_version)),
            force_tool: false,
            cache: berry::CACHE,
            install_production: format!(
                "{yarn} workspaces focus --production \\\n    && mkdir -p node_modules"
            ),
            install_all: format!("{yarn} install --immutable"),
            corepack: self.yarn_path.is_none(),
            env: berry::env(),
            release: self.yarn_path.map(str::to_owned),
        }
    }
}

/// What says that the project in `dir` uses Yarn 2 or later (Berry), if anything does: a
/// `yarn.lock` with Berry's `__metadata:`, `.yarnrc.yml`, or `packageManager: yarn@2+`.
pub fn berry_evidence(dir: &std::path::Path) -> Option<String> {
    let lock = std::fs::read_to_string(dir.join("yarn.lock")).unwrap_or_default();
    if lock.lines().any(|l| l.starts_with("__metadata:")) {
        return Some("yarn.lock is a Yarn 2+ (Berry) lock file (`__metadata:`)".to_owned());
    }
    if dir.join(".yarnrc.yml").is_file() {
        return Some(".yarnrc.yml configures Yarn 2+ (Berry)".to_owned());
    }
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).ok()?).ok()?;
    let field = package.get("packageManager")?.as_str()?;
    let version = field.strip_prefix("yarn@")?;
    (!version.starts_with("1.")).then(|| format!("package.json says packageManager \"{field}\""))
}

/// Checks the Yarn of the project in `root` (shown as `shown`) against the manifest's: Yarn 1
/// cannot read a Berry project, and a Berry project needs the node-modules linker, corepack's
/// `packageManager` (or a committed release) and a Berry lock file.
pub fn berry_check(
    c: &mut Checker<'_>,
    at: &[Seg<'_>],
    root: &std::path::Path,
    shown: &str,
    yarn_version: &str,
    yarn_path: Option<&str>,
) {
    if berry::is_berry(yarn_version) {
        berry::check(c, at, root, shown, yarn_version, yarn_path);
        return;
    }
    let Some(why) = berry_evidence(root) else {
        return;
    };
    let place = if shown == "." {
        String::new()
    } else {
        format!(" (in {shown})")
    };
    let (version, _) = berry::detect(root);
    c.error(
        "yarn-berry",
        at,
        format!("{why}{place}: yarn_version `{yarn_version}` installs with Yarn 1 (classic), which cannot read it, so the build would fail"),
        "the project uses Yarn 2+",
    )
    .help = Some(match version {
        Some(v) => format!("set yarn_version = \"{v}\" (Yarn 4+ runs through corepack; it needs `nodeLinker: node-modules`)"),
        None => "set yarn_version to the project's Yarn 4+ version, and pin it in package.json (`\"packageManager\": \"yarn@X.Y.Z\"`)".to_owned(),
    });
}

/// The package manager's template variables.
#[derive(Debug, Clone, Serialize)]
pub struct PackageManagerContext {
    /// `npm`, `yarn` or `pnpm`.
    pub name: &'static str,
    /// The files the install reads, copied before the sources (P09).
    pub dependency_files: Vec<String>,
    /// The npm package installed globally first (pinned), e.g. `pnpm@10.34.8`.
    pub tool: Option<String>,
    /// Whether that install must overwrite a copy the image already has.
    pub force_tool: bool,
    /// The package cache, a BuildKit cache mount (never in a layer).
    pub cache: &'static str,
    /// Installs the production dependencies only.
    pub install_production: String,
    /// Installs every dependency, dev dependencies included.
    pub install_all: String,
    /// Whether `tool` is enabled and installed through corepack (Yarn 2+) instead of npm.
    pub corepack: bool,
    /// `KEY=value` settings of the stages that install (Yarn 2+: its cache, telemetry).
    pub env: Vec<String>,
    /// Yarn 2+: the committed release (`yarnPath`), copied at its own path before the
    /// dependency files.
    pub release: Option<String>,
}

/// Whether `value` is `parts` dot-separated numbers, none longer than 9 digits.
fn is_version(value: &str, parts: std::ops::RangeInclusive<usize>) -> bool {
    crate::manifest::is_version(value, parts) && value.split('.').all(|p| p.len() <= 9)
}

/// Whether `value` is a plain relative path (letters, digits, `.`, `_`, `-`, `/`, no `..`), as
/// a build output must be: it is written into `.dockerignore` and COPY lines.
pub fn is_plain_relative_path(value: &str) -> bool {
    crate::values::PlainPath::is(value, crate::values::PathShape::RELATIVE)
}

/// Checks a build command and its output, shared with the static stack.
pub fn validate_build(
    c: &mut Checker<'_>,
    table: &'static str,
    build: &[String],
    output: &str,
    sources: &[String],
) {
    if build.is_empty() {
        return;
    }
    if build[0].trim().is_empty() {
        c.error(
            "build-empty",
            &[table.into(), "build".into(), 0.into()],
            "the build command's program is empty",
            "empty program",
        );
    }
    if !is_plain_relative_path(output) {
        c.error(
            "build-output",
            &[table.into(), "output".into()],
            format!("build output `{output}` must be a plain relative path inside the project"),
            "expected e.g. \"dist\"",
        )
        .help = Some(
            "use letters, digits, `.`, `_`, `-` and `/`, without `..` or a leading `/`".to_owned(),
        );
        return;
    }
    let output = output.trim_end_matches('/');
    let clash = sources.iter().position(|s| {
        let s = s.trim_end_matches('/').trim_start_matches("./");
        s == output || output.starts_with(&format!("{s}/")) || s.starts_with(&format!("{output}/"))
    });
    if let Some(i) = clash {
        c.error(
            "build-output",
            &["app".into(), "sources".into(), i.into()],
            format!("`{}` overlaps the build output `{output}`", sources[i]),
            "the build writes here",
        )
        .help = Some(
            "list the build's inputs in sources; the output is made in the build stage".to_owned(),
        );
    }
}

/// Checks `[node] assets`: plain relative paths that exist, outside the build output.
fn validate_assets(c: &mut Checker<'_>, s: &NodeSettings) {
    let output = s.output.trim_end_matches('/');
    for (i, asset) in s.assets.iter().enumerate() {
        let at = ["node".into(), "assets".into(), i.into()];
        if !is_plain_relative_path(asset) {
            c.error(
                "node-assets",
                &at,
                format!("asset `{asset}` must be a plain relative path inside the project"),
                "expected e.g. \"public\"",
            );
            continue;
        }
        let asset = asset.trim_end_matches('/');
        if !s.build.is_empty()
            && (asset == output
                || asset.starts_with(&format!("{output}/"))
                || output.starts_with(&format!("{asset}/")))
        {
            c.error(
                "node-assets",
                &at,
                format!("`{asset}` overlaps the build output `{output}`"),
                "the build writes here",
            );
            continue;
        }
        c.must_exist(&at, asset, "asset", true);
    }
}

/// The templates, named `node/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/node/templates");

/// The Node.js stack.
pub struct Node;

/// The workspace root relative to a service at `path` in it: `../..` for `apps/api`.
pub fn workspace_root_of(path: &str) -> String {
    workspace::root_of(path)
}

/// Whether `manifest` is a Node.js service inside a workspace, built from the workspace root.
pub fn in_workspace(manifest: &Manifest) -> bool {
    manifest.stack == StackName::Node
        && manifest
            .node
            .as_ref()
            .is_some_and(|s| s.workspace.is_some())
}

fn toolchain(s: &NodeSettings) -> Toolchain<'_> {
    Toolchain {
        table: "node",
        version_key: "version",
        version: &s.version,
        package_manager: s.package_manager,
        pnpm_version: &s.pnpm_version,
        yarn_version: &s.yarn_version,
        yarn_path: s.yarn_path.as_deref(),
        in_workspace: s.workspace.is_some(),
    }
}

/// Whether the app runs as the official image's own `node` user (no `[user]` of its own).
fn image_user(user: &User) -> bool {
    let default = User::default();
    (user.name == default.name && user.uid.is_none())
        || (user.name == "node" && user.uid.is_none_or(|uid| uid == NODE_IMAGE_UID))
}

#[derive(Serialize)]
struct Context {
    pm: PackageManagerContext,
    /// The workspace build, when the service lives in a workspace.
    ws: Option<workspace::WorkspaceContext>,
    /// compose's `build:` when the context is not the manifest's folder.
    compose_build: Option<ComposeBuild>,
    build: Vec<String>,
    output: Option<String>,
    assets: Vec<String>,
    image_user: bool,
    image_uid: u32,
}

/// compose's `build:` of a service whose build context is elsewhere.
#[derive(Serialize)]
struct ComposeBuild {
    /// The context, relative to compose.yaml.
    context: String,
    /// The Dockerfile, relative to the context.
    dockerfile: String,
}

impl Stack for Node {
    type Settings = NodeSettings;

    fn table(manifest: &Manifest) -> Option<&NodeSettings> {
        manifest.node.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::Node)
    }

    fn name(&self) -> StackName {
        StackName::Node
    }

    fn description(&self) -> &'static str {
        "Node.js with npm, yarn or pnpm, and an optional build step"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["node"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = Node::settings(manifest);
        toolchain(&s).validate(c);
        validate_build(c, "node", &s.build, &s.output, &manifest.app.sources);
        validate_assets(c, &s);
        if let Some(path) = &s.workspace {
            workspace::validate(
                c,
                s.package_manager,
                &s.yarn_version,
                s.yarn_path.as_deref(),
                path,
                &s.workspace_packages,
                &manifest.app.sources,
            );
            workspace::validate_builds(c, path, &s.workspace_packages, &s.workspace_builds);
        } else if !s.workspace_packages.is_empty() || !s.workspace_builds.is_empty() {
            c.error(
                "node-workspace",
                &["node".into(), "workspace_packages".into()],
                "workspace packages without `workspace`",
                "needs [node] workspace",
            )
            .help = Some(
                "set `workspace` to this service's folder relative to the workspace root"
                    .to_owned(),
            );
        }
        if manifest.user.name == "node"
            && manifest.user.uid.is_some_and(|uid| uid != NODE_IMAGE_UID)
        {
            c.error(
                "node-user",
                &["user".into(), "uid".into()],
                format!("the official image's `node` user has UID {NODE_IMAGE_UID}"),
                "not the node user's UID",
            )
            .help = Some(
                "leave out [user] to run as the image's own `node` user, or name another user"
                    .to_owned(),
            );
        }
        if let Some(program) = manifest.app.command.first()
            && ["npm", "yarn", "pnpm", "npx"].contains(&program.as_str())
        {
            c.warning(
                "node-command",
                &["app".into(), "command".into(), 0.into()],
                format!("`{program}` as the container's command stands between the app and its signals"),
                "runs node through a package manager",
            )
            .help = Some(
                "run node itself, e.g. [\"node\", \"server.js\"]: a package manager does not pass SIGTERM on, so the app cannot shut down cleanly"
                    .to_owned(),
            );
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        toolchain(&Node::settings(manifest)).base_image()
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = Node::settings(manifest);
        let has_build = !s.build.is_empty();
        let tc = toolchain(&s);
        let pm = tc.context();
        let berry = tc.berry().then(|| workspace::Berry {
            program: berry::program(s.yarn_path.as_deref()),
            words: berry::program_words(s.yarn_path.as_deref()),
            files: pm.dependency_files[2..].to_vec(),
        });
        let ws = s.workspace.as_deref().map(|path| {
            workspace::context(
                s.package_manager,
                path,
                &s.workspace_packages,
                &s.workspace_builds,
                pm.cache,
                berry.as_ref(),
            )
        });
        let compose_build = ws.as_ref().map(|ws| ComposeBuild {
            context: ws.root.clone(),
            dockerfile: format!("{}/Dockerfile", ws.path),
        });
        minijinja::Value::from(minijinja::value::Serde(Context {
            pm,
            ws,
            compose_build,
            build: s.build.clone(),
            output: has_build.then(|| s.output.trim_end_matches('/').to_owned()),
            assets: if has_build {
                s.assets
                    .iter()
                    .map(|a| a.trim_end_matches('/').to_owned())
                    .collect()
            } else {
                Vec::new()
            },
            image_user: image_user(&manifest.user),
            image_uid: NODE_IMAGE_UID,
        }))
    }

    /// The inspector is built into node: the debug run only sets `NODE_OPTIONS`, so the image is
    /// the production one, unchanged.
    fn build_secret(
        &self,
        manifest: &Manifest,
        kind: crate::manifest::SecretKind,
    ) -> Option<Result<(), String>> {
        (kind == crate::manifest::SecretKind::Npmrc).then(|| {
            if toolchain(&Node::settings(manifest)).berry() {
                Err(berry::NPMRC_REFUSED.to_owned())
            } else {
                Ok(())
            }
        })
    }

    fn debug(
        &self,
        manifest: &Manifest,
        debug: &crate::manifest::Debug,
    ) -> Option<super::DebugSetup> {
        let port = debug.port.unwrap_or(9229);
        let flag = if debug.wait_for_client {
            "--inspect-brk"
        } else {
            "--inspect"
        };
        let launch = serde_json::json!({
            "name": format!("{}: attach", manifest.name),
            "type": "node",
            "request": "attach",
            "address": "127.0.0.1",
            "port": port,
            "localRoot": "${workspaceFolder}",
            "remoteRoot": manifest.app.workdir,
            "restart": true,
        });
        Some(super::DebugSetup {
            port,
            stage: false,
            command: None,
            environment: vec![("NODE_OPTIONS".to_owned(), format!("{flag}=0.0.0.0:{port}"))],
            version: String::new(),
            launch,
        })
    }

    fn probe_command(&self, probe: &Probe) -> Vec<String> {
        let code = match probe {
            Probe::Http {
                port,
                path,
                timeout_secs,
            } => format!(
                "require('http').get('http://127.0.0.1:{port}{path}', {{ timeout: {ms} }}, (res) => process.exit(res.statusCode >= 200 && res.statusCode < 400 ? 0 : 1)).on('timeout', () => process.exit(1)).on('error', () => process.exit(1))",
                ms = timeout_secs * 1000
            ),
            Probe::Tcp { port, timeout_secs } => format!(
                "require('net').connect({port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1)).setTimeout({ms}, () => process.exit(1))",
                ms = timeout_secs * 1000
            ),
        };
        vec!["node".to_owned(), "-e".to_owned(), code]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_version("22", 1..=3));
        assert!(is_version("22.11.0", 1..=3));
        assert!(!is_version("22.x", 1..=3));
        assert!(!is_version("", 1..=3));
        assert!(!is_version("lts", 1..=3));
        assert!(is_version("10.34.8", 3..=3));
        assert!(!is_version("10", 3..=3));
    }

    #[test]
    fn plain_relative_paths() {
        for ok in ["dist", "build/site", "out/", "_site"] {
            assert!(is_plain_relative_path(ok), "{ok}");
        }
        for bad in [
            "", ".", "/dist", "../dist", "a/../b", "my dist", "d$x", "a//b",
        ] {
            assert!(!is_plain_relative_path(bad), "{bad}");
        }
    }

    #[test]
    fn install_commands_never_take_dev_dependencies_into_production() {
        for pm in [
            NodePackageManager::Npm,
            NodePackageManager::Yarn,
            NodePackageManager::Pnpm,
        ] {
            let t = Toolchain {
                table: "node",
                version_key: "version",
                version: "22",
                package_manager: pm,
                pnpm_version: DEFAULT_PNPM_VERSION,
                yarn_version: DEFAULT_YARN_VERSION,
                yarn_path: None,
                in_workspace: false,
            };
            let ctx = t.context();
            assert!(
                ctx.install_production.contains("--omit=dev")
                    || ctx.install_production.contains("--production")
                    || ctx.install_production.contains("--prod"),
                "{pm:?}"
            );
            assert!(
                ctx.install_all.contains(" ci ") || ctx.install_all.contains("--frozen-lockfile"),
                "{pm:?}: installs from the lock file"
            );
            assert_eq!(ctx.dependency_files[1], pm.lock_file());
        }
    }

    #[test]
    fn the_image_user_unless_another_is_named() {
        assert!(image_user(&User::default()));
        assert!(image_user(&User {
            name: "node".into(),
            uid: Some(1000)
        }));
        assert!(!image_user(&User {
            name: "web".into(),
            uid: None
        }));
        assert!(!image_user(&User {
            name: "app".into(),
            uid: Some(10001)
        }));
    }
}

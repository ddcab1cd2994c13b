//! A service inside an npm, Yarn 1 or pnpm workspace (`[node] workspace`).
//!
//! The build context is the workspace root. The dependency layer gets the root's `package.json`
//! and lock file (and `pnpm-workspace.yaml`), the service's `package.json` and those of the
//! workspace packages it depends on, and installs only the service's production dependency
//! closure: `npm ci --workspace DIR --omit=dev`, `pnpm install --filter "{DIR}..." --prod`, or
//! Yarn 1's `install --production` (Yarn 1 installs the workspaces whose `package.json` it finds,
//! and only those are there). The sources of the service and of those packages are copied after
//! it (P09).

use serde::Serialize;

use super::{NodePackageManager, is_plain_relative_path};
use crate::manifest::Checker;

/// How a Yarn 2+ workspace runs Yarn.
#[derive(Debug, Clone)]
pub struct Berry {
    /// The program in a shell command: `yarn`, or `node .yarn/releases/yarn-4.9.2.cjs`.
    pub program: String,
    /// The same as exec-form words.
    pub words: Vec<String>,
    /// Files of the root Yarn reads besides package.json and yarn.lock.
    pub files: Vec<String>,
}

/// The template variables of a workspace build.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceContext {
    /// The service's folder relative to the workspace root, e.g. `apps/api`.
    pub path: String,
    /// The workspace root relative to the service's folder, e.g. `../..`.
    pub root: String,
    /// Files of the root the install reads: `package.json`, the lock file, `pnpm-workspace.yaml`.
    pub root_files: Vec<String>,
    /// The `package.json` of the service and of each workspace package it depends on.
    pub manifests: Vec<String>,
    /// The workspace packages the service depends on (folders relative to the root).
    pub packages: Vec<String>,
    /// Installs the service's production dependency closure.
    pub install_production: String,
    /// Installs the closure with dev dependencies, and the root's own (build tools often live
    /// there).
    pub install_all: String,
    /// The workspace packages built in the build stage, in order.
    pub builds: Vec<BuildStep>,
}

/// One workspace package's build.
#[derive(Debug, Clone, Serialize)]
pub struct BuildStep {
    /// The package folder.
    pub package: String,
    /// Its output, relative to the workspace root, e.g. `packages/shared/dist`.
    pub output: String,
    /// The command, exec form: the package's `build` script.
    pub command: Vec<String>,
}

/// `../..` for `apps/api`.
pub fn root_of(path: &str) -> String {
    let depth = path.trim_end_matches('/').split('/').count();
    vec![".."; depth].join("/")
}

/// The files of the workspace root the install needs.
pub fn root_files(pm: NodePackageManager) -> Vec<String> {
    let mut files = vec!["package.json".to_owned(), pm.lock_file().to_owned()];
    if pm == NodePackageManager::Pnpm {
        files.push("pnpm-workspace.yaml".to_owned());
    }
    files
}

/// The template variables for the service at `path` with the workspace `packages`.
/// `berry`: with Yarn 2+, how Yarn is run and the files of the root it reads besides
/// `package.json` and `yarn.lock` (`.yarnrc.yml`, the committed release).
pub fn context(
    pm: NodePackageManager,
    path: &str,
    packages: &[String],
    builds: &[String],
    cache: &str,
    berry: Option<&Berry>,
) -> WorkspaceContext {
    let builds: Vec<(String, String)> = builds
        .iter()
        .filter_map(|output| split_build(packages, output))
        .collect();
    let path = path.trim_end_matches('/').to_owned();
    let packages: Vec<String> = packages
        .iter()
        .map(|p| p.trim_end_matches('/').to_owned())
        .collect();
    let mut manifests = vec![format!("{path}/package.json")];
    manifests.extend(packages.iter().map(|p| format!("{p}/package.json")));
    let (production, all) = match (pm, berry) {
        (NodePackageManager::Yarn, Some(berry)) => (
            // Only this service and the workspaces it depends on, without dev dependencies.
            format!(
                "{} --cwd {path} workspaces focus --production",
                berry.program
            ),
            // Every workspace whose package.json is here (the closure, the root): `install
            // --immutable` would refuse the workspaces that are left out.
            format!("{} workspaces focus --all", berry.program),
        ),
        (NodePackageManager::Npm, _) => (
            format!("npm ci --omit=dev --workspace {path} --no-audit --no-fund"),
            format!(
                "npm ci --workspace {path}{} --include-workspace-root --no-audit --no-fund",
                builds
                    .iter()
                    .map(|(package, _)| format!(" --workspace {package}"))
                    .collect::<String>()
            ),
        ),
        (NodePackageManager::Yarn, None) => (
            format!(
                "yarn install --frozen-lockfile --non-interactive --production --cache-folder {cache}"
            ),
            format!("yarn install --frozen-lockfile --non-interactive --cache-folder {cache}"),
        ),
        (NodePackageManager::Pnpm, _) => (
            format!(
                "pnpm install --frozen-lockfile --prod --filter \"{{{path}}}...\" --store-dir {cache}"
            ),
            format!(
                "pnpm install --frozen-lockfile --filter \"{{{path}}}...\" --filter \"{{.}}\" --store-dir {cache}"
            ),
        ),
    };
    let mut root_files = root_files(pm);
    if let Some(berry) = berry {
        root_files.extend(berry.files.iter().cloned());
    }
    WorkspaceContext {
        root: root_of(&path),
        root_files,
        manifests,
        packages,
        path,
        install_production: format!("{production} \\\n    && mkdir -p node_modules"),
        install_all: all,
        builds: builds
            .into_iter()
            .map(|(package, output)| {
                let words: Vec<String> = match pm {
                    NodePackageManager::Npm => ["npm", "run", "build", "--workspace", &package]
                        .map(str::to_owned)
                        .to_vec(),
                    NodePackageManager::Pnpm => [
                        "pnpm",
                        "--filter",
                        &format!("{{{package}}}"),
                        "run",
                        "build",
                    ]
                    .map(str::to_owned)
                    .to_vec(),
                    NodePackageManager::Yarn => {
                        let mut words =
                            berry.map_or_else(|| vec!["yarn".to_owned()], |b| b.words.clone());
                        words.extend(["--cwd", &package, "run", "build"].map(str::to_owned));
                        words
                    }
                };
                BuildStep {
                    output: format!("{package}/{output}"),
                    command: words,
                    package,
                }
            })
            .collect(),
    }
}

/// `packages/shared/dist` as (`packages/shared`, `dist`): the longest workspace package that
/// holds the output folder.
fn split_build(packages: &[String], output: &str) -> Option<(String, String)> {
    let output = output.trim_end_matches('/');
    packages
        .iter()
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| output.starts_with(&format!("{p}/")))
        .max_by_key(|p| p.len())
        .map(|p| (p.to_owned(), output[p.len() + 1..].to_owned()))
}

/// Checks the workspace settings and, with the project directory, that the workspace root has
/// what the install reads: a missing lock file is an error, since the build cannot work without.
#[allow(clippy::too_many_arguments)]
pub fn validate(
    c: &mut Checker<'_>,
    pm: NodePackageManager,
    yarn_version: &str,
    yarn_path: Option<&str>,
    path: &str,
    packages: &[String],
    sources: &[String],
) {
    let mut ok = true;
    if !is_plain_relative_path(path) {
        ok = false;
        c.error(
            "node-workspace",
            &["node".into(), "workspace".into()],
            format!("workspace path `{path}` must be a plain relative path"),
            "expected e.g. \"apps/api\"",
        )
        .help = Some(
            "this service's folder relative to the workspace root: letters, digits, `.`, `_`, `-` and `/`, without `..`"
                .to_owned(),
        );
    }
    for (i, package) in packages.iter().enumerate() {
        if !is_plain_relative_path(package) {
            ok = false;
            c.error(
                "node-workspace",
                &["node".into(), "workspace_packages".into(), i.into()],
                format!("workspace package `{package}` must be a plain relative path"),
                "expected e.g. \"packages/shared\"",
            );
        } else if package.trim_end_matches('/') == path.trim_end_matches('/') {
            c.error(
                "node-workspace",
                &["node".into(), "workspace_packages".into(), i.into()],
                format!("`{package}` is this service itself"),
                "the service's own folder",
            )
            .help = Some("list only the workspace packages the service depends on".to_owned());
        }
    }
    for (i, source) in sources.iter().enumerate() {
        if !is_plain_relative_path(source) {
            c.error(
                "node-workspace",
                &["app".into(), "sources".into(), i.into()],
                format!("`{source}` must be a plain relative path in a workspace build"),
                "copied from the workspace root",
            )
            .help = Some(
                "letters, digits, `.`, `_`, `-` and `/`: the Dockerfile and the allow-list .dockerignore name it under the service's folder"
                    .to_owned(),
            );
        }
    }
    let Some(dir) = c.project_dir().map(std::path::Path::to_path_buf) else {
        return;
    };
    if !ok {
        return;
    }
    let root = dir.join(root_of(path));
    let at = &["node".into(), "workspace".into()];
    let same = match (root.join(path).canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        c.error(
            "node-workspace",
            at,
            format!("this manifest's folder is not `{path}` under its workspace root"),
            "not where the manifest is",
        )
        .help = Some(
            "set it to the manifest's folder relative to the workspace root (the folder whose package.json has `workspaces`, or pnpm-workspace.yaml)"
                .to_owned(),
        );
        return;
    }
    let shown_root = root_of(path);
    if pm == NodePackageManager::Yarn {
        super::berry_check(c, at, &root, &shown_root, yarn_version, yarn_path);
    }
    for file in root_files(pm) {
        if root.join(&file).is_file() {
            continue;
        }
        let (message, help) = if file == pm.lock_file() {
            (
                format!(
                    "the workspace has no lock file: {shown_root}/{file} does not exist, and the image installs from it"
                ),
                format!(
                    "run `{}` in the workspace root ({shown_root}), then render again",
                    match pm {
                        NodePackageManager::Npm => "npm install",
                        NodePackageManager::Yarn => "yarn install",
                        NodePackageManager::Pnpm => "pnpm install",
                    }
                ),
            )
        } else {
            (
                format!("{shown_root}/{file} does not exist"),
                format!("the {} workspace root needs it", pm.as_str()),
            )
        };
        c.error("node-workspace", at, message, "workspace root")
            .help = Some(help);
    }
    for (i, package) in packages.iter().enumerate() {
        let package = package.trim_end_matches('/');
        if !root.join(package).join("package.json").is_file() {
            c.error(
                "node-workspace",
                &["node".into(), "workspace_packages".into(), i.into()],
                format!("{shown_root}/{package}/package.json does not exist"),
                "not a workspace package",
            )
            .help = Some("name folders relative to the workspace root".to_owned());
        }
    }
}

/// Checks `workspace_builds`: each is one of the workspace packages, with a plain output folder
/// and a `build` script in its package.json.
pub fn validate_builds(c: &mut Checker<'_>, path: &str, packages: &[String], builds: &[String]) {
    let root = c
        .project_dir()
        .filter(|_| is_plain_relative_path(path))
        .map(|dir| dir.join(root_of(path)));
    for (i, output) in builds.iter().enumerate() {
        let at = ["node".into(), "workspace_builds".into(), i.into()];
        if !is_plain_relative_path(output) {
            c.error(
                "node-workspace",
                &at,
                format!("workspace build output `{output}` must be a plain relative path"),
                "expected e.g. \"packages/shared/dist\"",
            );
            continue;
        }
        let Some((package, _)) = split_build(packages, output) else {
            c.error(
                "node-workspace",
                &at,
                format!("`{output}` is not inside one of [node] workspace_packages"),
                "not a workspace package's output",
            )
            .help = Some("name the output folder under the package's folder, e.g. \"packages/shared/dist\", and list the package in workspace_packages".to_owned());
            continue;
        };
        let Some(ws_root) = &root else { continue };
        let manifest = ws_root.join(&package).join("package.json");
        let has_build = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|j| j.get("scripts").and_then(|s| s.get("build")).is_some());
        if manifest.is_file() && !has_build {
            c.error(
                "node-workspace",
                &at,
                format!("{package}/package.json has no `build` script"),
                "nothing to run",
            )
            .help = Some("add a `build` script to the package, or remove this entry".to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_as_many_folders_up() {
        assert_eq!(root_of("api"), "..");
        assert_eq!(root_of("apps/api"), "../..");
        assert_eq!(root_of("services/team/api/"), "../../..");
    }

    #[test]
    fn each_manager_installs_only_the_closure_for_production() {
        let packages = vec!["packages/shared/".to_owned()];
        let npm = context(
            NodePackageManager::Npm,
            "apps/api",
            &packages,
            &[],
            "/c",
            None,
        );
        assert!(npm.install_production.contains("--workspace apps/api"));
        assert!(npm.install_production.contains("--omit=dev"));
        assert!(!npm.install_all.contains("--omit=dev"));
        assert_eq!(
            npm.manifests,
            ["apps/api/package.json", "packages/shared/package.json"]
        );
        let pnpm = context(
            NodePackageManager::Pnpm,
            "apps/api",
            &packages,
            &[],
            "/c",
            None,
        );
        assert!(
            pnpm.install_production
                .contains("--filter \"{apps/api}...\"")
        );
        assert!(pnpm.install_production.contains("--prod"));
        assert!(pnpm.root_files.contains(&"pnpm-workspace.yaml".to_owned()));
        let yarn = context(
            NodePackageManager::Yarn,
            "apps/api",
            &packages,
            &[],
            "/c",
            None,
        );
        assert!(yarn.install_production.contains("--production"));
        assert_eq!(yarn.root, "../..");
    }
}

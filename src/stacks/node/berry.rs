//! Yarn 2 and later (Berry) with the node-modules linker (`package_manager = "yarn"` with a
//! `yarn_version` of 4 or later).
//!
//! Yarn runs through corepack, pinned by package.json's `packageManager` (`corepack install
//! --global yarn@X` before the dependency files, so the download is its own cached layer), or
//! with node from the release the project commits (`yarnPath` in `.yarnrc.yml`, `[node]
//! yarn_path`). The runtime's dependencies come from `yarn workspaces focus --production` (Berry
//! has no `install --production`; the command is built into Yarn 4, Yarn 2 and 3 need a plugin and
//! are refused), a build's from `yarn install --immutable`. Yarn's cache is a BuildKit cache mount
//! (`YARN_ENABLE_GLOBAL_CACHE=false`, `YARN_CACHE_FOLDER`), never in a layer or the project (P10);
//! its install state goes to `/tmp`, so it never reaches the image either. Plug'n'Play (Yarn's
//! default linker) is refused: the image copies `node_modules`.

use std::path::Path;

use crate::manifest::{Checker, Seg};

/// Yarn's package cache in the build stages, a BuildKit cache mount.
pub const CACHE: &str = "/root/.yarn/berry/cache";

/// Why an `npmrc` build secret cannot serve Yarn 2+.
pub const NPMRC_REFUSED: &str = "Yarn 2+ reads no .npmrc (its registry and token settings live in .yarnrc.yml), so the secret would not reach the install: a private registry with Yarn 4 is not supported yet";

/// The first Yarn version with `yarn workspaces focus` built in.
const FOCUS_SINCE: u32 = 4;

/// The major version of `version` (`4` for `4.9.2`).
pub fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Whether `version` is Yarn 2 or later.
pub fn is_berry(version: &str) -> bool {
    major(version).is_some_and(|m| m >= 2)
}

/// The environment of the stages that run Berry (`ENV` of the dependency stage, inherited by the
/// build stage, never by the final one).
pub fn env() -> Vec<String> {
    vec![
        "COREPACK_ENABLE_DOWNLOAD_PROMPT=0".to_owned(),
        "YARN_ENABLE_GLOBAL_CACHE=false".to_owned(),
        format!("YARN_CACHE_FOLDER={CACHE}"),
        "YARN_ENABLE_TELEMETRY=0".to_owned(),
        "YARN_INSTALL_STATE_PATH=/tmp/yarn-install-state.gz".to_owned(),
    ]
}

/// How Yarn is run: the corepack shim, or node with the committed release.
pub fn program(yarn_path: Option<&str>) -> String {
    match yarn_path {
        Some(path) => format!("node {path}"),
        None => "yarn".to_owned(),
    }
}

/// The program as exec-form words.
pub fn program_words(yarn_path: Option<&str>) -> Vec<String> {
    match yarn_path {
        Some(path) => vec!["node".to_owned(), path.to_owned()],
        None => vec!["yarn".to_owned()],
    }
}

/// What `.yarnrc.yml` says that matters to the image.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rc {
    /// `nodeLinker` (`pnp` when absent, Yarn's default).
    pub node_linker: Option<String>,
    /// `yarnPath`.
    pub yarn_path: Option<String>,
    /// Line of a `plugins:` key, if any (plugins live in `.yarn/plugins`).
    pub plugins_line: Option<usize>,
    /// Line of `nodeLinker`, if any.
    pub linker_line: Option<usize>,
    /// Registry credentials (`npmAuthToken`, `npmAuthIdent`, at any depth): line, key, and
    /// whether the value is an environment variable Yarn requires (`${X}` without a default).
    pub credentials: Vec<(usize, String, bool)>,
}

/// A top-level scalar of a YAML line: quotes and a trailing comment removed.
fn scalar(value: &str) -> String {
    let value = value.trim();
    let value = match value.chars().next() {
        Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or_default(),
        _ => value.split(" #").next().unwrap_or_default().trim(),
    };
    value.to_owned()
}

/// Reads the top-level keys of `.yarnrc.yml` in `dir`; `None` without the file.
pub fn read_rc(dir: &Path) -> Option<Rc> {
    let text = std::fs::read_to_string(dir.join(".yarnrc.yml")).ok()?;
    let mut rc = Rc::default();
    for (i, line) in text.lines().enumerate() {
        if let Some((key, value)) = line.trim_start().split_once(':')
            && ["npmAuthToken", "npmAuthIdent"].contains(&key.trim().trim_matches(['"', '\'']))
        {
            let value = scalar(value);
            let from_env = value.starts_with("${") && !value.contains('-') && !value.contains(":-");
            if !value.is_empty() && (!value.starts_with("${") || from_env) {
                rc.credentials
                    .push((i + 1, key.trim().to_owned(), from_env));
            }
        }
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim().trim_matches(['"', '\'']) {
            "nodeLinker" => {
                rc.node_linker = Some(scalar(value));
                rc.linker_line = Some(i + 1);
            }
            "yarnPath" => rc.yarn_path = Some(scalar(value)),
            "plugins" => rc.plugins_line = Some(i + 1),
            _ => {}
        }
    }
    Some(rc)
}

/// package.json's `packageManager` in `dir`, if it has one.
pub fn package_manager_field(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("packageManager")?.as_str().map(str::to_owned)
}

/// The version in `yarn@4.9.2+sha512.…` (`4.9.2`), when the field names Yarn.
pub fn field_version(field: &str) -> Option<&str> {
    let version = field.strip_prefix("yarn@")?;
    Some(version.split('+').next().unwrap_or(version))
}

/// The version in a release file name such as `.yarn/releases/yarn-4.9.2.cjs`.
pub fn release_version(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let version = name.strip_prefix("yarn-")?;
    let version = version
        .strip_suffix(".cjs")
        .or_else(|| version.strip_suffix(".js"))?;
    crate::manifest::is_version(version, 3..=3).then(|| version.to_owned())
}

/// What `dgen init` pins for a Berry project in `dir`: the Yarn version (from `packageManager`,
/// else from the `yarnPath` release's file name) and the committed release.
pub fn detect(dir: &Path) -> (Option<String>, Option<String>) {
    let rc = read_rc(dir).unwrap_or_default();
    let from_field = package_manager_field(dir)
        .as_deref()
        .and_then(field_version)
        .filter(|v| is_berry(v))
        .map(str::to_owned);
    let yarn_path = rc
        .yarn_path
        .filter(|p| super::is_plain_relative_path(p) && dir.join(p).is_file());
    let version = from_field.or_else(|| yarn_path.as_deref().and_then(release_version));
    (version, yarn_path)
}

/// Checks a Berry project (its root, shown as `shown`) against `yarn_version`/`yarn_path`:
/// the node-modules linker, corepack's `packageManager`, `yarnPath`, the lock file's format.
pub fn check(
    c: &mut Checker<'_>,
    at: &[Seg<'_>],
    root: &Path,
    shown: &str,
    version: &str,
    yarn_path: Option<&str>,
) {
    let prefix = if shown == "." {
        String::new()
    } else {
        format!("{shown}/")
    };
    let rc = read_rc(root);
    match rc
        .as_ref()
        .map(|rc| (rc.node_linker.as_deref().unwrap_or("pnp"), rc.linker_line))
    {
        None => {
            c.error(
                "yarn-berry",
                at,
                format!("Yarn {version} without {prefix}.yarnrc.yml uses Plug'n'Play, Yarn's default linker, which the image does not support"),
                "needs the node-modules linker",
            )
            .help = Some(format!(
                "create {prefix}.yarnrc.yml with the line `nodeLinker: node-modules`, run `yarn install`, and commit both"
            ));
        }
        Some(("node-modules", _)) => {}
        Some((linker, line)) => {
            let line = line.map(|l| format!(":{l}")).unwrap_or_default();
            c.error(
                "yarn-berry",
                at,
                format!("{prefix}.yarnrc.yml{line}: the `{linker}` linker (Plug'n'Play is Yarn's default) is not supported: the image copies node_modules"),
                "needs the node-modules linker",
            )
            .help = Some(format!(
                "set `nodeLinker: node-modules` in {prefix}.yarnrc.yml, run `yarn install`, and commit yarn.lock"
            ));
        }
    }
    let rc = rc.unwrap_or_default();
    for (line, key, from_env) in &rc.credentials {
        let (message, help) = if *from_env {
            (
                format!(
                    "{prefix}.yarnrc.yml:{line}: `{key}` reads an environment variable the image build does not set, so Yarn's install fails"
                ),
                "a private registry with Yarn 2+ is not supported yet: publish the packages where the build can read them without a token, or use npm or pnpm with an `npmrc` build secret",
            )
        } else {
            (
                format!(
                    "{prefix}.yarnrc.yml:{line}: `{key}` holds a credential, and .yarnrc.yml is copied into the build"
                ),
                "never commit a token: move it out of .yarnrc.yml (a private registry with Yarn 2+ is not supported yet)",
            )
        };
        c.error("yarn-berry", at, message, "a registry credential")
            .help = Some(help.to_owned());
    }
    if let Some(line) = rc.plugins_line {
        c.error(
            "yarn-berry",
            at,
            format!("{prefix}.yarnrc.yml:{line}: Yarn plugins (.yarn/plugins) are not copied into the build"),
            "plugins are not supported",
        )
        .help = Some(
            "Yarn 4 has workspace-tools, interactive-tools, typescript and version built in: remove them from `plugins:` (`yarn plugin remove NAME`)".to_owned(),
        );
    }
    match (rc.yarn_path.as_deref(), yarn_path) {
        (Some(rc_path), None) => {
            c.error(
                "yarn-berry",
                at,
                format!("{prefix}.yarnrc.yml sets yarnPath `{rc_path}`, which the build needs"),
                "yarn_path is not set",
            )
            .help = Some(format!("set [node] yarn_path = \"{rc_path}\""));
        }
        (rc_path, Some(path)) if rc_path != Some(path) => {
            c.error(
                "yarn-berry",
                &["node".into(), "yarn_path".into()],
                format!(
                    "`{path}` is not the yarnPath of {prefix}.yarnrc.yml ({})",
                    rc_path.map_or("none".to_owned(), |p| format!("`{p}`"))
                ),
                "not what Yarn runs",
            )
            .help = Some(
                "set it to .yarnrc.yml's yarnPath, or remove it to run Yarn through corepack"
                    .to_owned(),
            );
        }
        (_, Some(path)) => {
            if !root.join(path).is_file() {
                c.error(
                    "yarn-berry",
                    &["node".into(), "yarn_path".into()],
                    format!("{prefix}{path} does not exist"),
                    "the committed Yarn release",
                )
                .help = Some(format!(
                    "run `yarn set version {version}` and commit {prefix}.yarn/releases"
                ));
            }
        }
        (None, None) => {}
    }
    let field = package_manager_field(root);
    match field.as_deref() {
        None if yarn_path.is_none() => {
            c.error(
                "yarn-berry",
                at,
                format!("{prefix}package.json has no `packageManager`: corepack needs it to run Yarn {version}"),
                "corepack needs packageManager",
            )
            .help = Some(format!(
                "add `\"packageManager\": \"yarn@{version}\"` to {prefix}package.json (`corepack use yarn@{version}` writes it), or commit the release with `yarn set version {version}` and set [node] yarn_path"
            ));
        }
        Some(field) => match field_version(field) {
            Some(v) if v == version => {}
            Some(v) => {
                c.error(
                    "yarn-berry",
                    &["node".into(), "yarn_version".into()],
                    format!("yarn_version `{version}` is not the `{v}` that {prefix}package.json's packageManager pins"),
                    "not the project's Yarn",
                )
                .help = Some(format!("set yarn_version = \"{v}\""));
            }
            None => {
                c.error(
                    "yarn-berry",
                    at,
                    format!("{prefix}package.json's packageManager is `{field}`, not Yarn"),
                    "not Yarn",
                )
                .help = Some("set package_manager to the project's package manager".to_owned());
            }
        },
        None => {}
    }
    if let Ok(lock) = std::fs::read_to_string(root.join("yarn.lock"))
        && !lock.lines().any(|l| l.starts_with("__metadata:"))
    {
        c.error(
            "yarn-berry",
            at,
            format!("{prefix}yarn.lock is a Yarn 1 lock file, and Yarn {version} installs with --immutable"),
            "not a Yarn 2+ lock file",
        )
        .help = Some(format!(
            "run `yarn install` with Yarn {version} in {} and commit the converted yarn.lock",
            if shown == "." { "the project" } else { shown }
        ));
    }
}

/// Checks `yarn_version` and `yarn_path` of a Berry project without reading files.
pub fn check_settings(
    c: &mut Checker<'_>,
    table: &'static str,
    version: &str,
    yarn_path: Option<&str>,
) {
    if major(version).is_some_and(|m| m < FOCUS_SINCE) {
        c.error(
            "yarn-berry",
            &[table.into(), "yarn_version".into()],
            format!("Yarn {version}: the image installs the production dependencies with `yarn workspaces focus --production`, built into Yarn 4 and later; Yarn 2 and 3 need the workspace-tools plugin"),
            "Yarn 4 or later",
        )
        .help = Some(
            "upgrade with `yarn set version stable` (Yarn 4), or use Yarn 1, npm or pnpm"
                .to_owned(),
        );
    }
    if let Some(path) = yarn_path
        && (!super::is_plain_relative_path(path)
            || !(path.ends_with(".cjs") || path.ends_with(".js")))
    {
        c.error(
            "yarn-berry",
            &[table.into(), "yarn_path".into()],
            format!("yarn_path `{path}` must be a plain relative path to a .cjs or .js file"),
            "expected e.g. \".yarn/releases/yarn-4.9.2.cjs\"",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yarnrc_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".yarnrc.yml"),
            "# comment\nnodeLinker: \"node-modules\" # why\nyarnPath: .yarn/releases/yarn-4.9.2.cjs\nnpmScopes:\n  x:\n    nodeLinker: pnp\n",
        )
        .unwrap();
        let rc = read_rc(dir.path()).unwrap();
        assert_eq!(rc.node_linker.as_deref(), Some("node-modules"));
        assert_eq!(rc.linker_line, Some(2));
        assert_eq!(
            rc.yarn_path.as_deref(),
            Some(".yarn/releases/yarn-4.9.2.cjs")
        );
        assert_eq!(rc.plugins_line, None);
        assert!(rc.credentials.is_empty());
        std::fs::write(
            dir.path().join(".yarnrc.yml"),
            "npmAuthToken: abc123\nnpmScopes:\n  acme:\n    npmAuthToken: \"${NPM_TOKEN}\"\n    npmAuthIdent: \"${IDENT:-}\"\n",
        )
        .unwrap();
        assert_eq!(
            read_rc(dir.path()).unwrap().credentials,
            [
                (1, "npmAuthToken".to_owned(), false),
                (4, "npmAuthToken".to_owned(), true)
            ]
        );
        std::fs::write(dir.path().join(".yarnrc.yml"), "nodeLinker: pnp\n").unwrap();
        assert_eq!(
            read_rc(dir.path()).unwrap().node_linker.as_deref(),
            Some("pnp")
        );
    }

    #[test]
    fn versions() {
        assert!(is_berry("4.9.2"));
        assert!(is_berry("2.4.3"));
        assert!(!is_berry("1.22.22"));
        assert_eq!(field_version("yarn@4.9.2+sha512.abc"), Some("4.9.2"));
        assert_eq!(field_version("pnpm@9.0.0"), None);
        assert_eq!(
            release_version(".yarn/releases/yarn-4.9.2.cjs").as_deref(),
            Some("4.9.2")
        );
        assert_eq!(release_version(".yarn/releases/yarn-berry.cjs"), None);
        assert_eq!(program(None), "yarn");
        assert_eq!(
            program(Some(".yarn/releases/yarn-4.9.2.cjs")),
            "node .yarn/releases/yarn-4.9.2.cjs"
        );
    }
}

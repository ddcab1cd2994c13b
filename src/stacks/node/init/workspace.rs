//! Finding the npm, Yarn or pnpm workspace a Node.js service lives in, when `dgen init` runs in
//! the service's folder: the nearest folder above whose `package.json` has `workspaces` (npm,
//! Yarn) or that holds `pnpm-workspace.yaml`, and whose globs take in the service's folder. Then
//! the workspace packages the service depends on, following their own dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// How many folders up the workspace root is looked for.
const MAX_UP: usize = 6;

/// The workspace a service lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The root folder.
    pub root: PathBuf,
    /// The service's folder relative to the root, `/`-separated, e.g. `apps/api`.
    pub path: String,
    /// The file that declares the workspace, e.g. `../../package.json workspaces`.
    pub declared_in: String,
    /// The package manager the root's lock file (or `packageManager`, or
    /// `pnpm-workspace.yaml`) names, with where it was found.
    pub manager: (String, String),
    /// Whether the lock file of that manager exists at the root.
    pub has_lock: bool,
    /// The workspace packages the service depends on, directly or not (folders relative to
    /// the root), sorted.
    pub packages: Vec<String>,
    /// Yarn 2+ (Berry) at the root, and whether it uses the node-modules linker.
    pub berry: Option<bool>,
}

fn read_json(path: &Path) -> Option<Json> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The `packages:` globs of a pnpm-workspace.yaml (a plain YAML list, the only form it takes).
fn pnpm_globs(text: &str) -> Vec<String> {
    let mut globs = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t', '-']) {
            inside = trimmed.starts_with("packages:");
            continue;
        }
        if inside && let Some(item) = trimmed.strip_prefix('-') {
            let item = item.split(" #").next().unwrap_or_default().trim();
            let item = item.trim_matches(|c| c == '"' || c == '\'');
            if !item.is_empty() {
                globs.push(item.to_owned());
            }
        }
    }
    globs
}

/// The `workspaces` globs of a package.json: an array, or `{ "packages": [...] }` (Yarn 1).
fn json_globs(package: &Json) -> Option<Vec<String>> {
    let field = package.get("workspaces")?;
    let list = field
        .as_array()
        .or_else(|| field.get("packages").and_then(Json::as_array))?;
    Some(
        list.iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// Whether the relative path `path` matches the workspace glob `glob` (`*` one folder, `**`
/// any number, a leading `!` never matches).
fn glob_matches(glob: &str, path: &str) -> bool {
    let glob = glob.trim_start_matches("./").trim_end_matches('/');
    if glob.starts_with('!') {
        return false;
    }
    fn matches(glob: &[&str], path: &[&str]) -> bool {
        match (glob.first(), path.first()) {
            (None, None) => true,
            (Some(&"**"), _) => {
                matches(&glob[1..], path) || (!path.is_empty() && matches(glob, &path[1..]))
            }
            (Some(g), Some(p)) => segment_matches(g, p) && matches(&glob[1..], &path[1..]),
            _ => false,
        }
    }
    fn segment_matches(glob: &str, name: &str) -> bool {
        match glob.split_once('*') {
            None => glob == name,
            Some((before, after)) => {
                name.len() >= before.len() + after.len()
                    && name.starts_with(before)
                    && name.ends_with(after)
            }
        }
    }
    let glob: Vec<&str> = glob.split('/').filter(|s| !s.is_empty()).collect();
    let path: Vec<&str> = path.split('/').collect();
    matches(&glob, &path)
}

/// Negated globs (`!apps/legacy`) exclude.
fn excluded(globs: &[String], path: &str) -> bool {
    globs
        .iter()
        .filter_map(|g| g.strip_prefix('!'))
        .any(|g| glob_matches(g, path))
}

/// The folders the globs take in (relative to `root`, at most four levels deep), each with its
/// package name.
fn packages_of(root: &Path, globs: &[String]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    fn walk(
        root: &Path,
        rel: &str,
        depth: usize,
        globs: &[String],
        out: &mut BTreeMap<String, String>,
    ) {
        if depth > 4 {
            return;
        }
        let dir = if rel.is_empty() {
            root.to_owned()
        } else {
            root.join(rel)
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.') && n != "node_modules")
            .collect();
        names.sort();
        for name in names {
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if globs.iter().any(|g| glob_matches(g, &path))
                && !excluded(globs, &path)
                && let Some(package) = read_json(&root.join(&path).join("package.json"))
                && let Some(pname) = package.get("name").and_then(Json::as_str)
            {
                out.insert(pname.to_owned(), path.clone());
            }
            walk(root, &path, depth + 1, globs, out);
        }
    }
    walk(root, "", 1, globs, &mut found);
    found
}

/// The names of the dependencies of `package` (with `dev`, the dev dependencies too).
fn dependency_names(package: &Json, dev: bool) -> Vec<String> {
    let mut tables = vec!["dependencies", "optionalDependencies", "peerDependencies"];
    if dev {
        tables.push("devDependencies");
    }
    tables
        .into_iter()
        .filter_map(|t| package.get(t).and_then(Json::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// The workspace the service in `dir` (whose package.json is `package`) belongs to, if any.
/// `with_dev`: the service has a build, so the workspace packages among its dev dependencies
/// are needed too.
pub fn find(dir: &Path, package: &Json, with_dev: bool) -> Option<Workspace> {
    let dir = dir.canonicalize().ok()?;
    let mut up = dir.clone();
    for _ in 0..MAX_UP {
        let is_repo_root = up.join(".git").exists();
        if !up.pop() {
            return None;
        }
        let pnpm = std::fs::read_to_string(up.join("pnpm-workspace.yaml")).ok();
        let root_package = read_json(&up.join("package.json"));
        let (globs, declared) = match (&pnpm, root_package.as_ref().and_then(json_globs)) {
            (Some(text), _) => (pnpm_globs(text), "pnpm-workspace.yaml"),
            (None, Some(globs)) => (globs, "package.json workspaces"),
            (None, None) => {
                if is_repo_root {
                    return None;
                }
                continue;
            }
        };
        let path = dir
            .strip_prefix(&up)
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if !globs.iter().any(|g| glob_matches(g, &path)) || excluded(&globs, &path) {
            return None;
        }
        let root_shown = crate::stacks::node::workspace_root_of(&path);
        let root_package = root_package.unwrap_or(Json::Null);
        let field = root_package
            .get("packageManager")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let field_name = field.split('@').next().unwrap_or_default();
        let field_version = field.split('@').nth(1).unwrap_or_default();
        let manager = if up.join("pnpm-lock.yaml").is_file() {
            ("pnpm", format!("{root_shown}/pnpm-lock.yaml"))
        } else if up.join("yarn.lock").is_file() {
            ("yarn", format!("{root_shown}/yarn.lock"))
        } else if up.join("package-lock.json").is_file() {
            ("npm", format!("{root_shown}/package-lock.json"))
        } else if ["npm", "yarn", "pnpm"].contains(&field_name) {
            (
                field_name,
                format!("{root_shown}/package.json packageManager"),
            )
        } else if pnpm.is_some() {
            ("pnpm", format!("{root_shown}/pnpm-workspace.yaml"))
        } else {
            ("npm", format!("{root_shown}/package.json workspaces"))
        };
        let lock = match manager.0 {
            "pnpm" => "pnpm-lock.yaml",
            "yarn" => "yarn.lock",
            _ => "package-lock.json",
        };
        let berry = (manager.0 == "yarn"
            && (up.join(".yarnrc.yml").is_file()
                || (field_name == "yarn" && !field_version.starts_with("1."))
                || crate::stacks::node::berry_evidence(&up).is_some()))
        .then(|| {
            std::fs::read_to_string(up.join(".yarnrc.yml")).is_ok_and(|t| {
                t.lines().any(|l| {
                    let l = l.trim();
                    l.starts_with("nodeLinker:") && l.contains("node-modules")
                })
            })
        });
        // The closure of workspace packages.
        let all = packages_of(&up, &globs);
        let mut packages = BTreeSet::new();
        let mut queue: Vec<String> = dependency_names(package, with_dev);
        while let Some(name) = queue.pop() {
            let Some(folder) = all.get(&name) else {
                continue;
            };
            if folder == &path || !packages.insert(folder.clone()) {
                continue;
            }
            if let Some(dep) = read_json(&up.join(folder).join("package.json")) {
                queue.extend(dependency_names(&dep, false));
            }
        }
        return Some(Workspace {
            has_lock: up.join(lock).is_file(),
            root: up,
            path,
            declared_in: format!("{root_shown}/{declared}"),
            manager: (manager.0.to_owned(), manager.1),
            packages: packages.into_iter().collect(),
            berry,
        });
    }
    None
}

/// The entry file a package.json points at: `main`, `module`, `exports` (a string, or the
/// `.` entry's `import`/`require`/`default`), `types`.
fn entry_of(package: &Json) -> Option<String> {
    let exports = package.get("exports").and_then(|e| {
        let e = e.get(".").unwrap_or(e);
        e.as_str().map(str::to_owned).or_else(|| {
            ["import", "require", "default", "node"]
                .iter()
                .find_map(|k| e.get(k).and_then(Json::as_str).map(str::to_owned))
        })
    });
    ["main", "module"]
        .iter()
        .find_map(|k| package.get(k).and_then(Json::as_str).map(str::to_owned))
        .or(exports)
        .or_else(|| {
            package
                .get("types")
                .and_then(Json::as_str)
                .map(str::to_owned)
        })
}

/// The workspace packages (of `packages`, folders from `root`) that must be built before the
/// service can use them: a `build` script, and an entry point inside a folder that the build
/// writes (not in the sources, or a usual output folder such as `dist`). Each with that folder,
/// in build order (a package after the built packages it depends on).
pub fn builds(root: &Path, packages: &[String]) -> Vec<(String, String)> {
    const OUTPUTS: [&str; 6] = ["dist", "build", "lib", "out", "esm", "cjs"];
    let mut found: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for folder in packages {
        let Some(package) = read_json(&root.join(folder).join("package.json")) else {
            continue;
        };
        let has_build = package
            .get("scripts")
            .and_then(|s| s.get("build"))
            .and_then(Json::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        let Some(entry) = entry_of(&package).filter(|_| has_build) else {
            continue;
        };
        let entry = entry.trim_start_matches("./");
        let Some((first, _)) = entry.split_once('/') else {
            continue;
        };
        let written = OUTPUTS.contains(&first) || !root.join(folder).join(entry).exists();
        if !written || !crate::stacks::node::is_plain_relative_path(first) {
            continue;
        }
        let name = package
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        found.push((
            folder.clone(),
            first.to_owned(),
            name,
            dependency_names(&package, true),
        ));
    }
    // Build order: a package comes after the built packages it depends on.
    let mut ordered: Vec<(String, String)> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    while !found.is_empty() {
        let ready = found
            .iter()
            .position(|(_, _, _, deps)| {
                deps.iter()
                    .all(|d| done.contains(d) || !found.iter().any(|(_, _, n, _)| n == d))
            })
            .unwrap_or(0);
        let (folder, output, name, _) = found.remove(ready);
        done.push(name);
        ordered.push((folder, output));
    }
    ordered
}

#[cfg(test)]
mod tests {
    #[test]
    fn packages_built_before_use_in_dependency_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "packages/ui/package.json",
            r#"{"name": "@x/ui", "main": "./dist/index.js", "scripts": {"build": "tsc"}, "dependencies": {"@x/util": "*"}}"#,
        );
        write(
            root,
            "packages/util/package.json",
            r#"{"name": "@x/util", "exports": {".": {"import": "./lib/index.mjs"}}, "scripts": {"build": "tsup"}}"#,
        );
        // Its entry is a committed source file: nothing to build.
        write(
            root,
            "packages/plain/package.json",
            r#"{"name": "@x/plain", "main": "src/index.js", "scripts": {"build": "echo"}}"#,
        );
        write(root, "packages/plain/src/index.js", "");
        // No build script: used as it is.
        write(
            root,
            "packages/cfg/package.json",
            r#"{"name": "@x/cfg", "main": "dist/index.js"}"#,
        );
        let packages: Vec<String> = [
            "packages/cfg",
            "packages/plain",
            "packages/ui",
            "packages/util",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            builds(root, &packages),
            vec![
                ("packages/util".to_owned(), "lib".to_owned()),
                ("packages/ui".to_owned(), "dist".to_owned()),
            ]
        );
    }

    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("apps/*", "apps/api"));
        assert!(glob_matches("./apps/*", "apps/api"));
        assert!(!glob_matches("apps/*", "apps/api/src"));
        assert!(glob_matches("packages/**", "packages/a/b"));
        assert!(glob_matches("services/api", "services/api"));
        assert!(glob_matches("pkg-*", "pkg-api"));
        assert!(!glob_matches("pkg-*", "lib-api"));
        assert!(!glob_matches("!apps/*", "apps/api"));
        assert!(excluded(&["apps/*".into(), "!apps/old".into()], "apps/old"));
    }

    #[test]
    fn pnpm_workspace_file() {
        let text = "# the workspace\npackages:\n  - 'apps/*'\n  - \"packages/**\" # libs\n  - '!**/test/**'\ncatalog:\n  - nope\n";
        assert_eq!(pnpm_globs(text), ["apps/*", "packages/**", "!**/test/**"]);
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_root_and_the_closure_from_a_service_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "package.json",
            r#"{"private": true, "workspaces": ["apps/*", "packages/*"]}"#,
        );
        write(root, "package-lock.json", "{}");
        write(
            root,
            "apps/api/package.json",
            r#"{"name": "@x/api", "dependencies": {"@x/shared": "*", "ms": "2"}, "devDependencies": {"@x/config": "*"}}"#,
        );
        write(
            root,
            "apps/web/package.json",
            r#"{"name": "@x/web", "dependencies": {"@x/ui": "*"}}"#,
        );
        write(
            root,
            "packages/shared/package.json",
            r#"{"name": "@x/shared", "dependencies": {"@x/util": "workspace:*"}}"#,
        );
        write(root, "packages/util/package.json", r#"{"name": "@x/util"}"#);
        write(root, "packages/ui/package.json", r#"{"name": "@x/ui"}"#);
        write(
            root,
            "packages/config/package.json",
            r#"{"name": "@x/config"}"#,
        );
        let dir = root.join("apps/api");
        let package = read_json(&dir.join("package.json")).unwrap();
        let ws = find(&dir, &package, false).unwrap();
        assert_eq!(ws.path, "apps/api");
        assert_eq!(ws.manager.0, "npm");
        assert!(ws.has_lock);
        assert_eq!(ws.packages, ["packages/shared", "packages/util"]);
        let ws = find(&dir, &package, true).unwrap();
        assert_eq!(
            ws.packages,
            ["packages/config", "packages/shared", "packages/util"]
        );
        // Not in the globs: not a workspace service.
        write(root, "tools/x/package.json", r#"{"name": "x"}"#);
        assert_eq!(find(&root.join("tools/x"), &Json::Null, false), None);
        // No lock file: found, and said.
        std::fs::remove_file(root.join("package-lock.json")).unwrap();
        let ws = find(&dir, &package, false).unwrap();
        assert!(!ws.has_lock);
    }
}

//! Node.js detection: the package manager from the lock file (or `packageManager`), the
//! Node.js version (`.nvmrc`, `.node-version`, `.tool-versions`, `engines.node`), the start
//! command (`scripts.start`, else `main`), the build step and its output, the port the code
//! reads, a health route, and the sources.
//!
//! | looked at | gives |
//! | --- | --- |
//! | `pnpm-lock.yaml`, `yarn.lock`, `package-lock.json`, `packageManager` | `package_manager`, `pnpm_version` / `yarn_version` |
//! | `.nvmrc`, `.node-version`, `.tool-versions`, `engines.node` | `version` |
//! | `scripts.start` (`node FILE`), `main` | `command`, `env` |
//! | `scripts.build`, `tsconfig.json` `outDir` | `build`, `output` |
//! | `process.env.PORT ‖ N`, `.listen(N` | `ports`, `env PORT` |
//! | routes such as `/healthz` in the code | `[healthcheck] path` |

mod code;
mod start;
mod workspace;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::init::sources::{self, extension, port_after};
use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, SettingValue, health_route,
    project_name, schema_file, services, split_command,
};
use crate::manifest::StackName;
use crate::stacks::node::NodeSettings;

/// The Node.js detector.
pub struct Node;

const LOOKS_FOR: &[&str] = &["package.json"];

/// The oldest Node.js major release still supported upstream: a lower bound below it is raised
/// to it.
const OLDEST_SUPPORTED: u32 = 22;

/// The port most Node.js servers default to.
const DEFAULT_PORT: u32 = 3000;

/// Package managers the stack supports.
pub(crate) const PACKAGE_MANAGERS: &[&str] = &["npm", "yarn", "pnpm"];

/// Top-level directories that are never sources of a Node.js app.
pub(crate) const NEVER: [&str; 7] = [
    "node_modules",
    "__tests__",
    "e2e",
    "cypress",
    "playwright",
    "storybook-static",
    "out",
];

/// Development-tool configuration files, not needed by the app.
const DEV_CONFIG: [&str; 9] = [
    "jest.config",
    "vitest.config",
    "eslint.config",
    "prettier.config",
    "playwright.config",
    "cypress.config",
    "babel.config",
    "commitlint.config",
    "lint-staged.config",
];

/// `package.json`, parsed.
pub(crate) fn package_json(files: &ProjectFiles) -> Option<Json> {
    serde_json::from_str(&files.read("package.json")?).ok()
}

/// The names of the dependencies (and dev dependencies when `dev`).
pub(crate) fn dependencies(package: &Json, dev: bool) -> Vec<String> {
    let mut names = Vec::new();
    for table in ["dependencies", "devDependencies"] {
        if table == "devDependencies" && !dev {
            continue;
        }
        if let Some(map) = package.get(table).and_then(Json::as_object) {
            names.extend(map.keys().cloned());
        }
    }
    names
}

/// The script `name` of package.json.
pub(crate) fn script<'a>(package: &'a Json, name: &str) -> Option<&'a str> {
    package.get("scripts")?.get(name)?.as_str()
}

/// The name in package.json without its npm scope (`@acme/api` gives `api`), with where it was
/// found: what [`project_name`] takes.
pub(crate) fn package_name(package: &Json) -> Option<(&str, &'static str)> {
    package
        .get("name")
        .and_then(Json::as_str)
        .map(|n| (n.rsplit('/').next().unwrap_or(n), "package.json name"))
}

/// The `build` setting: package.json's build script, run by `manager`.
pub(crate) fn build_setting(about: &'static str, manager: &str) -> Setting {
    Setting::new(
        "build",
        about,
        Detected::found(
            SettingValue::List(vec![
                manager.to_owned(),
                "run".to_owned(),
                "build".to_owned(),
            ]),
            "package.json scripts.build",
        ),
    )
}

/// The package manager, and the settings that pin its version.
pub(crate) fn package_manager(
    files: &ProjectFiles,
    package: &Json,
    notes: &mut Vec<String>,
) -> (Detected<String>, Vec<Setting>) {
    let field = package
        .get("packageManager")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let (field_name, field_version) = field.split_once('@').unwrap_or((field, ""));
    let field_version: String = field_version
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let manager = if files.is_file("pnpm-lock.yaml") {
        Detected::found("pnpm".to_owned(), "pnpm-lock.yaml")
    } else if files.is_file("yarn.lock") {
        Detected::found("yarn".to_owned(), "yarn.lock")
    } else if files.is_file("package-lock.json") {
        Detected::found("npm".to_owned(), "package-lock.json")
    } else if PACKAGE_MANAGERS.contains(&field_name) {
        Detected::found(field_name.to_owned(), "package.json packageManager")
    } else {
        if files.is_file("bun.lockb") || files.is_file("bun.lock") || field_name == "bun" {
            notes.push(
                "Bun is not supported: the image installs with npm (run `npm install` to create package-lock.json)"
                    .to_owned(),
            );
        }
        Detected::default("npm".to_owned(), "no lock file found")
    };
    let mut pins = Vec::new();
    let berry = manager.value == "yarn"
        && (files.is_file(".yarnrc.yml")
            || (field_name == "yarn" && !field_version.starts_with("1."))
            || files
                .read("yarn.lock")
                .is_some_and(|t| t.lines().any(|l| l.starts_with("__metadata:"))));
    if berry {
        pins.extend(berry_pins(files.root(), "."));
    } else if field_name == manager.value && !field_version.is_empty() {
        let (key, about) = match field_name {
            "pnpm" => (
                "pnpm_version",
                "The pnpm version installed in the build stages",
            ),
            "yarn" => (
                "yarn_version",
                "The Yarn 1 version installed in the build stages",
            ),
            _ => ("", ""),
        };
        if !key.is_empty() {
            pins.push(Setting::text(
                key,
                about,
                Detected::found(field_version.clone(), "package.json packageManager"),
            ));
        }
    }
    // A missing lock file is the stack's own warning (`lock-missing`), shown once written.
    (manager, pins)
}

/// The settings of a Yarn 2+ (Berry) project in `root` (shown as `shown`): its Yarn version
/// (packageManager, else the committed release's name) and the committed release. What render
/// refuses (Plug'n'Play, no packageManager) it reports when init checks the manifest.
pub(crate) fn berry_pins(root: &std::path::Path, shown: &str) -> Vec<Setting> {
    let (version, yarn_path) = crate::stacks::node::berry::detect(root);
    let prefix = if shown == "." {
        String::new()
    } else {
        format!("{shown}/")
    };
    let mut pins = Vec::new();
    if let Some(version) = version {
        let from = if crate::stacks::node::berry::package_manager_field(root).is_some() {
            format!("{prefix}package.json packageManager")
        } else {
            format!("{prefix}.yarnrc.yml yarnPath")
        };
        pins.push(Setting::text(
            "yarn_version",
            "The Yarn 4+ (Berry) version, run through corepack or the committed release",
            Detected::found(version, from),
        ));
    }
    if let Some(path) = yarn_path {
        pins.push(Setting::text(
            "yarn_path",
            "The Yarn release the project commits (run with node instead of corepack)",
            Detected::found(path, format!("{prefix}.yarnrc.yml yarnPath")),
        ));
    }
    pins
}

/// The major version in `text` such as `22`, `v22.11.0`, `>=20`, `^20.10`, `lts/*` (none).
fn major_of(text: &str) -> Option<u32> {
    let digits: String = text
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The Node.js version.
pub(crate) fn version(files: &ProjectFiles, package: &Json) -> Detected<String> {
    let default = NodeSettings::default().version;
    for file in [".nvmrc", ".node-version"] {
        if let Some(major) = files.read(file).as_deref().and_then(major_of) {
            return Detected::found(major.to_string(), file);
        }
    }
    if let Some(text) = files.read(".tool-versions")
        && let Some(major) = text.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("nodejs"))
                .then(|| words.next().and_then(major_of))
                .flatten()
        })
    {
        return Detected::found(major.to_string(), ".tool-versions");
    }
    if let Some(engines) = package
        .get("engines")
        .and_then(|e| e.get("node"))
        .and_then(Json::as_str)
        && let Some(lower) = engines
            .split("||")
            .next()
            .and_then(|first| first.split_whitespace().next())
            .and_then(major_of)
    {
        let from = format!("package.json engines.node = \"{engines}\"");
        if lower < OLDEST_SUPPORTED {
            return Detected::found(OLDEST_SUPPORTED.to_string(), from).because(format!(
                "Node.js {lower} is past its end of life: the oldest supported release"
            ));
        }
        return Detected::found(lower.to_string(), from);
    }
    Detected::default(default, "no .nvmrc, .node-version or engines.node found")
}

/// The file a `node [options] FILE` command runs.
fn node_file(command: &[String]) -> Option<&str> {
    if command.first().map(String::as_str) != Some("node") {
        return None;
    }
    command[1..]
        .iter()
        .find(|w| !w.starts_with('-'))
        .map(String::as_str)
}

/// The output directory of a TypeScript build: `compilerOptions.outDir` in tsconfig.json.
fn ts_out_dir(files: &ProjectFiles) -> Option<String> {
    let text = files.read("tsconfig.json")?;
    let line = text.lines().find(|l| l.contains("\"outDir\""))?;
    let value = crate::init::routes::literals(line).into_iter().nth(1)?;
    let value = value.trim_start_matches("./").trim_end_matches('/');
    (!value.is_empty()).then(|| value.to_owned())
}

impl Detector for Node {
    fn stack(&self) -> StackName {
        StackName::Node
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        if files.is_file("package.json") { 2 } else { 0 }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let package = package_json(files).unwrap_or_else(|| {
            if files.is_file("package.json") {
                notes.push("package.json is not valid JSON: it was ignored".to_owned());
            }
            Json::Null
        });
        let name = project_name(files, package_name(&package));
        let (manager, pins) = package_manager(files, &package, &mut notes);
        let version = version(files, &package);

        // The command: the start script when it runs node, else `main`, else a usual file.
        let mut env = BTreeMap::new();
        let start = script(&package, "start").map(str::to_owned);
        let plan = start
            .as_deref()
            .and_then(|s| start::plan(s, &package, files, &manager.value));
        let mut command: Detected<Vec<String>> = match start.as_deref().and_then(split_command) {
            Some(_) if plan.is_some() => {
                let plan = plan.as_ref().expect("checked");
                env.extend(plan.env.iter().cloned());
                Detected::found(plan.command.clone(), plan.command_from.clone())
            }
            Some(mut words) => {
                // Leading VAR=value words become environment variables.
                while words.first().is_some_and(|w| {
                    w.split_once('=').is_some_and(|(k, _)| {
                        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                }) {
                    let word = words.remove(0);
                    let (k, v) = word.split_once('=').unwrap_or_default();
                    env.insert(k.to_owned(), v.to_owned());
                }
                if words.first().map(String::as_str) == Some("node") {
                    Detected::found(words, "package.json scripts.start")
                } else {
                    notes.push(format!(
                        "scripts.start (`{}`) does not run node directly: the container runs it through {}, which stop signals reach first; prefer `node FILE`",
                        start.as_deref().unwrap_or_default(),
                        manager.value
                    ));
                    Detected::found(
                        vec![manager.value.clone(), "run".to_owned(), "start".to_owned()],
                        "package.json scripts.start",
                    )
                }
            }
            None => {
                let main = package.get("main").and_then(Json::as_str);
                match main {
                    Some(main) => Detected::found(
                        vec!["node".to_owned(), main.trim_start_matches("./").to_owned()],
                        "package.json main",
                    ),
                    None => {
                        let usual = ["server.js", "index.js", "app.js", "main.js"]
                            .into_iter()
                            .find(|f| files.is_file(f));
                        match usual {
                            Some(file) => {
                                Detected::found(vec!["node".to_owned(), file.to_owned()], file)
                            }
                            None => {
                                notes.push(
                                    "no start script, main or server.js found: set the command (--command)"
                                        .to_owned(),
                                );
                                Detected::default(
                                    vec!["node".to_owned(), "index.js".to_owned()],
                                    "no start script or main found",
                                )
                            }
                        }
                    }
                }
            }
        };
        let file = node_file(&command.value).map(str::to_owned);

        // A build step, when the command runs what the build writes.
        let mut settings = vec![
            Setting::text(
                "version",
                "The Node.js version: selects the node:<version>-slim base image",
                version,
            ),
            Setting::text(
                "package_manager",
                "How the dependencies are installed (from the lock file; production dependencies only in the final image)",
                manager.clone(),
            )
            .choices(PACKAGE_MANAGERS),
        ];
        settings.extend(pins);
        if let Some(plan) = &plan
            && let (Some((build, build_from)), Some((output, output_from))) =
                (&plan.build, &plan.output)
        {
            settings.push(Setting::new(
                "build",
                "The build command, run in a build stage with the dev dependencies (the start script compiles or runs a development tool)",
                Detected::found(SettingValue::List(build.clone()), build_from.clone()),
            ));
            settings.push(Setting::text(
                "output",
                "What the build writes: only this (and the assets) reaches the final image",
                Detected::found(output.clone(), output_from.clone()),
            ));
        } else if script(&package, "build").is_some() {
            let output = ts_out_dir(files)
                .or_else(|| {
                    file.as_deref()
                        .and_then(|f| f.split_once('/'))
                        .map(|(dir, _)| dir.to_owned())
                })
                .unwrap_or_else(|| NodeSettings::default().output);
            if file
                .as_deref()
                .is_some_and(|f| f.starts_with(&format!("{output}/")))
            {
                settings.push(build_setting(
                    "The build command, run in a build stage with the dev dependencies",
                    &manager.value,
                ));
                settings.push(Setting::text(
                    "output",
                    "What the build writes: only this reaches the final image",
                    if files.is_file("tsconfig.json") && ts_out_dir(files).is_some() {
                        Detected::found(output, "tsconfig.json compilerOptions.outDir")
                    } else {
                        Detected::found(output, "the start command's path")
                    },
                ));
            } else {
                notes.push(
                    "package.json has a build script, but the start command runs a file the build does not write: no build stage (set [node] build and output if the app needs one)"
                        .to_owned(),
                );
            }
        }

        // Sources: code and configuration; with a build, its inputs.
        let output = settings
            .iter()
            .find(|s| s.key == "output")
            .map(|s| s.text_value());
        let mut never: Vec<&str> = NEVER.to_vec();
        if let Some(output) = output.as_deref() {
            never.push(output);
        }
        let (keep, left_out) = sources::top_level(
            files,
            &never,
            |name| {
                let ext = extension(name);
                let code =
                    ["js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "json"].contains(&ext);
                let test = name.contains(".test.") || name.contains(".spec.");
                let dev = DEV_CONFIG.iter().any(|c| name.starts_with(c));
                let lock = name == "package.json" || name == "package-lock.json";
                code && !test && !dev && !lock
            },
            |_| true,
        );
        let mut source_list = keep;
        if let Some(file) = &file
            && output.is_none()
            && !source_list
                .iter()
                .any(|s| file == s || file.starts_with(&format!("{s}/")))
            && files.is_file(file)
        {
            source_list.push(file.clone());
        }
        let mut sources = sources::detected(source_list.clone(), &left_out);

        // The port: what the code falls back to when PORT is unset, or what it listens on.
        let mut code_files: Vec<String> = Vec::new();
        for source in &source_list {
            if files.is_dir(source) {
                for ext in [".js", ".mjs", ".cjs", ".ts", ".mts"] {
                    code_files.extend(files.walk(source, ext, 4));
                }
            } else if ["js", "mjs", "cjs", "ts", "mts"].contains(&extension(source)) {
                code_files.push(source.clone());
            }
        }
        code_files.sort();
        code_files.dedup();
        let mut port = None;
        let mut reads_port: Option<String> = None;
        let mut reads_host = false;
        let mut binds_everywhere = false;
        let mut listens: Option<String> = None;
        let mut folders: Vec<(String, String)> = Vec::new();
        let framework = code::framework(&dependencies(&package, false));
        for path in &code_files {
            let Some(text) = files.read(path) else {
                continue;
            };
            if reads_port.is_none() && text.contains("process.env.PORT") {
                reads_port = Some(path.clone());
            }
            reads_host |= text.contains("process.env.HOST");
            if text.contains(".listen(") {
                listens.get_or_insert_with(|| path.clone());
                binds_everywhere |= code::binds_everywhere(&text);
            }
            if port.is_none() {
                port = port_after(&text, "process.env.PORT")
                    .map(|p| (p, path.clone(), "the fallback of process.env.PORT"))
                    .or_else(|| {
                        code::listen_port(&text).map(|p| (p, path.clone(), "its listen call"))
                    });
            }
            for folder in code::folders(files, path, &text) {
                if !folders.iter().any(|(f, _)| *f == folder) {
                    folders.push((folder, path.clone()));
                }
            }
        }
        let ports = match &port {
            Some((p, path, how)) => {
                Detected::found(vec![*p], path.clone()).because(match framework {
                    Some(name) => format!("{name} app, {how}"),
                    None => (*how).to_owned(),
                })
            }
            None => Detected::default(vec![DEFAULT_PORT], "the usual port of Node.js servers"),
        };
        if framework == Some("Fastify") && listens.is_some() && !binds_everywhere {
            if reads_host {
                env.insert("HOST".to_owned(), "0.0.0.0".to_owned());
            } else {
                notes.push(format!(
                    "{} starts Fastify, which listens on 127.0.0.1 unless told otherwise: pass host: \"0.0.0.0\" to listen(), or the container's port will not answer",
                    listens.as_deref().unwrap_or_default()
                ));
            }
        }
        // Folders the code serves or renders from: sources without a build, assets with one.
        let mut assets: Vec<String> = Vec::new();
        let mut assets_from: Vec<String> = Vec::new();
        for (folder, from) in &folders {
            let covered = |list: &[String]| {
                list.iter()
                    .any(|s| folder == s || folder.starts_with(&format!("{s}/")))
            };
            if output.is_some() {
                if !folder.starts_with(&format!("{}/", output.as_deref().unwrap_or_default())) {
                    assets.push(folder.clone());
                    assets_from.push(format!("{folder} ({from})"));
                }
            } else if !covered(&sources.value) {
                sources.value.push(folder.clone());
                let why = format!("{folder} is named in {from}");
                sources.why = Some(match sources.why.take() {
                    Some(before) => format!("{before}; {why}"),
                    None => why,
                });
            }
        }
        // `next start` reads public/ and the config beside .next/.
        if output.as_deref() == Some(".next") {
            for name in [
                "public",
                "next.config.js",
                "next.config.mjs",
                "next.config.cjs",
            ] {
                if files.is_dir(name) || files.is_file(name) {
                    if !assets.contains(&name.to_owned()) {
                        assets.push(name.to_owned());
                    }
                    assets_from.push(format!("{name} (next start reads it)"));
                }
            }
        }
        if !assets.is_empty() {
            settings.push(Setting::new(
                "assets",
                "Folders the code reads at run time, copied beside the build output",
                Detected::found(
                    SettingValue::List(assets),
                    format!("read at run time: {}", assets_from.join(", ")),
                ),
            ));
        }
        // A service inside a workspace: the root's lock file and the packages it depends on.
        let has_build = settings.iter().any(|s| s.key == "build");
        if let Some(ws) = workspace::find(files.root(), &package, has_build) {
            let root = crate::stacks::node::workspace_root_of(&ws.path);
            if let Some(setting) = settings.iter_mut().find(|s| s.key == "package_manager") {
                setting.value = Detected::found(
                    SettingValue::Text(ws.manager.0.clone()),
                    ws.manager.1.clone(),
                );
            }
            settings.retain(|s| {
                !((s.key == "pnpm_version" && ws.manager.0 != "pnpm")
                    || (s.key == "yarn_version" && ws.manager.0 != "yarn"))
            });
            settings.push(Setting::text(
                "workspace",
                "This service's folder in its workspace: the build context is the workspace root, and only this service's dependency closure is installed",
                Detected::found(ws.path.clone(), ws.declared_in.clone()),
            ));
            if !ws.packages.is_empty() {
                settings.push(Setting::new(
                    "workspace_packages",
                    "The workspace packages this service depends on (folders from the workspace root): their package.json files join the dependency layer",
                    Detected::found(SettingValue::List(ws.packages.clone()), format!("package.json dependencies, followed through the workspace packages of {root}/")),
                ));
            }
            let builds = workspace::builds(&ws.root, &ws.packages);
            if !builds.is_empty() {
                let outputs: Vec<String> = builds
                    .iter()
                    .map(|(package, output)| format!("{package}/{output}"))
                    .collect();
                settings.push(Setting::new(
                    "workspace_builds",
                    "Build output of workspace packages the service uses, built in the build stage (their main points at it), in build order",
                    Detected::found(
                        SettingValue::List(outputs),
                        "the packages' `build` scripts and their main/exports",
                    ),
                ));
            }
            if !ws.has_lock {
                notes.push(format!(
                    "the workspace root {root} has no lock file: run `{} install` there first",
                    ws.manager.0
                ));
            }
            if ws.berry.is_some() {
                settings.retain(|s| s.key != "yarn_version" && s.key != "yarn_path");
                settings.extend(berry_pins(&ws.root, &root));
            }
        }

        let from_start = !env.is_empty();
        if reads_port.is_some() || port.is_none() {
            env.insert("PORT".to_owned(), ports.value[0].to_string());
        }
        let env = match (&reads_port, from_start) {
            _ if env.is_empty() => Detected::default(env, "nothing needed"),
            (Some(file), false) => Detected::found(env, file.clone()).because("the app reads PORT"),
            (Some(file), true) => {
                Detected::found(env, format!("package.json scripts.start and {file}"))
                    .because("the start script sets them, and the app reads PORT")
            }
            (None, true) => Detected::found(env, "package.json scripts.start"),
            (None, false) => Detected::default(env, "most Node.js servers read PORT"),
        };
        let healthcheck = match health_route(files, &code_files) {
            Some((route, file)) => Detected::found(Health::Http(route.clone()), file)
                .because(format!("the app has a route {route}")),
            None => Detected::default(Health::Tcp, "no health route found"),
        };
        if command.value.is_empty() {
            command = Detected::default(
                vec!["node".to_owned(), "index.js".to_owned()],
                "nothing found",
            );
        }
        Detection {
            stack: Detected::found(StackName::Node, "package.json"),
            name,
            command,
            ports,
            sources,
            env,
            healthcheck,
            settings,
            suggestions: services::suggestions(&dependencies(&package, false), "package.json"),
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        }
    }
}

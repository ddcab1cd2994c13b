//! What `scripts.start` really does: the build steps it hides (`tsc && node dist/…`, `npm run
//! build && …`), the development tools it runs the app through (`ts-node`, `tsx`, `nodemon`,
//! `nx serve`), and the file `node` must run instead, so that the image compiles in a build stage
//! and the container runs `node FILE` in exec form with production dependencies only.

use serde_json::Value as Json;

use crate::init::ProjectFiles;
use crate::init::split_command;

/// The plan for the container's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPlan {
    /// The command, exec form (`node …`).
    pub command: Vec<String>,
    /// Where the command came from, e.g. `package.json scripts.start (tsc && node dist/server.js)`.
    pub command_from: String,
    /// `VAR=value` words in front of the command (or `cross-env`'s).
    pub env: Vec<(String, String)>,
    /// The build, when the start script compiles or runs a dev tool: the command and why.
    pub build: Option<(Vec<String>, String)>,
    /// What the build writes, and where that was found.
    pub output: Option<(String, String)>,
}

/// TypeScript runners: the file they run is compiled first.
const TS_RUNNERS: [&str; 5] = ["ts-node", "ts-node-dev", "tsnd", "tsx", "ts-node-esm"];
/// Watchers that restart node on changes: in a container, node itself runs the file.
const WATCHERS: [&str; 3] = ["nodemon", "node-dev", "supervisor"];

fn is_ts(file: &str) -> bool {
    [".ts", ".mts", ".cts", ".tsx"]
        .iter()
        .any(|e| file.ends_with(e))
}

/// The steps of a script: `a && b; c` gives `[a, b, c]` (`||` keeps its right side out).
fn steps(script: &str) -> Vec<Vec<String>> {
    script
        .split("&&")
        .flat_map(|s| s.split(';'))
        .filter_map(|s| split_command(s.split("||").next().unwrap_or_default()))
        .collect()
}

/// Removes leading `VAR=value` words and `cross-env`/`env`, returning them.
fn strip_env(words: &mut Vec<String>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    while let Some(first) = words.first() {
        if first == "cross-env" || first == "env" {
            words.remove(0);
            continue;
        }
        match first.split_once('=') {
            Some((k, v))
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                env.push((k.to_owned(), v.to_owned()));
                words.remove(0);
            }
            _ => break,
        }
    }
    env
}

/// The script a step runs through the package manager (`npm run x`, `npm start`, `yarn x`,
/// `pnpm run x`, `pnpm x`), when it names one of package.json's scripts.
fn script_step<'a>(words: &'a [String], package: &Json) -> Option<&'a str> {
    let tool = words.first()?.as_str();
    if !["npm", "yarn", "pnpm"].contains(&tool) {
        return None;
    }
    let rest: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    let name = match rest.as_slice() {
        ["run" | "run-script", name, ..] => *name,
        ["start", ..] => "start",
        [name, ..] if tool != "npm" => *name,
        _ => return None,
    };
    package.get("scripts")?.get(name)?.as_str()?;
    Some(words[1..].iter().find(|w| w.as_str() == name)?.as_str())
}

/// Whether a step compiles: `tsc`, `nest build`, `babel`, `swc`, `esbuild`, `tsup`, `nx build`,
/// or `npm run build`-like.
fn is_build_step(words: &[String], package: &Json) -> bool {
    let program = words.first().map(String::as_str).unwrap_or_default();
    let program = if program == "npx" {
        words.get(1).map(String::as_str).unwrap_or_default()
    } else {
        program
    };
    matches!(
        program,
        "tsc" | "babel" | "swc" | "esbuild" | "tsup" | "webpack" | "rollup" | "vite" | "ncc"
    ) || (program == "nest" && words.get(1).is_some_and(|w| w == "build"))
        || (program == "nx" && words.iter().any(|w| w == "build"))
        || script_step(words, package).is_some_and(|s| s.contains("build"))
}

/// The tsconfig `compilerOptions` value of `key` (a string), read line by line (tsconfig
/// allows comments, so it is not parsed as JSON).
fn tsconfig_value(files: &ProjectFiles, key: &str) -> Option<String> {
    let text = files.read("tsconfig.json")?;
    let line = text
        .lines()
        .find(|l| l.contains(&format!("\"{key}\"")) && !l.trim_start().starts_with("//"))?;
    let value = crate::init::routes::literals(line).into_iter().nth(1)?;
    let value = value.trim_start_matches("./").trim_end_matches('/');
    (!value.is_empty()).then(|| value.to_owned())
}

/// The compiled file of a TypeScript source, given tsc's outDir and rootDir.
fn compiled(file: &str, out_dir: &str, root_dir: Option<&str>) -> String {
    let file = file.trim_start_matches("./");
    let relative = match root_dir {
        Some(root) => file.strip_prefix(&format!("{root}/")).unwrap_or(file),
        // Without rootDir, tsc takes the common folder of the inputs: usually `src`.
        None => file.strip_prefix("src/").unwrap_or(file),
    };
    let stem = relative
        .strip_suffix(".tsx")
        .or_else(|| relative.strip_suffix(".ts"))
        .map(|s| format!("{s}.js"))
        .or_else(|| relative.strip_suffix(".mts").map(|s| format!("{s}.mjs")))
        .or_else(|| relative.strip_suffix(".cts").map(|s| format!("{s}.cjs")))
        .unwrap_or_else(|| relative.to_owned());
    format!("{out_dir}/{stem}")
}

/// The file a runner's words run (the first word that is not an option or a sub-command).
fn file_in(words: &[String], skip: &[&str]) -> Option<String> {
    let mut iter = words.iter().skip(1);
    while let Some(word) = iter.next() {
        if skip.contains(&word.as_str()) {
            continue;
        }
        if word.starts_with('-') {
            // Options that take a value.
            if [
                "-r",
                "--require",
                "--loader",
                "--import",
                "-e",
                "--exec",
                "-w",
                "--watch",
                "-P",
                "--project",
            ]
            .contains(&word.as_str())
            {
                iter.next();
            }
            continue;
        }
        return Some(word.trim_start_matches("./").to_owned());
    }
    None
}

/// The build for a project without a build step of its own that must compile.
fn typescript_build(package: &Json, manager: &str, files: &ProjectFiles) -> (Vec<String>, String) {
    if package
        .get("scripts")
        .and_then(|s| s.get("build"))
        .and_then(Json::as_str)
        .is_some()
    {
        (
            vec![manager.to_owned(), "run".to_owned(), "build".to_owned()],
            "package.json scripts.build".to_owned(),
        )
    } else if files.is_file("tsconfig.json") {
        (
            vec![
                "npx".to_owned(),
                "tsc".to_owned(),
                "-p".to_owned(),
                "tsconfig.json".to_owned(),
            ],
            "tsconfig.json (no build script)".to_owned(),
        )
    } else {
        (
            vec!["npx".to_owned(), "tsc".to_owned()],
            "the TypeScript entry (no build script, no tsconfig.json)".to_owned(),
        )
    }
}

/// An Nx project's build output and entry: `targets.build.options.outputPath` and `main` of its
/// `project.json` (found as `apps/NAME`, `NAME` or `packages/NAME`), else Nx's defaults.
fn nx_project(files: &ProjectFiles, project: &str) -> (String, String, String) {
    let candidates = [
        format!("apps/{project}/project.json"),
        format!("{project}/project.json"),
        format!("packages/{project}/project.json"),
    ];
    for candidate in &candidates {
        let Some(json) = files
            .read(candidate)
            .and_then(|t| serde_json::from_str::<Json>(&t).ok())
        else {
            continue;
        };
        let options = json
            .get("targets")
            .and_then(|t| t.get("build"))
            .and_then(|b| b.get("options"));
        // `options.outputPath` (Nx's own executors), else the target's first plain `outputs`.
        let outputs = json
            .get("targets")
            .and_then(|t| t.get("build"))
            .and_then(|b| b.get("outputs"))
            .and_then(Json::as_array)
            .and_then(|o| {
                o.iter()
                    .filter_map(Json::as_str)
                    .find(|p| !p.contains("{options") && !p.contains("{projectRoot"))
            });
        let output = options
            .and_then(|o| o.get("outputPath"))
            .and_then(Json::as_str)
            .or(outputs)
            .map(|s| {
                s.replace("{workspaceRoot}/", "")
                    .trim_end_matches('/')
                    .to_owned()
            })
            .unwrap_or_else(|| format!("dist/apps/{project}"));
        let main = options
            .and_then(|o| o.get("main"))
            .and_then(Json::as_str)
            .and_then(|m| m.rsplit('/').next())
            .map(|m| compiled(m, "", None).trim_start_matches('/').to_owned())
            .unwrap_or_else(|| "main.js".to_owned());
        return (output, main, candidate.clone());
    }
    (
        format!("dist/apps/{project}"),
        "main.js".to_owned(),
        "Nx's default output (no project.json found)".to_owned(),
    )
}

/// Reads `start` (package.json `scripts.start`) and plans the command; `None` when the start
/// script does not end by running the app in a way this knows.
pub fn plan(start: &str, package: &Json, files: &ProjectFiles, manager: &str) -> Option<StartPlan> {
    plan_in(
        start,
        package,
        files,
        manager,
        0,
        format!("package.json scripts.start (`{start}`)"),
    )
}

fn plan_in(
    script: &str,
    package: &Json,
    files: &ProjectFiles,
    manager: &str,
    depth: usize,
    from: String,
) -> Option<StartPlan> {
    if depth > 3 {
        return None;
    }
    let mut all = steps(script);
    let mut last = all.pop()?;
    let env = strip_env(&mut last);
    let built_before = all.iter().any(|s| is_build_step(s, package));
    let program = last.first()?.clone();
    let out_dir = tsconfig_value(files, "outDir");
    let root_dir = tsconfig_value(files, "rootDir");
    let build_before = || {
        all.iter()
            .rev()
            .find(|s| is_build_step(s, package))
            .map(|step| {
                if script_step(step, package).is_some() || step.first().is_some_and(|p| p == "nx") {
                    let mut words = step.clone();
                    if words[0] == "nx" {
                        words.insert(0, "npx".to_owned());
                    }
                    (words, format!("{from}: the step before the app"))
                } else if step[0] == "npx" {
                    (step.clone(), format!("{from}: the step before the app"))
                } else {
                    let mut words = vec!["npx".to_owned()];
                    words.extend(step.iter().cloned());
                    (words, format!("{from}: the step before the app"))
                }
            })
    };
    // `npm run serve` and the like: follow the script.
    if let Some(name) = script_step(&last, package) {
        let inner = package.get("scripts")?.get(name)?.as_str()?.to_owned();
        let mut plan = plan_in(
            &inner,
            package,
            files,
            manager,
            depth + 1,
            format!("package.json scripts.{name} (`{inner}`)"),
        )?;
        if plan.build.is_none() {
            plan.build = build_before();
            if plan.build.is_some() && plan.output.is_none() {
                let output = plan
                    .command
                    .iter()
                    .skip(1)
                    .find(|w| !w.starts_with('-'))
                    .and_then(|f| f.split_once('/'))
                    .map(|(d, _)| d.to_owned())
                    .or(out_dir.clone())
                    .unwrap_or_else(|| "dist".to_owned());
                plan.output = Some((output, "the compiled entry's folder".to_owned()));
            }
        }
        let mut env_all = env;
        env_all.extend(plan.env);
        plan.env = env_all;
        return Some(plan);
    }
    let runner = if program == "npx" && last.len() > 1 {
        last.remove(0);
        last[0].clone()
    } else {
        program
    };
    match runner.as_str() {
        "node" => {
            // `node -r ts-node/register src/x.ts`, `node --loader ts-node/esm src/x.ts`.
            let file = file_in(&last, &[])?;
            if is_ts(&file) {
                return Some(ts_plan(
                    &file, package, files, manager, out_dir, root_dir, env, from,
                ));
            }
            let build = if built_before { build_before() } else { None };
            let output = build.as_ref().map(|_| {
                let dir = file
                    .split_once('/')
                    .map(|(d, _)| d.to_owned())
                    .or(out_dir.clone())
                    .unwrap_or_else(|| "dist".to_owned());
                (dir, "the compiled entry's folder".to_owned())
            });
            let mut command = vec!["node".to_owned()];
            command.extend(last[1..].iter().cloned());
            Some(StartPlan {
                command,
                command_from: from,
                env,
                build,
                output,
            })
        }
        r if TS_RUNNERS.contains(&r) => {
            let file = file_in(&last, &["watch"])?;
            Some(ts_plan(
                &file, package, files, manager, out_dir, root_dir, env, from,
            ))
        }
        r if WATCHERS.contains(&r) => {
            let file = file_in(&last, &[]).or_else(|| {
                package
                    .get("main")
                    .and_then(Json::as_str)
                    .map(|m| m.trim_start_matches("./").to_owned())
            })?;
            if is_ts(&file) {
                return Some(ts_plan(
                    &file, package, files, manager, out_dir, root_dir, env, from,
                ));
            }
            Some(StartPlan {
                command: vec!["node".to_owned(), file],
                command_from: format!("{from}: {r} is a development watcher, node runs the file"),
                env,
                build: if built_before { build_before() } else { None },
                output: None,
            })
        }
        "next" if last.get(1).is_some_and(|w| w == "start") => {
            // `next start` serves what `next build` wrote to .next/; the public folder and the
            // config are read at run time too.
            let mut command = vec![
                "node".to_owned(),
                "node_modules/next/dist/bin/next".to_owned(),
            ];
            command.extend(last[1..].iter().cloned());
            let build = if built_before { build_before() } else { None }.unwrap_or_else(|| {
                let (words, from) = typescript_build(package, manager, files);
                if from == "package.json scripts.build" {
                    (words, from)
                } else {
                    (
                        vec!["npx".to_owned(), "next".to_owned(), "build".to_owned()],
                        "next start needs next build".to_owned(),
                    )
                }
            });
            Some(StartPlan {
                command,
                command_from: format!("{from}: next start, run by node itself"),
                env,
                build: Some(build),
                output: Some((".next".to_owned(), "what next build writes".to_owned())),
            })
        }
        "nx" => {
            // `nx serve api`, `nx run api:serve`, `nx start api`.
            let rest: Vec<&String> = last[1..].iter().filter(|w| !w.starts_with('-')).collect();
            let project = match rest.as_slice() {
                [run, target, ..] if run.as_str() == "run" => {
                    target.split(':').next().unwrap_or_default().to_owned()
                }
                [_verb, project, ..] => (*project).clone(),
                _ => return None,
            };
            if project.is_empty() {
                return None;
            }
            let (output, main, found) = nx_project(files, &project);
            Some(StartPlan {
                command: vec!["node".to_owned(), format!("{output}/{main}")],
                command_from: format!("{from}: Nx project {project}, built to {output} ({found})"),
                env,
                build: Some((
                    vec![
                        "env".to_owned(),
                        "NX_DAEMON=false".to_owned(),
                        "npx".to_owned(),
                        "nx".to_owned(),
                        "build".to_owned(),
                        project.clone(),
                    ],
                    format!(
                        "{from}: `nx serve` runs a development server; the image builds the project"
                    ),
                )),
                output: Some((output.split('/').next().unwrap_or("dist").to_owned(), found)),
            })
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn ts_plan(
    file: &str,
    package: &Json,
    files: &ProjectFiles,
    manager: &str,
    out_dir: Option<String>,
    root_dir: Option<String>,
    env: Vec<(String, String)>,
    from: String,
) -> StartPlan {
    let (build, build_from) = typescript_build(package, manager, files);
    let (output, output_from) = match out_dir {
        Some(dir) => (dir, "tsconfig.json compilerOptions.outDir".to_owned()),
        None => (
            "dist".to_owned(),
            "tsc's usual outDir (tsconfig.json sets none)".to_owned(),
        ),
    };
    let target = compiled(file, &output, root_dir.as_deref());
    let mut build_command = build;
    if build_command == ["npx", "tsc"] {
        build_command.extend(["--outDir".to_owned(), output.clone(), file.to_owned()]);
    }
    StartPlan {
        command: vec!["node".to_owned(), target],
        command_from: format!(
            "{from}: runs {file} through a TypeScript runner; node runs the compiled file"
        ),
        env,
        build: Some((build_command, build_from)),
        output: Some((output, output_from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, ProjectFiles) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let files = ProjectFiles::scan(dir.path());
        (dir, files)
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn tsc_then_node() {
        let package: Json = serde_json::json!({"scripts": {"start": "tsc && node dist/server.js"}});
        let (_d, files) = project(&[(
            "tsconfig.json",
            "{\"compilerOptions\": {\"outDir\": \"./dist\"}}",
        )]);
        let plan = plan("tsc && node dist/server.js", &package, &files, "npm").unwrap();
        assert_eq!(plan.command, words(&["node", "dist/server.js"]));
        assert_eq!(plan.build.unwrap().0, words(&["npx", "tsc"]));
        assert_eq!(plan.output.unwrap().0, "dist");
    }

    #[test]
    fn build_script_then_serve_script() {
        let package: Json = serde_json::json!({"scripts": {
            "start": "npm run build && npm run serve", "build": "tsc -p tsconfig.build.json",
            "serve": "NODE_ENV=production node build/index.js"}});
        let (_d, files) = project(&[]);
        let plan = plan("npm run build && npm run serve", &package, &files, "npm").unwrap();
        assert_eq!(plan.command, words(&["node", "build/index.js"]));
        assert_eq!(plan.build.unwrap().0, words(&["npm", "run", "build"]));
        assert_eq!(plan.output.unwrap().0, "build");
        assert_eq!(plan.env, [("NODE_ENV".to_owned(), "production".to_owned())]);
    }

    #[test]
    fn ts_node_and_tsx_compile_with_the_build_script() {
        let package: Json = serde_json::json!({"scripts": {"build": "tsc"}});
        let (_d, files) = project(&[(
            "tsconfig.json",
            "{\n  // comment\n  \"compilerOptions\": {\n    \"outDir\": \"build\",\n    \"rootDir\": \"src\"\n  }\n}",
        )]);
        for start in [
            "ts-node src/index.ts",
            "tsx watch src/index.ts",
            "nodemon src/index.ts",
            "node -r ts-node/register src/index.ts",
        ] {
            let plan = plan(start, &package, &files, "yarn").unwrap();
            assert_eq!(plan.command, words(&["node", "build/index.js"]), "{start}");
            assert_eq!(
                plan.build.unwrap().0,
                words(&["yarn", "run", "build"]),
                "{start}"
            );
            assert_eq!(plan.output.unwrap().0, "build", "{start}");
        }
    }

    #[test]
    fn nodemon_on_javascript_runs_node() {
        let package: Json = serde_json::json!({"main": "app.js"});
        let (_d, files) = project(&[]);
        let plan = plan("nodemon", &package, &files, "npm").unwrap();
        assert_eq!(plan.command, words(&["node", "app.js"]));
        assert!(plan.build.is_none());
        let plan = plan_in(
            "nodemon --watch src server.js",
            &package,
            &files,
            "npm",
            0,
            String::new(),
        )
        .unwrap();
        assert_eq!(plan.command, words(&["node", "server.js"]));
    }

    #[test]
    fn nx_serve_builds_the_project() {
        let package: Json = serde_json::json!({});
        let (_d, files) = project(&[(
            "apps/api/project.json",
            r#"{"name": "api", "targets": {"build": {"options": {"outputPath": "dist/apps/api", "main": "apps/api/src/main.ts"}}}}"#,
        )]);
        let plan = plan("nx serve api", &package, &files, "npm").unwrap();
        assert_eq!(plan.command, words(&["node", "dist/apps/api/main.js"]));
        assert_eq!(
            plan.build.unwrap().0,
            words(&["env", "NX_DAEMON=false", "npx", "nx", "build", "api"])
        );
        assert_eq!(plan.output.unwrap().0, "dist");
        let plan = plan_in(
            "nx run api:serve --configuration=production",
            &package,
            &files,
            "npm",
            0,
            String::new(),
        )
        .unwrap();
        assert_eq!(plan.command, words(&["node", "dist/apps/api/main.js"]));
    }

    #[test]
    fn next_start_needs_next_build() {
        let package: Json =
            serde_json::json!({"scripts": {"build": "next build", "start": "next start -p 4000"}});
        let (_d, files) = project(&[]);
        let plan = plan("next start -p 4000", &package, &files, "pnpm").unwrap();
        assert_eq!(
            plan.command,
            words(&[
                "node",
                "node_modules/next/dist/bin/next",
                "start",
                "-p",
                "4000"
            ])
        );
        assert_eq!(plan.build.unwrap().0, words(&["pnpm", "run", "build"]));
        assert_eq!(plan.output.unwrap().0, ".next");
    }

    #[test]
    fn unknown_runners_are_left_alone() {
        let package: Json = serde_json::json!({});
        let (_d, files) = project(&[]);
        assert_eq!(plan("react-scripts start", &package, &files, "npm"), None);
        assert_eq!(plan("", &package, &files, "npm"), None);
    }
}

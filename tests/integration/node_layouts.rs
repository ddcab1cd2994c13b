//! Node.js layouts end to end: services inside npm, Yarn 1 and pnpm workspaces, start scripts
//! that hide a build (`tsc && node …`, `nx serve`, `ts-node`, `nodemon`), Fastify and Koa.
//!
//! The runnable examples double as `dgen init` fixtures: each case copies an example into a
//! temporary directory, creates the lock file there (lock files are never committed, and dgen
//! only needs the file to exist), runs `dgen init --yes` where a user would, and expects exactly
//! the committed manifest, then exactly the committed Dockerfile, ignore file and compose.yaml.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Copies `from` into `to`, leaving out generated files and anything a checkout would not hold.
fn copy_dir(from: &Path, to: &Path, generated: bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name == "node_modules"
            || name.ends_with("lock.json")
            || name.ends_with(".lock")
            || name == "pnpm-lock.yaml"
        {
            continue;
        }
        let is_generated = [
            "dgen.toml",
            "Dockerfile",
            "Dockerfile.dockerignore",
            ".dockerignore",
            "compose.yaml",
            "README.Docker.md",
        ]
        .contains(&name.as_str());
        if is_generated && !generated {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name), generated);
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

struct Case {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    example: PathBuf,
}

impl Case {
    /// The example `name` without its generated files (`generated`: with them).
    fn new(name: &str, generated: bool) -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join(name);
        copy_dir(&examples().join(name), &root, generated);
        Case {
            _tmp: tmp,
            root,
            example: examples().join(name),
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn dgen(&self, dir: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.root.join(dir))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `dgen init --yes` in `dir`, expected to succeed; returns what it printed.
    fn init(&self, dir: &str) -> String {
        let out = self.dgen(dir, &["init", "--yes"]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "dgen init in {dir}:\n{stderr}");
        stderr
    }

    /// `dgen render` in `dir`, then every generated file equals the committed example's.
    fn render_matches_example(&self, dir: &str, files: &[&str]) {
        let out = self.dgen(dir, &["render", "--quiet"]);
        assert!(
            out.status.success(),
            "render in {dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for file in files {
            let rel = if dir.is_empty() {
                (*file).to_owned()
            } else {
                format!("{dir}/{file}")
            };
            let committed = std::fs::read_to_string(self.example.join(&rel)).unwrap();
            assert_eq!(
                self.read(&rel),
                committed,
                "{rel} differs from the example's"
            );
        }
    }
}

fn manifest(text: &str) -> dgen::manifest::Manifest {
    dgen::manifest::parse(text, None)
        .unwrap_or_else(|d| panic!("{}", dgen::diagnostic::render("dgen.toml", text, &d, false)))
        .manifest
}

const WORKSPACE_FILES: [&str; 4] = [
    "dgen.toml",
    "Dockerfile",
    "Dockerfile.dockerignore",
    "compose.yaml",
];

#[test]
fn npm_workspace_service_found_from_its_own_folder() {
    let case = Case::new("node-npm-workspace", false);
    case.write("package-lock.json", "{}\n");
    let stderr = case.init("apps/api");
    assert!(
        stderr.contains("docker build -f Dockerfile -t api"),
        "{stderr}"
    );
    let text = case.read("apps/api/dgen.toml");
    let m = manifest(&text);
    let node = m.node.clone().unwrap();
    assert_eq!(node.workspace.as_deref(), Some("apps/api"));
    // @acme/shared, and @acme/format through it; never the other service.
    assert_eq!(
        node.workspace_packages,
        ["packages/format", "packages/shared"]
    );
    assert_eq!(node.package_manager.as_str(), "npm");
    assert!(
        text.contains("Detected from ../../package-lock.json."),
        "{text}"
    );
    case.render_matches_example("apps/api", &WORKSPACE_FILES);

    let dockerfile = case.read("apps/api/Dockerfile");
    // P09: the root's files and the closure's manifests, installed before any source.
    let install = dockerfile
        .find("npm ci --omit=dev --workspace apps/api")
        .unwrap();
    for copy in [
        "COPY package.json package-lock.json ./",
        "COPY apps/api/package.json ./apps/api/package.json",
        "COPY packages/shared/package.json ./packages/shared/package.json",
        "COPY packages/format/package.json ./packages/format/package.json",
    ] {
        assert!(dockerfile.find(copy).unwrap() < install, "{copy}");
    }
    for copy in [
        "COPY packages/shared ./packages/shared",
        "COPY apps/api/src ./apps/api/src",
    ] {
        assert!(dockerfile.find(copy).unwrap() > install, "{copy}");
    }
    assert!(!dockerfile.contains("apps/admin"), "another service");
    assert!(dockerfile.contains("WORKDIR /app/apps/api"));
    let compose = case.read("apps/api/compose.yaml");
    assert!(compose.contains("context: \"../..\""), "{compose}");
    assert!(compose.contains("dockerfile: \"apps/api/Dockerfile\""));
    // The allow-list sends only what the build uses.
    let ignore = case.read("apps/api/Dockerfile.dockerignore");
    let allowed: Vec<&str> = ignore.lines().filter(|l| l.starts_with('!')).collect();
    assert_eq!(
        allowed,
        [
            "!package.json",
            "!package-lock.json",
            "!apps/api/package.json",
            "!packages/format/package.json",
            "!packages/shared/package.json",
            "!apps/api/src",
            "!packages/format",
            "!packages/shared",
        ]
    );
    let star = ignore.lines().position(|l| l == "*").unwrap();
    let lines: Vec<&str> = ignore.lines().collect();
    let env = lines.iter().rposition(|l| *l == "**/.env").unwrap();
    assert!(env > star, "secrets stay out of the allowed folders");
    assert!(!case.root.join("apps/api/.dockerignore").exists());

    // Drift: check passes, then fails after an edit of the Dockerfile.
    let out = case.dgen("apps/api", &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let edited = dockerfile.replace("--omit=dev ", "");
    case.write("apps/api/Dockerfile", &edited);
    let out = case.dgen("apps/api", &["check"]);
    assert_eq!(out.status.code(), Some(1));
    // And after an edit of the ignore file.
    case.write("apps/api/Dockerfile", &dockerfile);
    case.write(
        "apps/api/Dockerfile.dockerignore",
        &ignore.replace("!packages/format\n", ""),
    );
    let out = case.dgen("apps/api", &["check"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_workspace_without_its_lock_file_writes_nothing() {
    let case = Case::new("node-npm-workspace", false);
    let out = case.dgen("apps/api", &["init", "--yes"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("../../package-lock.json does not exist"),
        "{stderr}"
    );
    assert!(
        stderr.contains("run `npm install` in the workspace root"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!case.root.join("apps/api/dgen.toml").exists());

    // render refuses a workspace manifest the same way, and writes nothing.
    let case = Case::new("node-npm-workspace", true);
    let out = case.dgen("apps/api", &["render"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("package-lock.json does not exist"),
        "{stderr}"
    );
    std::fs::remove_file(case.root.join("apps/api/Dockerfile")).unwrap();
    let _ = case.dgen("apps/api", &["render"]);
    assert!(!case.root.join("apps/api/Dockerfile").exists());
}

#[test]
fn pnpm_workspace_installs_the_filtered_closure() {
    let case = Case::new("node-pnpm-workspace", false);
    case.write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    case.init("apps/web");
    let m = manifest(&case.read("apps/web/dgen.toml"));
    assert_eq!(
        m.app.command,
        ["node", "src/index.js"],
        "nodemon is dropped"
    );
    assert_eq!(m.app.ports, [5000], "Koa listen(process.env.PORT || 5000)");
    assert!(
        m.app.sources.contains(&"public".to_owned()),
        "koa-static's folder"
    );
    case.render_matches_example("apps/web", &WORKSPACE_FILES);
    let dockerfile = case.read("apps/web/Dockerfile");
    assert!(dockerfile.contains("COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./"));
    assert!(dockerfile.contains("--prod --filter \"{apps/web}...\""));
    assert!(!dockerfile.contains("packages/worker"));
}

#[test]
fn yarn_workspace_with_packages_field() {
    // The npm example as a Yarn 1 workspace (`workspaces.packages`, yarn.lock).
    let case = Case::new("node-npm-workspace", false);
    let root = case.read("package.json").replace(
        "\"workspaces\": [\n    \"apps/*\",\n    \"packages/*\"\n  ]",
        "\"workspaces\": {\n    \"packages\": [\"apps/*\", \"packages/*\"]\n  }",
    );
    assert!(root.contains("\"packages\": [\"apps/*\""));
    case.write("package.json", &root);
    case.write("yarn.lock", "# yarn lockfile v1\n");
    case.init("apps/api");
    let m = manifest(&case.read("apps/api/dgen.toml"));
    assert_eq!(m.node.as_ref().unwrap().package_manager.as_str(), "yarn");
    let out = case.dgen("apps/api", &["render", "--quiet"]);
    assert!(out.status.success());
    let dockerfile = case.read("apps/api/Dockerfile");
    assert!(dockerfile.contains("COPY package.json yarn.lock ./"));
    assert!(dockerfile.contains("--production"));
    assert!(dockerfile.contains("COPY packages/format/package.json"));
}

#[test]
fn a_folder_outside_the_workspace_globs_is_a_plain_project() {
    let case = Case::new("node-npm-workspace", false);
    case.write("package-lock.json", "{}\n");
    case.write(
        "tools/seed/package.json",
        r#"{"name": "seed", "scripts": {"start": "node seed.js"}}"#,
    );
    case.write(
        "tools/seed/seed.js",
        "require('http').createServer().listen(3000);\n",
    );
    case.write("tools/seed/package-lock.json", "{}\n");
    case.init("tools/seed");
    let text = case.read("tools/seed/dgen.toml");
    assert!(!text.contains("workspace"), "{text}");
}

#[test]
fn workspace_settings_are_checked() {
    let case = Case::new("node-npm-workspace", true);
    case.write("package-lock.json", "{}\n");
    let good = case.read("apps/api/dgen.toml");
    for (from, to, expect) in [
        (
            "workspace = \"apps/api\"",
            "workspace = \"apps/admin\"",
            "not `apps/admin` under its workspace root",
        ),
        (
            "workspace = \"apps/api\"",
            "workspace = \"../apps/api\"",
            "must be a plain relative path",
        ),
        (
            "[\"packages/format\", \"packages/shared\"]",
            "[\"packages/format\", \"packages/missing\"]",
            "packages/missing/package.json does not exist",
        ),
        (
            "[\"packages/format\", \"packages/shared\"]",
            "[\"packages/format\", \"packages/sh ared\\nRUN x\"]",
            "error",
        ),
        (
            "sources = [\"src\"]",
            "sources = [\"src\", \"my file.js\"]",
            "plain relative path in a workspace build",
        ),
    ] {
        assert!(good.contains(from), "{from}");
        case.write("apps/api/dgen.toml", &good.replace(from, to));
        let out = case.dgen("apps/api", &["render", "--stdout"]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{to}: {stderr}");
        assert!(stderr.contains(expect), "{to}: {stderr}");
        assert!(out.stdout.is_empty(), "{to}: nothing rendered");
    }
}

#[test]
fn express_typescript_start_script_runs_tsc() {
    let case = Case::new("node-express-tsc", false);
    case.write("package-lock.json", "{}\n");
    let stderr = case.init("");
    assert!(!stderr.contains("does not run node directly"), "{stderr}");
    let m = manifest(&case.read("dgen.toml"));
    assert_eq!(m.app.command, ["node", "dist/server.js"]);
    let node = m.node.clone().unwrap();
    assert_eq!(node.build, ["npx", "tsc"]);
    assert_eq!(node.output, "dist");
    assert_eq!(node.assets, ["public"], "express.static's folder");
    case.render_matches_example("", &["dgen.toml", "Dockerfile", ".dockerignore"]);
    let dockerfile = case.read("Dockerfile");
    let final_stage = &dockerfile[dockerfile.rfind("\nFROM ").unwrap()..];
    assert!(final_stage.contains("COPY --from=build /app/dist ./dist"));
    assert!(final_stage.contains("COPY public ./public"));
    assert!(final_stage.contains("COPY --from=deps --chown=0:0 /app/node_modules"));
    assert!(
        !final_stage.contains("COPY src"),
        "no TypeScript sources at run time"
    );
}

#[test]
fn nx_serve_becomes_an_nx_build() {
    let case = Case::new("node-nx", false);
    case.write("package-lock.json", "{}\n");
    case.init("");
    let m = manifest(&case.read("dgen.toml"));
    assert_eq!(m.app.command, ["node", "dist/apps/api/main.js"]);
    assert_eq!(
        m.node.unwrap().build,
        ["env", "NX_DAEMON=false", "npx", "nx", "build", "api"]
    );
    assert_eq!(m.app.ports, [3333]);
    case.render_matches_example("", &["dgen.toml", "Dockerfile", ".dockerignore"]);
}

#[test]
fn fastify_port_and_static_root() {
    let case = Case::new("node-fastify", false);
    case.write("package-lock.json", "{}\n");
    case.init("");
    let text = case.read("dgen.toml");
    assert!(
        text.contains("# Fastify app, the fallback of process.env.PORT. Detected from src/app.js."),
        "{text}"
    );
    let m = manifest(&text);
    assert_eq!(m.app.command, ["node", "src/app.js"]);
    assert_eq!(m.app.ports, [7000]);
    assert_eq!(m.app.sources, ["src", "static"]);
    case.render_matches_example("", &["dgen.toml", "Dockerfile", ".dockerignore"]);

    // Fastify on its default host would not answer in a container: said, or fixed by HOST.
    let case = Case::new("node-fastify", false);
    case.write("package-lock.json", "{}\n");
    let app = case.read("src/app.js").replace(", host: '0.0.0.0'", "");
    case.write("src/app.js", &app);
    let stderr = case.init("");
    assert!(stderr.contains("listens on 127.0.0.1"), "{stderr}");
    std::fs::remove_file(case.root.join("dgen.toml")).unwrap();
    case.write(
        "src/app.js",
        &app.replace(
            "Number(process.env.PORT) || 7000",
            "Number(process.env.PORT) || 7000, host: process.env.HOST",
        ),
    );
    case.init("");
    let m = manifest(&case.read("dgen.toml"));
    assert_eq!(m.app.env["HOST"], "0.0.0.0");
}

/// Layouts written for this test, in the styles real teams use.
#[test]
fn other_start_scripts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // A ts-node starter with a build script and views rendered by the app.
    write(
        "package.json",
        r#"{"name": "svc", "scripts": {"start": "ts-node src/index.ts", "build": "tsc -p tsconfig.json"},
            "dependencies": {"express": "4", "ejs": "3"}, "devDependencies": {"ts-node": "10", "typescript": "5"}}"#,
    );
    write("yarn.lock", "# yarn lockfile v1\n");
    write(
        "tsconfig.json",
        "{\n  \"compilerOptions\": {\n    \"outDir\": \"build\",\n    \"rootDir\": \"src\"\n  }\n}\n",
    );
    write(
        "src/index.ts",
        "import express from 'express';\nimport path from 'path';\nconst app = express();\napp.set('views', path.join(__dirname, '../views'));\napp.set('view engine', 'ejs');\napp.listen(process.env.PORT ?? 3100);\n",
    );
    write("views/index.ejs", "<h1>hi</h1>\n");
    let out = run(&["init", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = manifest(&std::fs::read_to_string(dir.join("dgen.toml")).unwrap());
    assert_eq!(m.app.command, ["node", "build/index.js"]);
    let node = m.node.unwrap();
    assert_eq!(node.build, ["yarn", "run", "build"]);
    assert_eq!(node.output, "build");
    assert_eq!(node.assets, ["views"]);
    assert_eq!(m.app.ports, [3100]);
    let out = run(&["render", "--stdout"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = String::from_utf8(out.stdout).unwrap();
    assert!(rendered.contains("COPY views ./views"), "{rendered}");
    assert!(rendered.contains("CMD [\"node\", \"build/index.js\"]"));
}

/// The non-comment instructions of a Dockerfile, continuations joined.
fn steps(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(body) => current.push_str(body),
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

fn at(steps: &[String], needle: &str) -> usize {
    steps
        .iter()
        .position(|s| s.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` in {steps:#?}"))
}

#[test]
fn workspace_packages_built_before_the_service_uses_them() {
    let case = Case::new("node-workspace-build", false);
    case.write("package-lock.json", "{}\n");
    case.init("apps/api");
    let m = manifest(&case.read("apps/api/dgen.toml"));
    let node = m.node.clone().unwrap();
    assert_eq!(node.workspace_packages, ["packages/shared"]);
    assert_eq!(node.workspace_builds, ["packages/shared/dist"]);
    case.render_matches_example("apps/api", &WORKSPACE_FILES);
    let dockerfile = case.read("apps/api/Dockerfile");
    let s = steps(&dockerfile);
    // The dev dependencies of the built package too, then its sources, then its build script.
    let stage = at(&s, "FROM deps AS build");
    let all = at(&s, "--workspace packages/shared --include-workspace-root");
    let copy = s
        .iter()
        .position(|x| x == "COPY packages/shared ./packages/shared")
        .unwrap();
    let build = at(
        &s,
        "RUN [\"npm\", \"run\", \"build\", \"--workspace\", \"packages/shared\"]",
    );
    assert!(stage < all && all < copy && copy < build, "{dockerfile}");
    // The final image takes the sources from the context and only the output from the build.
    let runtime = s.iter().rposition(|x| x.starts_with("FROM node:")).unwrap();
    let output = at(
        &s,
        "COPY --from=build /app/packages/shared/dist ./packages/shared/dist",
    );
    assert!(runtime < output);
    assert!(
        !s[runtime..]
            .iter()
            .any(|x| x.contains("--from=build /app/packages/shared "))
    );
    // A local build output is never sent.
    let ignore = case.read("apps/api/Dockerfile.dockerignore");
    let tail: Vec<&str> = ignore.lines().rev().take(1).collect();
    assert_eq!(tail, ["packages/shared/dist"], "{ignore}");

    // pnpm and Yarn 1 run the package's script their own way.
    let text = case.read("apps/api/dgen.toml");
    for (pm, run) in [
        (
            "pnpm",
            "RUN [\"pnpm\", \"--filter\", \"{packages/shared}\", \"run\", \"build\"]",
        ),
        (
            "yarn",
            "RUN [\"yarn\", \"--cwd\", \"packages/shared\", \"run\", \"build\"]",
        ),
    ] {
        let lock = match pm {
            "pnpm" => "pnpm-lock.yaml",
            _ => "yarn.lock",
        };
        case.write(lock, "\n");
        if pm == "pnpm" {
            case.write(
                "pnpm-workspace.yaml",
                "packages:\n  - apps/*\n  - packages/*\n",
            );
        }
        case.write(
            "apps/api/dgen.toml",
            &text.replace(
                "package_manager = \"npm\"",
                &format!("package_manager = \"{pm}\""),
            ),
        );
        let out = case.dgen("apps/api", &["render", "--quiet"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(case.read("apps/api/Dockerfile").contains(run), "{pm}");
    }

    // Refused: an output outside the packages, a package without a build script.
    for (value, message) in [
        (
            "[\"apps/api/dist\"]",
            "is not inside one of [node] workspace_packages",
        ),
        (
            "[\"packages/shared/../x\"]",
            "must be a plain relative path",
        ),
    ] {
        case.write(
            "apps/api/dgen.toml",
            &text.replace("[\"packages/shared/dist\"]", value),
        );
        let out = case.dgen("apps/api", &["render", "--quiet"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    }
    case.write("apps/api/dgen.toml", &text);
    let package = case
        .read("packages/shared/package.json")
        .replace("\"build\": \"tsc -p tsconfig.json\"", "\"check\": \"tsc\"");
    case.write("packages/shared/package.json", &package);
    let out = case.dgen("apps/api", &["render", "--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("packages/shared/package.json has no `build` script"),
        "{stderr}"
    );
}

#[test]
fn yarn_berry_without_its_version_is_refused_with_the_way_out() {
    // A Berry workspace (node-modules linker) that pins no Yarn version: Yarn 1 cannot read its
    // lock file, and corepack needs packageManager.
    let case = Case::new("node-npm-workspace", false);
    case.write(
        "yarn.lock",
        "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"ms@npm:2.1.3\":\n  version: 2.1.3\n",
    );
    case.write(".yarnrc.yml", "nodeLinker: node-modules\n");
    let out = case.dgen("apps/api", &["init", "--yes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!case.root.join("apps/api/dgen.toml").exists());
    assert!(
        stderr.contains("yarn.lock is a Yarn 2+ (Berry) lock file (`__metadata:`) (in ../..)"),
        "{stderr}"
    );
    // No packageManager to tell the Yarn version: the way out is to pin it.
    assert!(
        stderr.contains("installs with Yarn 1 (classic)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"packageManager\": \"yarn@X.Y.Z\""),
        "{stderr}"
    );

    // A plain project with Plug'n'Play (no nodeLinker): refused, PnP named.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "b", "packageManager": "yarn@4.5.0", "scripts": {"start": "node server.js"}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("yarn.lock"), "__metadata:\n  version: 8\n").unwrap();
    std::fs::write(
        dir.join("server.js"),
        "require('http').createServer().listen(3000)\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["init", "--yes"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Plug'n'Play"), "{stderr}");
    assert!(!dir.join("dgen.toml").exists());
}

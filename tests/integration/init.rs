//! `dgen init` end to end. Each case copies a project from `tests/fixtures/init/<case>/` into a
//! temporary directory, runs the real binary there (stdin not a terminal, so no prompts), and
//! checks what it printed and the manifest it wrote (insta snapshots in `tests/integration/snapshots/`;
//! `INSTA_UPDATE=always cargo test --test integration init::` rewrites them after a deliberate change), then
//! that the manifest parses and that `dgen render` renders it.
//!
//! `tests/judges/init-fixtures.sh` renders the same fixtures and runs the judges on them.

use crate::common;

use common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init")
}

/// A fixture copied into a temporary directory named like the fixture (the name `dgen init`
/// falls back to).
struct Case {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Case {
    fn new(fixture: &str) -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(fixture);
        copy_dir(&fixtures().join(fixture), &dir);
        Case { _tmp: tmp, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    fn dgen(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs `dgen init ARGS`, expects success, and returns the manifest and what was printed.
    fn init(&self, args: &[&str]) -> (String, String) {
        let out = self.dgen(&[&["init"], args].concat());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "dgen init {args:?}:\n{stderr}");
        assert!(out.stdout.is_empty(), "stdout stays empty");
        (self.read("dgen.toml"), stderr)
    }

    /// The manifest parses (with the project's files checked) and renders, through the library
    /// and through `dgen render`.
    fn assert_renders(&self) {
        let text = self.read("dgen.toml");
        let loaded = dgen::manifest::parse(&text, Some(&self.dir)).unwrap_or_else(|d| {
            panic!(
                "{}",
                dgen::diagnostic::render("dgen.toml", &text, &d, false)
            )
        });
        dgen::render::render(&loaded.manifest, "dgen.toml").expect("renders");
        let out = self.dgen(&["render"]);
        assert!(
            out.status.success(),
            "dgen render:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for file in ["Dockerfile", ".dockerignore", "compose.yaml"] {
            assert!(self.path(file).is_file(), "{file} rendered");
        }
    }
}

/// One snapshot per case: what `dgen init` printed, then the manifest it wrote.
fn snapshot(name: &str, stderr: &str, manifest: &str) {
    insta::assert_snapshot!(name, format!("{stderr}\n----- dgen.toml -----\n{manifest}"));
}

fn manifest(text: &str) -> dgen::manifest::Manifest {
    dgen::manifest::parse(text, None)
        .unwrap_or_else(|d| panic!("{}", dgen::diagnostic::render("dgen.toml", text, &d, false)))
        .manifest
}

#[test]
fn flask_with_gunicorn() {
    let case = Case::new("flask-gunicorn");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("flask_gunicorn", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(m.app.command.first().map(String::as_str), Some("gunicorn"));
    assert!(
        m.app.command.contains(&"--no-control-socket".to_owned()),
        "gunicorn 25.1 pinned"
    );
    assert_eq!(m.app.sources, vec!["app.py", "static", "templates"]);
    assert_eq!(m.python.unwrap().version, "3.11");
    assert!(text.contains("Detected from .python-version."));
    case.assert_renders();
}

#[test]
fn flask_without_gunicorn_runs_the_development_server() {
    let case = Case::new("flask-dev-server");
    let (text, stderr) = case.init(&[]);
    snapshot("flask_dev_server", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(
        m.app.command,
        vec![
            "flask",
            "--app",
            "myapp:create_app()",
            "run",
            "--host",
            "0.0.0.0",
            "--port",
            "5000"
        ]
    );
    assert_eq!(m.app.ports, vec![5000]);
    assert_eq!(m.python.unwrap().version, "3.10");
    assert!(stderr.contains("add gunicorn to requirements.txt"));
    case.assert_renders();
}

#[test]
fn fastapi_with_uv_from_pyproject() {
    let case = Case::new("fastapi-uv");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("fastapi_uv", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(
        m.app.command,
        vec![
            "uvicorn",
            "app.main:app",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );
    assert_eq!(m.healthcheck.path.as_deref(), Some("/health"));
    assert!(stderr.contains("run `uv lock`"));
    case.assert_renders();
}

#[test]
fn fastapi_with_a_uv_lock_made_at_test_time() {
    let case = Case::new("fastapi-uv");
    // A minimal lock without any index address (real ones are never committed).
    case.write(
        "uv.lock",
        "version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"uvicorn\"\nversion = \"0.34.2\"\n",
    );
    let (text, stderr) = case.init(&["--yes"]);
    assert!(text.contains("Detected from uv.lock."), "{text}");
    assert!(!stderr.contains("uv lock"), "{stderr}");
    assert!(!stderr.contains("warning[lock-missing]"), "{stderr}");
    case.assert_renders();
}

#[test]
fn pep621_with_requirements_prefers_pip() {
    let case = Case::new("fastapi-pip");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("fastapi_pip", &stderr, &text);
    let m = manifest(&text);
    let python = m.python.unwrap();
    assert_eq!(
        python.package_manager,
        dgen::stacks::python::PythonPackageManager::Pip
    );
    assert_eq!(
        python.version, "3.10",
        "requires-python >=3.8, raised past end of life"
    );
    assert_eq!(m.app.command[1], "main:api");
    case.assert_renders();
}

#[test]
fn django_with_poetry() {
    let case = Case::new("django-poetry");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("django_poetry", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(m.name, "shop");
    assert_eq!(m.app.command.last().map(String::as_str), Some("shop.wsgi"));
    assert_eq!(m.app.env["DJANGO_SETTINGS_MODULE"], "shop.settings");
    assert_eq!(m.healthcheck.path.as_deref(), Some("/healthz/"));
    // psycopg2-binary and redis are dependencies: the services are enabled, not suggested.
    assert!(m.compose.postgres.is_some(), "{text}");
    assert!(m.compose.redis.is_some(), "{text}");
    assert!(!text.contains("# [compose.postgres]"), "{text}");
    case.assert_renders();
}

#[test]
fn a_procfile_web_process_wins() {
    let case = Case::new("procfile");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("procfile", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(
        m.app.command,
        vec![
            "gunicorn",
            "app:app",
            "--workers",
            "2",
            "--bind",
            "0.0.0.0:8000"
        ]
    );
    assert_eq!(m.app.env["PORT"], "8000");
    // The Procfile's release step becomes the one-shot `migrate` service.
    assert_eq!(m.app.release, vec![vec!["python", "migrate.py"]]);
    assert!(stderr.contains("app.release"), "{stderr}");
    case.assert_renders();
}

#[test]
fn a_worker_script_gets_no_port_and_a_command_health_check() {
    let case = Case::new("worker");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("worker", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(m.app.command, vec!["python", "worker.py"]);
    assert!(m.app.ports.is_empty());
    assert!(m.healthcheck.command.is_some());
    assert_eq!(m.python.unwrap().version, "3.13");
    case.assert_renders();
}

#[test]
fn a_pipfile_asks_for_a_requirements_export() {
    let case = Case::new("pipfile");
    // No Pipfile.lock and no requirements.txt: the advice, exit 2 and nothing written, since
    // `dgen render` would refuse the manifest.
    let out = case.dgen(&["init", "--yes"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pipenv requirements > requirements.txt"),
        "{stderr}"
    );
    assert!(stderr.contains("error[path-missing]"), "{stderr}");
    assert!(!case.path("dgen.toml").exists());
    // What `pipenv requirements` would write.
    case.write("requirements.txt", "flask==3.1.3\ngunicorn==23.0.0\n");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("pipfile", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(m.python.unwrap().version, "3.12");
    case.assert_renders();

    // With pipenv's lock, the image installs from it.
    let case = Case::new("pipfile");
    case.write(
        "Pipfile.lock",
        r#"{"_meta": {}, "default": {"flask": {"version": "==3.1.3", "hashes": ["sha256:00"]}}, "develop": {}}"#,
    );
    let (text, _) = case.init(&["--yes"]);
    assert!(text.contains("requirements = \"Pipfile.lock\""), "{text}");
    case.assert_renders();
    let dockerfile = std::fs::read_to_string(case.path("Dockerfile")).unwrap();
    assert!(dockerfile.contains("COPY Pipfile.lock ./"), "{dockerfile}");
    assert!(dockerfile.contains("json.load"), "{dockerfile}");
}

#[test]
fn a_src_layout_with_a_poetry_build_backend() {
    let case = Case::new("src-layout");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("src_layout", &stderr, &text);
    let m = manifest(&text);
    assert_eq!(m.name, "web-app");
    assert_eq!(m.app.sources, vec!["src"]);
    assert_eq!(m.app.env["PYTHONPATH"], "/app/src");
    assert_eq!(m.healthcheck.path.as_deref(), Some("/livez"));
    case.assert_renders();
}

#[test]
fn an_unknown_project_writes_nothing() {
    let case = Case::new("unknown");
    let out = case.dgen(&["init", "--yes"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!case.path("dgen.toml").exists());
    insta::assert_snapshot!("unknown", stderr);
    assert!(matches!(
        dgen::init::detect(&case.dir),
        Err(dgen::init::NotDetected { .. })
    ));
}

#[test]
fn an_unknown_project_with_stack_and_flags() {
    let case = Case::new("unknown");
    // Without a requirements file `dgen render` would refuse the manifest: init writes nothing.
    let out = case.dgen(&[
        "init",
        "--stack",
        "python",
        "--command",
        "python -m http.server 8000",
        "--source",
        "README.md",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!case.path("dgen.toml").exists());
    case.write("requirements.txt", "");
    let (text, _) = case.init(&[
        "--stack",
        "python",
        "--command",
        "python -m http.server 8000",
        "--port",
        "8000",
        "--source",
        "README.md",
    ]);
    let m = manifest(&text);
    assert_eq!(m.app.command, vec!["python", "-m", "http.server", "8000"]);
    assert_eq!(m.app.ports, vec![8000]);
    assert!(
        m.healthcheck.command.is_none(),
        "a TCP check once there is a port"
    );
    assert!(text.contains("Set with --command."));
    case.assert_renders();
}

#[test]
fn an_unknown_project_with_stack_but_nothing_to_run_writes_nothing() {
    let case = Case::new("unknown");
    let out = case.dgen(&["init", "--stack", "python"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sources-empty"), "{stderr}");
    assert!(!case.path("dgen.toml").exists());
}

#[test]
fn an_existing_manifest_is_kept_without_force() {
    let case = Case::new("existing-manifest");
    let before = case.read("dgen.toml");
    let out = case.dgen(&["init", "--yes"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    insta::assert_snapshot!("existing_manifest", stderr);
    assert_eq!(case.read("dgen.toml"), before);

    let (text, _) = case.init(&["--yes", "--force"]);
    assert_ne!(text, before);
    assert_eq!(manifest(&text).name, "existing-manifest");
    case.assert_renders();
}

#[test]
fn a_hand_written_dockerfile_is_left_alone() {
    let case = Case::new("handwritten-dockerfile");
    let dockerfile = case.read("Dockerfile");
    let (text, stderr) = case.init(&["--yes"]);
    snapshot("handwritten_dockerfile", &stderr, &text);
    assert_eq!(case.read("Dockerfile"), dockerfile);
    assert!(stderr.contains(
        "`dgen render` will not replace it without `--force`; `dgen diff` shows how it differs"
    ));
    assert!(stderr.contains("docker-compose.yml exists"));
    // render refuses to replace the hand-written Dockerfile, and writes nothing at all.
    let out = case.dgen(&["render"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not written by dgen"));
    assert_eq!(case.read("Dockerfile"), dockerfile);
    assert!(!case.dir.join("compose.yaml").exists());
    std::fs::remove_file(case.dir.join("Dockerfile")).unwrap();
    case.assert_renders();
}

#[test]
fn flags_override_every_detected_value() {
    let case = Case::new("flask-gunicorn");
    let (text, _) = case.init(&[
        "--name",
        "greeter",
        "--port",
        "9000",
        "--source",
        "app.py",
        "--source",
        "templates",
        "--env",
        "LOG_LEVEL=debug",
        "--python-version",
        "3.13",
        "--package-manager",
        "pip",
        "--health-path",
        "/ready",
        "--dir",
        ".",
    ]);
    let m = manifest(&text);
    assert_eq!(m.name, "greeter");
    assert_eq!(m.app.ports, vec![9000]);
    assert!(
        m.app.command.contains(&"0.0.0.0:9000".to_owned()),
        "the bind follows the port"
    );
    assert_eq!(m.app.sources, vec!["app.py", "templates"]);
    assert_eq!(m.app.env["LOG_LEVEL"], "debug");
    assert_eq!(m.python.unwrap().version, "3.13");
    assert_eq!(m.healthcheck.path.as_deref(), Some("/ready"));
    for flag in [
        "--name",
        "--port",
        "--source",
        "--env",
        "--python-version",
        "--health-path",
    ] {
        assert!(
            text.contains(&format!("Set with {flag}.")),
            "{flag}:\n{text}"
        );
    }
    case.assert_renders();

    let case = Case::new("flask-gunicorn");
    let args = [
        "--command",
        "gunicorn --bind 0.0.0.0:7000 app:app",
        "--no-healthcheck",
        "--package-manager",
        "uv",
    ];
    // uv needs pyproject.toml, which this project lacks: refused, nothing written.
    let out = case.dgen(&[&["init"], &args[..]].concat());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pyproject.toml"), "{stderr}");
    assert!(!case.path("dgen.toml").exists());
    case.write(
        "pyproject.toml",
        "[project]\nname = \"greeter\"\nversion = \"1.0\"\n",
    );
    let (text, _) = case.init(&args);
    let m = manifest(&text);
    assert_eq!(m.app.ports, vec![7000], "the ports follow the command");
    assert!(!m.healthcheck.enabled);
    assert!(
        !text.contains("requirements ="),
        "no requirements file with uv:\n{text}"
    );
}

#[test]
fn invalid_flags_write_nothing() {
    for args in [
        &["--port", "22"][..],
        &["--package-manager", "conda"],
        &["--command", "'unclosed"],
        &["--name", "Not Valid"],
        &["--stack", "cobol"],
        &["--set", "nonsense=1"],
    ] {
        let case = Case::new("flask-gunicorn");
        let out = case.dgen(&[&["init", "--yes"], args].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!case.path("dgen.toml").exists(), "{args:?}");
    }
}

#[test]
fn init_in_another_directory() {
    let case = Case::new("worker");
    let parent = case.dir.parent().unwrap().to_owned();
    let out = Command::new(BIN)
        .args(["init", "--dir", "worker"])
        .current_dir(&parent)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("wrote worker/dgen.toml"), "{stderr}");
    assert!(
        stderr.contains("dgen render -m worker/dgen.toml"),
        "{stderr}"
    );
    case.assert_renders();
}

/// An interactive run through a pseudo-terminal: Enter keeps values, one is changed.
#[cfg(unix)]
#[test]
fn interactive_prompts_change_a_value() {
    use rexpect::session::spawn_command;

    let case = Case::new("flask-gunicorn");
    let mut command = Command::new(BIN);
    command
        .args(["--color", "never", "init"])
        .current_dir(&case.dir)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut p = spawn_command(command, Some(20_000)).expect("spawns in a pty");
    let steps: [(&str, &str); 9] = [
        ("App name", ""),
        ("Ports the app listens on", "9000"),
        ("Command", ""),
        ("Sources to copy", ""),
        ("python.version", ""),
        ("python.package_manager", ""),
        ("python.requirements", ""),
        ("Health check HTTP path", ""),
        // Enter takes the default, yes. (A lone key could sit in the terminal's line buffer
        // between two of the prompt's raw-mode reads; a newline always gets through.)
        ("Write dgen.toml?", ""),
    ];
    for (prompt, answer) in steps {
        p.exp_string(prompt)
            .unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
        p.send_line(answer).unwrap();
    }
    p.exp_string("wrote dgen.toml").expect("writes");
    p.exp_eof().expect("exits");
    let text = case.read("dgen.toml");
    let m = manifest(&text);
    assert_eq!(m.app.ports, vec![9000]);
    assert!(
        m.app.command.contains(&"0.0.0.0:9000".to_owned()),
        "the command follows the new port: {:?}",
        m.app.command
    );
    assert!(text.contains("Set at the `dgen init` prompt."), "{text}");
    assert_eq!(m.name, "flask-gunicorn");
    case.assert_renders();
}

/// The other stacks: one fixture each, snapshotted and rendered.
#[test]
fn other_stacks() {
    for (fixture, stack) in [
        ("node-pnpm", "node"),
        ("static-vite", "static"),
        ("static-html", "static"),
        ("go-cmd", "go"),
        ("rust-bin", "rust"),
        ("java-maven", "java"),
        ("java-gradle", "java"),
    ] {
        let case = Case::new(fixture);
        let (text, stderr) = case.init(&["--yes"]);
        snapshot(&fixture.replace('-', "_"), &stderr, &text);
        assert_eq!(manifest(&text).stack.as_str(), stack, "{fixture}");
        case.assert_renders();
    }
}

#[test]
fn node_details() {
    let case = Case::new("node-pnpm");
    let (text, _) = case.init(&["--yes"]);
    let m = manifest(&text);
    assert_eq!(m.name, "notifier", "the scope is dropped");
    assert_eq!(m.app.command, vec!["node", "src/index.js"]);
    assert_eq!(m.app.ports, vec![4000], "process.env.PORT ?? 4000");
    assert_eq!(m.app.env["NODE_ENV"], "production", "from the start script");
    assert!(text.contains("pnpm_version = \"9.15.4\""));
    assert!(
        text.contains("\n[compose.redis]\n") && !text.contains("# [compose.redis]"),
        "ioredis enables Redis: {text}"
    );

    // A lock file decides the package manager (made here: real ones are never committed).
    let case = Case::new("node-pnpm");
    case.write("yarn.lock", "# yarn lockfile v1\n");
    let (text, _) = case.init(&["--yes"]);
    assert!(text.contains("package_manager = \"yarn\""), "{text}");
    assert!(text.contains("Detected from yarn.lock."), "{text}");
}

#[test]
fn a_vite_site_is_static_not_node() {
    let case = Case::new("static-vite");
    let (text, stderr) = case.init(&["--yes"]);
    let m = manifest(&text);
    assert!(m.app.command.is_empty(), "nginx's own command");
    assert!(text.contains("spa = true"));
    assert!(text.contains("output = \"dist\""));
    assert!(stderr.contains("dgen init --stack node"), "{stderr}");
    // Asked for node, it is a Node.js app.
    let case = Case::new("static-vite");
    let (text, _) = case.init(&["--yes", "--stack", "node"]);
    assert_eq!(manifest(&text).stack.as_str(), "node");
}

#[test]
fn set_changes_a_stack_setting() {
    let case = Case::new("go-cmd");
    let (text, _) = case.init(&[
        "--yes",
        "--set",
        "main=./cmd/migrate",
        "--set",
        "assets=templates",
    ]);
    assert!(text.contains("main = \"./cmd/migrate\""), "{text}");
    assert!(text.contains("assets = [\"templates\"]"), "{text}");
    assert!(text.contains("Set with --set."), "{text}");
    case.assert_renders();
}

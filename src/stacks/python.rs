//! The Python stack: a builder stage installs the locked dependencies into a virtual environment
//! at `/opt/venv` (pip, uv or poetry, never dev dependencies); the final stage copies that
//! environment and the listed sources. Templates: `templates/python/`.

use serde::Serialize;

use super::{DebugSetup, Probe, Stack};
use crate::manifest::validate::is_version;
use crate::manifest::{
    Checker, Debug, Manifest, Python as Settings, PythonPackageManager, StackName,
};

/// The Python stack.
pub struct Python;

fn settings(manifest: &Manifest) -> Settings {
    manifest.python.clone().unwrap_or_default()
}

/// The files the dependency install reads, copied before the sources (P09).
fn dependency_files(settings: &Settings) -> Vec<String> {
    match settings.package_manager {
        PythonPackageManager::Pip => vec![settings.requirements.clone()],
        PythonPackageManager::Uv => vec!["pyproject.toml".to_owned(), "uv.lock".to_owned()],
        PythonPackageManager::Poetry => {
            vec!["pyproject.toml".to_owned(), "poetry.lock".to_owned()]
        }
    }
}

#[derive(Serialize)]
struct Context {
    package_manager: &'static str,
    dependency_files: Vec<String>,
    requirements: String,
    uv_version: String,
    poetry_version: String,
    compile_bytecode: bool,
}

impl Stack for Python {
    fn name(&self) -> StackName {
        StackName::Python
    }

    fn description(&self) -> &'static str {
        "Python with pip, uv or poetry"
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = settings(manifest);
        if !(is_version(&s.version, 2..=3) && s.version.starts_with("3.")) {
            c.error(
                "python-version",
                &["python".into(), "version".into()],
                format!("`{}` is not a Python 3 version", s.version),
                "expected e.g. \"3.12\"",
            );
        }
        for (field, value) in [
            ("uv_version", &s.uv_version),
            ("poetry_version", &s.poetry_version),
        ] {
            if !is_version(value, ..) {
                c.error(
                    "tool-version",
                    &["python".into(), field.into()],
                    format!("`{value}` is not an exact version"),
                    "expected e.g. \"1.2.3\" (hadolint DL3013 wants pinned tools)",
                );
            }
        }
        // Point at `requirements` when the manifest sets it, else at `stack = "python"`, whose
        // default it is.
        let requirements: &[crate::manifest::spans::Seg<'_>] =
            if c.span(&["python".into(), "requirements".into()]) == Some(0..0) {
                &["stack".into()]
            } else {
                &["python".into(), "requirements".into()]
            };
        if s.package_manager == PythonPackageManager::Pip
            && c.relative_path(requirements, &s.requirements, "requirements file")
        {
            c.must_exist(requirements, &s.requirements, "requirements file", true);
        }
        if s.package_manager != PythonPackageManager::Pip {
            let manager = ["python".into(), "package_manager".into()];
            c.must_exist(&manager, "pyproject.toml", "pyproject.toml", true);
            let lock = &dependency_files(&s)[1];
            let (tool, command) = match s.package_manager {
                PythonPackageManager::Uv => ("uv", "uv lock"),
                _ => ("poetry", "poetry lock"),
            };
            if let Some(dir) = c.project_dir()
                && !dir.join(lock).exists()
            {
                c.warning(
                    "lock-missing",
                    &manager,
                    format!("{lock} does not exist yet: the image build installs from it"),
                    format!("{tool} needs {lock}"),
                )
                .help = Some(format!("run `{command}` before `docker build`"));
            }
        }
    }

    fn base_image(&self, manifest: &Manifest) -> String {
        format!("python:{}-slim", settings(manifest).version)
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = settings(manifest);
        minijinja::Value::from(minijinja::value::Serde(Context {
            package_manager: match s.package_manager {
                PythonPackageManager::Pip => "pip",
                PythonPackageManager::Uv => "uv",
                PythonPackageManager::Poetry => "poetry",
            },
            dependency_files: dependency_files(&s),
            requirements: s.requirements.clone(),
            uv_version: s.uv_version.clone(),
            poetry_version: s.poetry_version.clone(),
            compile_bytecode: s.compile_bytecode,
        }))
    }

    fn debug(&self, manifest: &Manifest, debug: &Debug) -> Option<DebugSetup> {
        let port = debug.port.unwrap_or(5678);
        let mut command = vec![
            "python".to_owned(),
            "-m".to_owned(),
            "debugpy".to_owned(),
            "--listen".to_owned(),
            format!("0.0.0.0:{port}"),
        ];
        if debug.wait_for_client {
            command.push("--wait-for-client".to_owned());
        }
        let app = &manifest.app.command;
        match app.first().map(String::as_str) {
            // `python app.py` / `python -m pkg`: debugpy takes the same arguments.
            Some("python" | "python3") => command.extend(app[1..].iter().cloned()),
            // A console script (gunicorn, uvicorn, celery, …) is a Python file in the venv.
            Some(program) if !program.contains('/') => {
                command.push(format!("/opt/venv/bin/{program}"));
                command.extend(app[1..].iter().cloned());
            }
            _ => command.extend(app.iter().cloned()),
        }
        let launch = serde_json::json!({
            "name": format!("{}: attach", manifest.name),
            "type": "debugpy",
            "request": "attach",
            "connect": {"host": "127.0.0.1", "port": port},
            "pathMappings": [{"localRoot": "${workspaceFolder}", "remoteRoot": manifest.app.workdir}],
            "justMyCode": true,
        });
        Some(DebugSetup {
            port,
            stage: true,
            command: Some(command),
            environment: Vec::new(),
            version: debug.version.clone().unwrap_or_else(|| "1.8.22".to_owned()),
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
                "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout={timeout_secs})"
            ),
            Probe::Tcp { port, timeout_secs } => format!(
                "import socket; socket.create_connection(('127.0.0.1', {port}), timeout={timeout_secs}).close()"
            ),
        };
        vec!["python".to_owned(), "-c".to_owned(), code]
    }
}

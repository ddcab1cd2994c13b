//! What the container runs: the framework and the server that goes with it, its port, the
//! health check, and the environment the command needs. A Procfile's `web:` (or `worker:`)
//! process wins over what the framework suggests.

use std::collections::BTreeMap;

use super::deps::Dependencies;
use super::layout::Layout;
use super::scan::{AppObject, Scan, ServerCall};
use crate::init::{Detected, Health, ProjectFiles, ports_in_command, split_command};

/// gunicorn's and uvicorn's usual port, and Django's.
const SERVER_PORT: u32 = 8000;
/// `flask run`'s port.
const FLASK_PORT: u32 = 5000;
/// Streamlit's port.
const STREAMLIT_PORT: u32 = 8501;
/// The gunicorn version that opens a control socket by default (turned off in a container,
/// whose user has no home to put it in).
const GUNICORN_CONTROL_SOCKET: [u64; 2] = [25, 1];

/// Script names that usually start an app, best first.
const SCRIPT_NAMES: [&str; 8] = [
    "main.py",
    "app.py",
    "run.py",
    "worker.py",
    "bot.py",
    "server.py",
    "cli.py",
    "__main__.py",
];

/// What runs in the container.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The command.
    pub command: Detected<Vec<String>>,
    /// The ports.
    pub ports: Detected<Vec<u32>>,
    /// Environment the command needs.
    pub env: Detected<BTreeMap<String, String>>,
    /// The health check.
    pub health: Detected<Health>,
}

fn words(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The command of [`liveness`].
pub fn liveness_command() -> Vec<String> {
    words(&["python", "-c", "import os; os.kill(1, 0)"])
}

/// A liveness check for an app with no port: the most that can be known without its help.
pub fn liveness() -> Detected<Health> {
    Detected::default(
        Health::Command(liveness_command()),
        "the app listens on no port",
    )
    .because(
        "this only checks that the app's process is alive: replace it with a command that checks the worker's work, or set enabled = false",
    )
}

fn gunicorn(deps: &Dependencies, target: &str) -> Vec<String> {
    let mut command = words(&[
        "gunicorn",
        "--bind",
        &format!("0.0.0.0:{SERVER_PORT}"),
        "--access-logfile",
        "-",
    ]);
    if deps
        .version("gunicorn")
        .is_some_and(|v| v.as_slice() >= GUNICORN_CONTROL_SOCKET.as_slice())
    {
        command.push("--no-control-socket".to_owned());
    }
    command.push(target.to_owned());
    command
}

fn uvicorn(target: &str) -> Vec<String> {
    words(&[
        "uvicorn",
        target,
        "--host",
        "0.0.0.0",
        "--port",
        &SERVER_PORT.to_string(),
    ])
}

struct Ctx<'a> {
    files: &'a ProjectFiles,
    deps: &'a Dependencies,
    layout: &'a Layout,
    scan: &'a Scan,
    notes: Vec<String>,
}

impl Ctx<'_> {
    fn web(
        &mut self,
        command: Vec<String>,
        from: String,
        why: String,
        port_why: &str,
    ) -> (Detected<Vec<String>>, Detected<Vec<u32>>) {
        let ports = ports_in_command(&command);
        (
            Detected::found(command, from).because(why),
            Detected::default(ports, port_why),
        )
    }

    fn django(&mut self) -> Entry {
        let settings = self
            .scan
            .django_settings
            .iter()
            .find(|(f, _)| f == "manage.py")
            .or(self.scan.django_settings.first())
            .cloned();
        let package = settings
            .as_ref()
            .and_then(|(_, s)| s.split('.').next())
            .unwrap_or_default()
            .to_owned();
        let find = |name: &str| -> Option<String> {
            let mut found: Vec<&String> = self
                .layout
                .python_files
                .iter()
                .filter(|f| f.ends_with(&format!("/{name}")))
                .collect();
            found.sort_by_key(|f| {
                (
                    !self.layout.module_of(f).starts_with(&format!("{package}.")),
                    f.matches('/').count(),
                )
            });
            found.first().map(|f| (*f).clone())
        };
        let wsgi = find("wsgi.py");
        let asgi = find("asgi.py");
        // The server imports wsgi.py (or asgi.py): the settings module it sets wins over
        // manage.py's, which is often the development one.
        let served = if self.deps.installed("gunicorn") {
            &wsgi
        } else {
            &asgi
        };
        let settings = served
            .as_ref()
            .and_then(|w| self.scan.django_settings.iter().find(|(f, _)| f == w))
            .cloned()
            .or(settings);
        let mut env = BTreeMap::new();
        let env = match &settings {
            Some((file, module)) => {
                env.insert("DJANGO_SETTINGS_MODULE".to_owned(), module.clone());
                Detected::found(env, file.clone())
                    .because("the settings module, as the Django command line would set it")
            }
            None => Detected::default(env, "no DJANGO_SETTINGS_MODULE found"),
        };
        let project = if package.is_empty() {
            "the Django project".to_owned()
        } else {
            format!("Django project `{package}`")
        };
        let (command, ports) = match (&wsgi, &asgi) {
            (Some(wsgi), _) if self.deps.installed("gunicorn") => {
                let module = self.layout.module_of(wsgi);
                self.web(
                    gunicorn(self.deps, &module),
                    format!("{} and {wsgi}", self.deps.origin("gunicorn")),
                    format!("{project} ({wsgi}), served by gunicorn"),
                    "gunicorn's usual port",
                )
            }
            (_, Some(asgi)) if self.deps.installed("uvicorn") => {
                let module = self.layout.module_of(asgi);
                self.web(
                    uvicorn(&format!("{module}:application")),
                    format!("{} and {asgi}", self.deps.origin("uvicorn")),
                    format!("{project} ({asgi}), served by uvicorn"),
                    "uvicorn's usual port",
                )
            }
            _ => {
                self.notes.push(
                    "`manage.py runserver` is Django's development server: add gunicorn to the dependencies and rerun `dgen init` for a production server"
                        .to_owned(),
                );
                if !self.files.is_file("manage.py") {
                    self.notes.push(
                        "no manage.py found: set the command (--command) or edit dgen.toml"
                            .to_owned(),
                    );
                }
                self.web(
                    words(&[
                        "python",
                        "manage.py",
                        "runserver",
                        &format!("0.0.0.0:{SERVER_PORT}"),
                    ]),
                    self.deps.origin("django"),
                    format!("{project} on Django's development server (no gunicorn among the dependencies)"),
                    "Django's usual port",
                )
            }
        };
        Entry {
            command,
            ports,
            env,
            health: Detected::default(Health::Tcp, "no health route found"),
        }
    }

    fn app_object(&mut self, found: &[AppObject], framework: &str, fallback: &str) -> AppObject {
        match found.first() {
            Some(object) => object.clone(),
            None => {
                self.notes.push(format!(
                    "could not find the {framework} app object: check the command's `{fallback}`"
                ));
                let (module, var) = fallback.split_once(':').unwrap_or((fallback, "app"));
                AppObject {
                    file: format!("{}.py", module.replace('.', "/")),
                    module: module.to_owned(),
                    var: var.to_owned(),
                }
            }
        }
    }

    fn flask(&mut self) -> Entry {
        let factories = self.scan.flask_factories.clone();
        let objects = if self.scan.flask.is_empty() {
            factories
        } else {
            self.scan.flask.clone()
        };
        let object = self.app_object(&objects, "Flask", "app:app");
        let what = if object.var.ends_with("()") {
            format!("Flask app factory `{}` in {}", object.var, object.file)
        } else {
            format!("Flask app `{}` in {}", object.var, object.file)
        };
        let (command, ports) = if self.deps.installed("gunicorn") {
            self.web(
                gunicorn(self.deps, &object.target()),
                format!("{} and {}", self.deps.origin("gunicorn"), object.file),
                format!("{what}, served by gunicorn"),
                "gunicorn's usual port",
            )
        } else {
            self.notes.push(format!(
                "`flask run` is Flask's development server: add gunicorn to {} and rerun `dgen init` for a production server",
                self.deps.origin("flask")
            ));
            self.web(
                words(&[
                    "flask",
                    "--app",
                    &object.target(),
                    "run",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    &FLASK_PORT.to_string(),
                ]),
                format!("{} and {}", self.deps.origin("flask"), object.file),
                format!(
                    "{what}, on Flask's development server (no gunicorn among the dependencies)"
                ),
                "flask run's usual port",
            )
        };
        Entry {
            command,
            ports,
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            health: Detected::default(Health::Tcp, "no health route found"),
        }
    }

    fn fastapi(&mut self) -> Entry {
        let objects = self.scan.fastapi.clone();
        let object = self.app_object(&objects, "FastAPI", "main:app");
        let standard = self
            .deps
            .get("fastapi")
            .is_some_and(|d| d.extras.iter().any(|e| e == "standard" || e == "all"));
        let server_from = if self.deps.installed("uvicorn") {
            self.deps.origin("uvicorn")
        } else if standard {
            "fastapi[standard]".to_owned()
        } else {
            self.notes.push(format!(
                "uvicorn is not among the dependencies: add it (or fastapi[standard]) to {}",
                self.deps.origin("fastapi")
            ));
            self.deps.origin("fastapi")
        };
        let (command, ports) = self.web(
            uvicorn(&object.target()),
            format!("{server_from} and {}", object.file),
            format!(
                "FastAPI app `{}` in {}, served by uvicorn",
                object.var, object.file
            ),
            "uvicorn's usual port",
        );
        Entry {
            command,
            ports,
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            health: Detected::default(Health::Tcp, "no health route found"),
        }
    }

    /// Starlette, Litestar, Quart or Sanic: the app's own `python app.py` when it starts a
    /// server reachable from outside the container, else the framework's server command.
    fn asgi(&mut self) -> Entry {
        let found = self.scan.asgi.first().cloned();
        let framework = match &found {
            Some((_, framework)) => *framework,
            None => ["starlette", "litestar", "quart", "sanic"]
                .into_iter()
                .find(|f| self.deps.has(f))
                .unwrap_or("starlette"),
        };
        let objects: Vec<AppObject> = self
            .scan
            .asgi
            .iter()
            .filter(|(_, f)| *f == framework)
            .map(|(o, _)| o.clone())
            .collect();
        let object = self.app_object(&objects, framework, "app:app");
        let call: Option<ServerCall> = self
            .scan
            .server_calls
            .iter()
            .find(|c| c.file == object.file)
            .or_else(|| self.scan.server_calls.first())
            .cloned();
        let default_port = match framework {
            "quart" => FLASK_PORT,
            _ => SERVER_PORT,
        };
        let port = call.as_ref().and_then(|c| c.port).unwrap_or(default_port);
        let what = format!("{framework} app `{}` in {}", object.var, object.file);
        let env = Detected::default(BTreeMap::new(), "nothing needed");
        let health = Detected::default(Health::Tcp, "no health route found");
        if let Some(call) = &call
            && call
                .host
                .as_deref()
                .is_some_and(|h| h == "0.0.0.0" || h == "::")
        {
            let command = words(&["python", &call.file]);
            return Entry {
                command: Detected::found(command, call.file.clone()).because(format!(
                    "{what}, started by `python {}`, whose {}) binds {}",
                    call.file,
                    call.call,
                    call.host.as_deref().unwrap_or_default()
                )),
                ports: Detected::found(
                    vec![port],
                    format!("{}'s {}port=...)", call.file, call.call),
                )
                .because(format!("the port {} passes to {})", call.file, call.call)),
                env,
                health,
            };
        }
        if let Some(call) = &call {
            self.notes.push(format!(
                "{} starts the server on {} (`{}`), which is unreachable from outside a container: the manifest runs the framework's server on 0.0.0.0 instead",
                call.file,
                call.host.as_deref().unwrap_or("127.0.0.1, the default"),
                call.call
            ));
        }
        let port_from = match &call {
            Some(c) if c.port.is_some() => format!("{}'s {}port=...)", c.file, c.call),
            _ => String::new(),
        };
        let port_text = port.to_string();
        let (command, server) = if framework == "sanic" {
            (
                words(&[
                    "sanic",
                    &object.target(),
                    "--host",
                    "0.0.0.0",
                    "--port",
                    &port_text,
                ]),
                "sanic's own server",
            )
        } else if self.deps.installed("uvicorn")
            || self
                .deps
                .get(framework)
                .is_some_and(|d| d.extras.iter().any(|e| e == "standard"))
        {
            (
                words(&[
                    "uvicorn",
                    &object.target(),
                    "--host",
                    "0.0.0.0",
                    "--port",
                    &port_text,
                ]),
                "uvicorn",
            )
        } else if self.deps.installed("hypercorn") {
            (
                words(&[
                    "hypercorn",
                    "--bind",
                    &format!("0.0.0.0:{port}"),
                    &object.target(),
                ]),
                "hypercorn",
            )
        } else {
            self.notes.push(format!(
                "no ASGI server among the dependencies: add uvicorn to {}",
                self.deps.origin(framework)
            ));
            (
                words(&[
                    "uvicorn",
                    &object.target(),
                    "--host",
                    "0.0.0.0",
                    "--port",
                    &port_text,
                ]),
                "uvicorn",
            )
        };
        let from = format!("{} and {}", self.deps.origin(framework), object.file);
        let ports = if port_from.is_empty() {
            Detected::default(vec![port], format!("{server}'s usual port"))
        } else {
            Detected::found(vec![port], port_from)
        };
        Entry {
            command: Detected::found(command, from).because(format!("{what}, served by {server}")),
            ports,
            env,
            health,
        }
    }

    fn streamlit(&mut self) -> Entry {
        let file = self.scan.streamlit[0].clone();
        let (command, ports) = self.web(
            words(&[
                "streamlit",
                "run",
                &file,
                "--server.port",
                &STREAMLIT_PORT.to_string(),
                "--server.address",
                "0.0.0.0",
                "--server.headless",
                "true",
            ]),
            format!("{} and {file}", self.deps.origin("streamlit")),
            format!("Streamlit app {file}"),
            "Streamlit's usual port",
        );
        Entry {
            command,
            ports,
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            health: Detected::found(
                Health::Http("/_stcore/health".to_owned()),
                "Streamlit's built-in health endpoint",
            ),
        }
    }

    fn celery(&mut self) -> Entry {
        let object = self.scan.celery[0].clone();
        let module = object.module.clone();
        Entry {
            command: Detected::found(
                words(&["celery", "-A", &module, "worker", "--loglevel", "INFO"]),
                format!("{} and {}", self.deps.origin("celery"), object.file),
            )
            .because(format!("Celery app `{}` in {}", object.var, object.file)),
            ports: Detected::default(Vec::new(), "a Celery worker listens on no port"),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            health: Detected::found(
                Health::Command(words(&["celery", "-A", &module, "inspect", "ping"])),
                format!("the Celery app in {}", object.file),
            )
            .because("answers when the worker is up and reaches the broker"),
        }
    }

    fn script(&mut self) -> Entry {
        let named = |list: &[String]| -> Option<String> {
            SCRIPT_NAMES
                .iter()
                .find_map(|n| list.iter().find(|f| f.as_str() == *n).cloned())
        };
        let top_level: Vec<String> = self
            .layout
            .sources
            .iter()
            .filter(|s| s.ends_with(".py"))
            .cloned()
            .collect();
        let package_main = self
            .layout
            .python_files
            .iter()
            .find(|f| {
                f.ends_with("/__main__.py")
                    && f.matches('/').count()
                        == 1 + usize::from(!self.layout.import_root.is_empty())
            })
            .cloned();
        let (command, from, why) = if let Some(file) = named(&self.scan.scripts) {
            (
                words(&["python", &file]),
                file.clone(),
                format!("the script {file}"),
            )
        } else if let Some(main) = package_main {
            let package = self.layout.module_of(main.trim_end_matches("/__main__.py"));
            (
                words(&["python", "-m", &package]),
                main.clone(),
                format!("the package {package}, run as a program"),
            )
        } else if let Some(file) = self
            .scan
            .scripts
            .first()
            .cloned()
            .or_else(|| named(&top_level))
        {
            (
                words(&["python", &file]),
                file.clone(),
                format!("the script {file}"),
            )
        } else if top_level.len() == 1 {
            let file = top_level[0].clone();
            (
                words(&["python", &file]),
                file.clone(),
                format!("the only module, {file}"),
            )
        } else {
            self.notes.push(
                "could not tell which file starts the app: set the command (--command) or edit dgen.toml"
                    .to_owned(),
            );
            return Entry {
                command: Detected::default(words(&["python", "main.py"]), "no entry point found"),
                ports: Detected::default(Vec::new(), "no web framework found"),
                env: Detected::default(BTreeMap::new(), "nothing needed"),
                health: liveness(),
            };
        };
        if let Some(call) = self
            .scan
            .server_calls
            .iter()
            .find(|c| command.last() == Some(&c.file) && c.port.is_some())
            .cloned()
        {
            let port = call.port.unwrap_or(SERVER_PORT);
            return Entry {
                command: Detected::found(command, from).because(why),
                ports: Detected::found(
                    vec![port],
                    format!("{}'s {}port=...)", call.file, call.call),
                ),
                env: Detected::default(BTreeMap::new(), "nothing needed"),
                health: Detected::default(Health::Tcp, "no health route found"),
            };
        }
        self.notes.push(
            "no web framework found: the app runs as a worker with no port (if it listens on one, pass --port)"
                .to_owned(),
        );
        Entry {
            command: Detected::found(command, from).because(why),
            ports: Detected::default(Vec::new(), "no web framework found"),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            health: liveness(),
        }
    }
}

/// A Procfile's processes, `(type, command)`, in order.
fn procfile(files: &ProjectFiles) -> Vec<(String, String)> {
    let Some(text) = files.read("Procfile") else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let (kind, command) = l.split_once(':')?;
            let kind = kind.trim();
            let ok = !kind.is_empty()
                && kind
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
            (ok && !command.trim().is_empty()).then(|| (kind.to_owned(), command.trim().to_owned()))
        })
        .collect()
}

/// `text` with `$PORT`, `${PORT}` and `${PORT:-N}` replaced; the port used (a `${PORT:-N}`
/// default wins over `port`), and whether there was any.
fn substitute_port(text: &str, port: u32) -> (String, u32, bool) {
    let mut port = port;
    if let Some(at) = text.find("${PORT:-") {
        let digits: String = text[at + 8..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            port = n;
        }
    }
    let mut out = text.to_owned();
    let mut any = false;
    while let Some(at) = out.find("${PORT:-") {
        let end = out[at..].find('}').map_or(out.len(), |e| at + e + 1);
        out.replace_range(at..end, &port.to_string());
        any = true;
    }
    for pattern in ["${PORT}", "$PORT"] {
        if out.contains(pattern) {
            out = out.replace(pattern, &port.to_string());
            any = true;
        }
    }
    (out, port, any)
}

/// Shell syntax a command needs a shell for.
fn needs_shell(text: &str) -> bool {
    ["&&", "||", ";", "|", ">", "<", "`", "$"]
        .iter()
        .any(|s| text.contains(s))
}

fn apply_procfile(entry: &mut Entry, files: &ProjectFiles, name: &str, notes: &mut Vec<String>) {
    let processes = procfile(files);
    for (kind, command) in &processes {
        if kind == "release" {
            notes.push(format!(
                "the Procfile's release step (`{command}`) is not part of the image: run it once per deploy, e.g. `docker compose run --rm {name} {command}`"
            ));
        }
    }
    let chosen = processes
        .iter()
        .find(|(k, _)| k == "web")
        .or_else(|| processes.iter().find(|(k, _)| k == "worker"));
    let Some((kind, text)) = chosen else {
        return;
    };
    let from = format!("Procfile ({kind})");
    let default_port = entry.ports.value.first().copied().unwrap_or(SERVER_PORT);
    let (text, port, substituted) = substitute_port(text, default_port);
    let command = match split_command(&text).filter(|_| !needs_shell(&text)) {
        Some(words) => words,
        None => {
            notes.push(
                "the Procfile's command needs a shell, so it runs under `sh -c`: the shell, not the app, receives stop signals; prefer one program per process"
                    .to_owned(),
            );
            vec!["sh".to_owned(), "-c".to_owned(), text.clone()]
        }
    };
    if kind == "web" {
        let mut ports = ports_in_command(&command);
        if ports.is_empty() {
            ports.push(port);
        }
        let mut env = entry.env.value.clone();
        if substituted || ports_in_command(&command).is_empty() {
            env.insert("PORT".to_owned(), ports[0].to_string());
            entry.env = Detected::found(env, from.clone())
                .because("the port the Procfile's command reads from $PORT");
        }
        entry.ports = Detected::found(ports, from.clone());
        if matches!(entry.health.value, Health::Command(_)) && entry.health.is_guess() {
            entry.health = Detected::default(Health::Tcp, "no health route found");
        }
    } else {
        entry.ports = Detected::found(Vec::new(), from.clone()).because("a worker process");
        if !matches!(entry.health.value, Health::Command(_)) {
            entry.health = liveness();
        }
    }
    entry.command =
        Detected::found(command, from).because(format!("the Procfile's {kind} process"));
}

/// Decides what runs.
pub fn detect(
    files: &ProjectFiles,
    deps: &Dependencies,
    layout: &Layout,
    scan: &Scan,
    name: &str,
    notes: &mut Vec<String>,
) -> Entry {
    let mut ctx = Ctx {
        files,
        deps,
        layout,
        scan,
        notes: Vec::new(),
    };
    let django = deps.has("django") || files.is_file("manage.py");
    let mut entry = if django {
        ctx.django()
    } else if deps.has("fastapi") || (!scan.fastapi.is_empty() && scan.flask.is_empty()) {
        ctx.fastapi()
    } else if deps.has("flask") || !scan.flask.is_empty() {
        ctx.flask()
    } else if ["starlette", "litestar", "quart", "sanic"]
        .iter()
        .any(|f| deps.has(f))
        || !scan.asgi.is_empty()
    {
        ctx.asgi()
    } else if deps.has("streamlit") && !scan.streamlit.is_empty() {
        ctx.streamlit()
    } else if deps.has("celery") && !scan.celery.is_empty() {
        ctx.celery()
    } else {
        ctx.script()
    };
    notes.append(&mut ctx.notes);
    apply_procfile(&mut entry, files, name, notes);
    if matches!(entry.health.value, Health::Tcp)
        && let Some((route, file)) = &scan.health
    {
        entry.health = Detected::found(Health::Http(route.clone()), file.clone())
            .because(format!("the app has a route {route}"));
        if django {
            notes.push(format!(
                "the health check requests http://127.0.0.1:{}{route} inside the container: Django's ALLOWED_HOSTS must accept 127.0.0.1",
                entry.ports.value.first().copied().unwrap_or(SERVER_PORT)
            ));
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procfile_ports() {
        assert_eq!(
            substitute_port("gunicorn -b 0.0.0.0:$PORT app:app", 8000),
            ("gunicorn -b 0.0.0.0:8000 app:app".to_owned(), 8000, true)
        );
        assert_eq!(
            substitute_port("uvicorn a:b --port ${PORT:-5001}", 8000),
            ("uvicorn a:b --port 5001".to_owned(), 5001, true)
        );
        assert_eq!(
            substitute_port("python main.py", 8000),
            ("python main.py".to_owned(), 8000, false)
        );
        assert!(needs_shell("python manage.py migrate && gunicorn x"));
        assert!(!needs_shell("gunicorn --bind 0.0.0.0:8000 x:app"));
    }
}

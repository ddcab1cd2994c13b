//! Python detection: the package manager and its files, the Python version, the framework and
//! the server command and port that go with it, the health route, the sources to copy, and the
//! backing services the dependencies suggest.
//!
//! | looked at | gives |
//! | --- | --- |
//! | `uv.lock`, `poetry.lock`, `[tool.poetry]`, Poetry build backend, `[tool.uv]`, `requirements*.txt`, PEP 621 dependencies, `Pipfile` | `package_manager`, `requirements` |
//! | `.python-version`, `runtime.txt`, `.tool-versions`, Pipfile `[requires]`, `requires-python`, Poetry's `python` | `version` |
//! | the dependencies and the app's files (`Flask(`, `FastAPI(`, `Celery(`, `manage.py`, `wsgi.py`, `if __name__ == "__main__"`) | `command`, `ports`, `env` |
//! | `Procfile` `web:` / `worker:` | `command`, `ports`, `env` (wins) |
//! | routes such as `/healthz` in the app's files | `[healthcheck] path` |
//! | the top-level layout | `sources` |
//! | `[project] name`, `[tool.poetry] name`, the directory | `name` |

mod deps;
mod django;
mod entry;
mod layout;
mod manager;
mod project;
mod scan;
mod version;

use crate::init::{
    Detected, Detection, Detector, Health, ProjectFiles, Setting, SettingValue, Suggestion,
    project_name, schema_file, services,
};
use crate::manifest::{App, StackName};
use deps::Dependencies;
use manager::NO_REQUIREMENTS;

/// The Python detector.
pub struct Python;

const LOOKS_FOR: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile",
    "setup.py",
    "manage.py",
    "*.py",
];

/// Dependencies that compile against system libraries, and what they need.
const NATIVE: [(&str, &str); 3] = [
    (
        "psycopg2",
        "psycopg2 compiles against libpq: add build_packages (gcc, libpq-dev) and system_packages (libpq5) with version patterns to [app], or use psycopg2-binary or psycopg[binary]",
    ),
    (
        "mysqlclient",
        "mysqlclient compiles against the MySQL client library: add build_packages (gcc, pkg-config, default-libmysqlclient-dev) and system_packages (libmariadb3) with version patterns to [app]",
    ),
    (
        "python-ldap",
        "python-ldap compiles against OpenLDAP: add build_packages (gcc, libldap2-dev, libsasl2-dev) and system_packages (libldap-2.5-0 or the base image's version) to [app]",
    ),
];

const PACKAGE_MANAGERS: &[&str] = &["pip", "uv", "poetry"];

fn toml_of(files: &ProjectFiles, name: &str, notes: &mut Vec<String>) -> Option<toml::Table> {
    match files.read_toml(name)? {
        Ok(table) => Some(table),
        Err(message) => {
            notes.push(format!(
                "{name} is not valid TOML ({message}): it was ignored"
            ));
            None
        }
    }
}

/// Whether `word` names a file inside the project: a plain relative path.
fn project_path(files: &ProjectFiles, word: &str) -> bool {
    !word.is_empty()
        && !word.starts_with(['/', '-'])
        && !word.split('/').any(|p| p == ".." || p.is_empty())
        && files.is_file(word)
}

fn setting(key: &'static str, about: &'static str, value: Detected<String>) -> Setting {
    let setting = Setting::text(key, about, value);
    if key == "package_manager" {
        setting.choices(PACKAGE_MANAGERS)
    } else {
        setting
    }
}

fn requirements_setting(value: Detected<String>) -> Setting {
    setting(
        "requirements",
        "The requirements file pip installs (pinned versions)",
        value,
    )
}

/// Django's build-time steps, from its settings.
fn django_settings(
    files: &ProjectFiles,
    deps: &Dependencies,
    sources: &[String],
    settings: &mut Vec<Setting>,
    notes: &mut Vec<String>,
) {
    let found = django::detect(files);
    let Some(from) = found.collectstatic_from.clone() else {
        return;
    };
    let copied = |path: &str| {
        sources.iter().any(|s| {
            path == s.as_str() || path.starts_with(&format!("{}/", s.trim_end_matches('/')))
        })
    };
    let Some(manage) = found.manage.clone().filter(|m| copied(m)) else {
        notes.push(format!(
            "{from} enables staticfiles with STATIC_ROOT, but no manage.py is among the sources: add it and set [python] collectstatic = true"
        ));
        return;
    };
    settings.push(Setting::new(
        "collectstatic",
        "Run `manage.py collectstatic --noinput` at build time (root-owned output)",
        Detected::found(
            SettingValue::Bool(true),
            format!("{from}: django.contrib.staticfiles and STATIC_ROOT"),
        ),
    ));
    if manage != "manage.py" {
        settings.push(Setting::text(
            "manage",
            "The manage.py the build-time commands run",
            Detected::found(manage.clone(), "the project's layout"),
        ));
    }
    if !found.required_env.is_empty() {
        let names: Vec<String> = found.required_env.iter().map(|(n, _)| n.clone()).collect();
        let mut origins: Vec<&str> = found.required_env.iter().map(|(_, f)| f.as_str()).collect();
        origins.dedup();
        settings.push(Setting::new(
            "build_placeholders",
            "Variables the settings read at import time: placeholders for the build-time commands only, never in the image",
            Detected::found(
                SettingValue::List(names.clone()),
                format!("{} read without a default", origins.join(", ")),
            ),
        ));
        notes.push(format!(
            "the settings need {} at run time: set them in the env file (.env) that compose reads",
            names.join(", ")
        ));
    }
    let locales: Vec<String> = found
        .locales
        .iter()
        .filter(|l| copied(l))
        .cloned()
        .collect();
    if !locales.is_empty() {
        settings.push(Setting::new(
            "compilemessages",
            "Locale folders whose .po catalogs are compiled at build time",
            Detected::found(SettingValue::List(locales), "the .po files in the project"),
        ));
    }
    if !deps.has("whitenoise") {
        notes.push("STATIC_ROOT is collected at build time, but nothing serves it under gunicorn: add whitenoise (its middleware) or serve the files from a web server".to_owned());
    }
}

impl Detector for Python {
    fn stack(&self) -> StackName {
        StackName::Python
    }

    fn looks_for(&self) -> &'static [&'static str] {
        LOOKS_FOR
    }

    fn confidence(&self, files: &ProjectFiles) -> u8 {
        if LOOKS_FOR.iter().any(|f| files.is_file(f)) || manager::requirements_file(files).is_some()
        {
            2
        } else if files
            .top()
            .any(|(name, is_dir)| !is_dir && name.ends_with(".py"))
        {
            1
        } else {
            0
        }
    }

    fn detect(&self, files: &ProjectFiles) -> Detection {
        let mut notes = Vec::new();
        let pyproject = toml_of(files, "pyproject.toml", &mut notes);
        let pipfile = toml_of(files, "Pipfile", &mut notes);
        let manager = manager::detect(files, pyproject.as_ref(), pipfile.is_some());
        notes.extend(manager.notes.iter().cloned());
        let requirements = manager
            .requirements
            .as_ref()
            .map(|r| r.value.as_str())
            .filter(|r| files.is_file(r))
            .filter(|r| {
                !r.ends_with("pyproject.toml")
                    && !r.ends_with("Pipfile.lock")
                    && !r.ends_with("pdm.lock")
            });
        let deps = Dependencies::gather(files, requirements, pyproject.as_ref(), pipfile.as_ref());
        notes.extend(deps.notes.iter().cloned());
        let mut includes = None;
        let mut project_lines = Vec::new();
        if let Some(file) = requirements {
            match crate::stacks::python::deps::closure(files.root(), file) {
                Ok(closure) => {
                    project_lines = closure.project_lines;
                    if !closure.includes.is_empty() {
                        includes = Some(Detected::found(
                            SettingValue::List(closure.includes),
                            format!(
                                "what {file} pulls in (-r, -c, local paths), followed recursively"
                            ),
                        ));
                    }
                }
                Err(problems) => {
                    for problem in problems {
                        notes.push(format!(
                            "{}: {}; fix: {}",
                            problem.at(),
                            problem.message,
                            problem.help
                        ));
                    }
                }
            }
            let unpinned: Vec<&str> = deps
                .list
                .iter()
                .filter(|d| !d.is_pinned() && !deps.locked.contains_key(&d.name))
                .map(|d| d.name.as_str())
                .collect();
            if !unpinned.is_empty() {
                notes.push(format!(
                    "{file} does not pin every requirement to one version ({}): each build may install different versions; pin them with `==` (`pip freeze`, `pip-compile` or `uv pip compile`)",
                    unpinned.join(", ")
                ));
            }
        }
        for (name, note) in NATIVE {
            if deps.has(name) {
                notes.push(note.to_owned());
            }
        }

        let package_name = pyproject.as_ref().and_then(|p| {
            p.get("project")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .map(|n| (n, "pyproject.toml [project] name"))
                .or_else(|| {
                    p.get("tool")
                        .and_then(|t| t.get("poetry"))
                        .and_then(|p| p.get("name"))
                        .and_then(|n| n.as_str())
                        .map(|n| (n, "pyproject.toml [tool.poetry] name"))
                })
        });
        let name = project_name(files, package_name);

        let version = version::detect(files, pyproject.as_ref(), pipfile.as_ref());
        let mut layout = layout::scan(files);
        let scan = scan::Scan::run(files, &layout);
        let entry = entry::detect(files, &deps, &layout, &scan, &name.value, &mut notes);
        for word in &entry.command.value {
            if project_path(files, word) {
                layout.add_source(word);
            }
        }
        let mut named_in_code = Vec::new();
        for (dir, file, how) in &scan.asset_dirs {
            let cleaned = dir.trim_start_matches("./").trim_end_matches('/');
            // Relative to the working directory, or (Flask) to the module's folder.
            let beside = match file.rsplit_once('/') {
                Some((folder, _)) => format!("{folder}/{cleaned}"),
                None => cleaned.to_owned(),
            };
            for candidate in [cleaned.to_owned(), beside] {
                if !candidate.is_empty()
                    && files.is_dir(&candidate)
                    && !layout
                        .sources
                        .iter()
                        .any(|s| candidate == *s || candidate.starts_with(&format!("{s}/")))
                {
                    layout.add_source(&candidate);
                    layout.left_out.retain(|(d, _)| *d != candidate);
                    named_in_code.push(format!("{candidate} ({file}: {how})"));
                    break;
                }
            }
        }
        let mut env = entry.env;
        if layout.import_root == "src" {
            let mut vars = env.value.clone();
            vars.insert(
                "PYTHONPATH".to_owned(),
                format!("{}/src", App::default().workdir),
            );
            env = Detected::found(vars, "the src/ layout")
                .because("the app's packages are imported from src/");
        }
        if layout.sources.is_empty() {
            notes.push(
                "no Python modules or packages found to copy: name them with --source".to_owned(),
            );
        }
        let mut sources = crate::init::sources::detected(layout.sources.clone(), &layout.left_out);
        if !named_in_code.is_empty() {
            sources.why = Some(
                format!(
                    "{}; named in code: {}",
                    sources.why.clone().unwrap_or_default(),
                    named_in_code.join(", ")
                )
                .trim_start_matches("; ")
                .to_owned(),
            );
        }

        let manager_name = Detected {
            value: manager::name(manager.package_manager.value).to_owned(),
            why: manager.package_manager.why.clone(),
            origin: manager.package_manager.origin.clone(),
        };
        let mut settings = vec![
            setting(
                "version",
                "The Python version: selects the python:<version>-slim base image",
                version,
            ),
            setting(
                "package_manager",
                "How the dependencies are installed (from the lock file, without dev dependencies)",
                manager_name,
            ),
        ];
        if let Some(requirements) = manager.requirements.clone() {
            settings.push(requirements_setting(requirements));
        }
        if let Some(includes) = includes {
            settings.push(Setting::new(
                "requirements_includes",
                "Files the requirements file pulls in, copied at their own paths before the install",
                includes,
            ));
        }
        // What says whether the project is a package: pip's input (its requirements lines may
        // name the project); for uv and poetry, whose lock file holds the dependencies,
        // pyproject.toml alone.
        let pip = manager.package_manager.value == crate::stacks::python::PythonPackageManager::Pip;
        let project_input = if pip {
            manager
                .requirements
                .as_ref()
                .map(|r| r.value.as_str())
                .filter(|r| files.is_file(r))
        } else {
            pyproject.is_some().then_some("pyproject.toml")
        };
        if let Some(input) = project_input {
            let lines: &[_] = if pip { &project_lines } else { &[] };
            settings.extend(project::settings(
                files,
                pyproject.as_ref(),
                input,
                lines,
                &sources.value,
                &mut notes,
            ));
        }
        if deps.has("django") {
            django_settings(files, &deps, &sources.value, &mut settings, &mut notes);
        }

        // Each declared dependency, in the file it was declared in.
        let mut suggestions = Vec::new();
        for (driver, from) in deps.list.iter().map(|d| (d.name.clone(), d.from.clone())) {
            for suggestion in services::suggestions(std::slice::from_ref(&driver), &from) {
                if !suggestions
                    .iter()
                    .any(|s: &Suggestion| s.lines[0] == suggestion.lines[0])
                {
                    suggestions.push(suggestion);
                }
            }
        }

        let evidence = ["uv.lock", "poetry.lock", "pyproject.toml", "Pipfile"]
            .into_iter()
            .find(|f| files.is_file(f))
            .or(requirements)
            .or_else(|| {
                ["setup.py", "manage.py"]
                    .into_iter()
                    .find(|f| files.is_file(f))
            })
            .unwrap_or("*.py files");

        let mut detection = Detection {
            stack: Detected::found(StackName::Python, evidence),
            name,
            command: entry.command,
            ports: entry.ports,
            sources,
            env,
            healthcheck: entry.health,
            settings,
            suggestions,
            notes,
            schema_file: schema_file(files),
            runtime: Default::default(),
        };
        self.reconcile(&mut detection, files);
        detection
    }

    fn reconcile(&self, detection: &mut Detection, files: &ProjectFiles) {
        let pip = detection
            .setting("package_manager")
            .is_none_or(|s| s.text_value() == "pip");
        let has_requirements = detection.setting("requirements").is_some();
        if pip && !has_requirements {
            let value = match manager::requirements_file(files) {
                Some(file) => Detected::found(file.to_owned(), file),
                None => Detected::default("requirements.txt".to_owned(), NO_REQUIREMENTS),
            };
            let at = detection
                .settings
                .iter()
                .position(|s| s.key == "package_manager")
                .map_or(detection.settings.len(), |i| i + 1);
            detection.settings.insert(at, requirements_setting(value));
        } else if !pip && has_requirements {
            detection.settings.retain(|s| s.key != "requirements");
        }
        // A worker has nothing to probe; an app with a port needs no liveness stand-in.
        let health = &detection.healthcheck;
        if health.is_guess() {
            let no_ports = detection.ports.value.is_empty();
            match (&health.value, no_ports) {
                (Health::Http(_) | Health::Tcp, true) => {
                    detection.healthcheck = entry::liveness();
                }
                (Health::Command(c), false) if *c == entry::liveness_command() => {
                    detection.healthcheck = Detected::default(Health::Tcp, "no health route found");
                }
                _ => {}
            }
        }
    }
}

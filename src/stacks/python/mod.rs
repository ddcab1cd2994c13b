//! The Python stack: a builder stage installs the locked dependencies into a virtual environment
//! at `/opt/venv` (pip, uv or poetry, never dev dependencies); the final stage copies that
//! environment and the listed sources. Templates: `templates/` in this folder, named
//! `python/<file>`.
//!
//! Examples (rendered and compared by `tests/integration/examples.rs`): `examples/django-media`,
//! `examples/django-poetry`, `examples/django-static`, `examples/fastapi-uv`,
//! `examples/flask-constraints`, `examples/flask-instance`, `examples/flask-pip`,
//! `examples/flask-requirements-project`, `examples/python-package-src`,
//! `examples/starlette-pyproject`.
//! `dgen init` fixtures: `tests/fixtures/init/django-poetry`,
//! `tests/fixtures/init/django-requirements-static`, `tests/fixtures/init/existing-manifest`,
//! `tests/fixtures/init/fastapi-pip`, `tests/fixtures/init/fastapi-uv`,
//! `tests/fixtures/init/flask-dev-server`, `tests/fixtures/init/flask-gunicorn`,
//! `tests/fixtures/init/handwritten-dockerfile`, `tests/fixtures/init/pep621-package-src`,
//! `tests/fixtures/init/pep621-starlette`, `tests/fixtures/init/requirements-project-extras`,
//! `tests/fixtures/init/pipfile`, `tests/fixtures/init/procfile`,
//! `tests/fixtures/init/requirements-editable`, `tests/fixtures/init/requirements-includes`,
//! `tests/fixtures/init/requirements-loop`, `tests/fixtures/init/src-layout`,
//! `tests/fixtures/init/worker`. Practice tests: `tests/integration/practices.rs`, `tests/integration/init.rs`,
//! `tests/integration/init_layouts.rs`.

pub mod deps;
pub(crate) mod init;
pub mod project;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use include_dir::{Dir, include_dir};

use super::{DebugSetup, Probe, Stack};
use crate::manifest::is_version;
use crate::manifest::{Checker, Debug, Manifest, StackName};

/// The settings, by their role.
type Settings = Python;

/// The templates, named `python/<file>` (what a team template overrides).
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/stacks/python/templates");

/// The Python stack.
pub struct PythonStack;

/// Settings of the Python stack.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Python {
    /// The Python version (`major.minor`); selects the official `python:<version>-slim` base.
    pub version: String,
    /// How dependencies are installed, always from the lock file and without dev dependencies.
    pub package_manager: PythonPackageManager,
    /// What pip installs (package_manager = "pip"): a requirements file anywhere in the
    /// project, `pyproject.toml` (its PEP 621 `[project] dependencies`, for a project with no lock
    /// file) or `Pipfile.lock` (its `default` packages, with their hashes).
    pub requirements: String,
    /// The files a requirements file pulls in (`-r`, `-c`, followed recursively), local wheels
    /// or packages it names, and local `--find-links` folders: each is copied at its own path
    /// before the install (P09). `dgen init` fills it; a manifest that misses one is refused.
    pub requirements_includes: Vec<String>,
    /// Optional dependency groups of `[project.optional-dependencies]` installed too
    /// (pip, with requirements = "pyproject.toml" or install_project).
    pub optional_dependencies: Vec<String>,
    /// Install the project itself, a package with a `[build-system]` in `pyproject.toml` (or a
    /// `setup.py`), after the sources are copied: the dependencies go first into the cached
    /// layer (P09), then the project is built as a wheel in a stage of its own (its build
    /// backend installed there, never in the image) and installed without dependencies
    /// (`pip install --no-deps`). Needed for its console scripts and its package metadata; a
    /// requirements file that names the project (`-e .`, `.[extra]`) asks for it. With uv and
    /// poetry the dependency layer is the lock file's (`--no-install-project`, `--no-root`).
    pub install_project: bool,
    /// With `install_project`: files the project's build reads besides `pyproject.toml` and
    /// the `[app] sources`, e.g. the readme and license files `pyproject.toml` names,
    /// `setup.py`, `setup.cfg`, `MANIFEST.in`. Copied into the build stage only.
    pub project_files: Vec<String>,
    /// Django: run `manage.py collectstatic --noinput` at build time, after the sources are
    /// copied and before the user switches, so the collected files are root-owned.
    pub collectstatic: bool,
    /// Django: the `manage.py` the build-time commands run, relative to the workdir.
    pub manage: String,
    /// Django: `locale` folders (inside the sources) whose `.po` catalogs are compiled to `.mo`
    /// at build time, as `compilemessages` does, in a build stage of their own.
    pub compilemessages: Vec<String>,
    /// Environment variables the settings need at import time, given a placeholder value while
    /// the build-time management commands run only; never set in the image.
    pub build_placeholders: Vec<String>,
    /// The uv version installed in the builder stage (package_manager = "uv").
    pub uv_version: String,
    /// The poetry version installed in the builder stage (package_manager = "poetry").
    pub poetry_version: String,
    /// Compile bytecode at build time for a faster start. Off by default: the image then sets
    /// `PYTHONDONTWRITEBYTECODE=1` and holds no bytecode (P07).
    pub compile_bytecode: bool,
}

impl Default for Python {
    fn default() -> Self {
        Python {
            version: "3.12".to_owned(),
            package_manager: PythonPackageManager::Pip,
            requirements: "requirements.txt".to_owned(),
            requirements_includes: Vec::new(),
            optional_dependencies: Vec::new(),
            install_project: false,
            project_files: Vec::new(),
            collectstatic: false,
            manage: "manage.py".to_owned(),
            compilemessages: Vec::new(),
            build_placeholders: Vec::new(),
            uv_version: "0.13.9".to_owned(),
            poetry_version: "2.5.1".to_owned(),
            compile_bytecode: false,
        }
    }
}

/// A Python package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PythonPackageManager {
    /// `pip install -r requirements.txt` (pin exact versions in the file).
    Pip,
    /// `uv sync --frozen --no-dev` from `pyproject.toml` and `uv.lock`.
    Uv,
    /// `poetry install --only main` from `pyproject.toml` and `poetry.lock`.
    Poetry,
}

/// How pip reads the dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PipInput {
    /// A requirements file.
    Requirements,
    /// `pyproject.toml`'s PEP 621 `[project] dependencies`.
    Pyproject,
    /// `Pipfile.lock`'s `default` packages.
    PipfileLock,
    /// `pdm.lock`'s packages of the `default` group (and the groups named), with their hashes.
    PdmLock,
}

fn pip_input(settings: &Settings) -> PipInput {
    let file = settings.requirements.rsplit('/').next().unwrap_or_default();
    match file {
        "pyproject.toml" => PipInput::Pyproject,
        "Pipfile.lock" => PipInput::PipfileLock,
        "pdm.lock" => PipInput::PdmLock,
        _ => PipInput::Requirements,
    }
}

/// A build-only value for an environment variable the settings read at import time: shaped
/// like what such a variable usually holds, and plainly not a secret.
fn placeholder(name: &str) -> &'static str {
    let upper = name.to_ascii_uppercase();
    if upper.contains("DATABASE_URL") || upper.ends_with("DB_URL") {
        "sqlite:////tmp/build-placeholder.sqlite3"
    } else if upper.contains("REDIS") && (upper.ends_with("_URL") || upper.ends_with("_URI")) {
        "redis://build-placeholder.invalid:6379/0"
    } else if upper.contains("MONGO") && (upper.ends_with("_URL") || upper.ends_with("_URI")) {
        "mongodb://build-placeholder.invalid:27017/build"
    } else if upper.ends_with("_URL") || upper.ends_with("_URI") {
        "http://build-placeholder.invalid/"
    } else if upper.ends_with("HOSTS") || upper.ends_with("ORIGINS") {
        "localhost"
    } else if upper.ends_with("_PORT") {
        "1"
    } else {
        "build-only-placeholder"
    }
}

/// The files the dependency install reads, copied before the sources (P09).
fn dependency_files(settings: &Settings) -> Vec<String> {
    match settings.package_manager {
        PythonPackageManager::Pip => std::iter::once(settings.requirements.clone())
            .chain(settings.requirements_includes.iter().cloned())
            .collect(),
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
    /// pip: `requirements`, `pyproject` or `pipfile`.
    pip_input: &'static str,
    /// pip: one `COPY` per destination folder.
    copy_groups: Vec<(String, Vec<String>)>,
    optional_dependencies: Vec<String>,
    collectstatic: bool,
    manage: String,
    /// Locale folders whose catalogs are compiled in a build stage.
    compilemessages: Vec<String>,
    /// `NAME=value` for the build-time management commands only.
    placeholders: Vec<(String, String)>,
    /// The project itself, installed without dependencies after the sources.
    project: Option<crate::stacks::python::project::ProjectContext>,
}

fn seg(path: &[&'static str]) -> Vec<crate::manifest::Seg<'static>> {
    path.iter().map(|p| (*p).into()).collect()
}

/// The pip input's own rules: what a requirements file pulls in is listed (and copied), and
/// every line can be installed before the sources are copied.
fn validate_pip(s: &Settings, c: &mut Checker<'_>) {
    let at = seg(&["python", "requirements"]);
    let at: &[crate::manifest::Seg<'_>] = if c.span(&at) == Some(0..0) || c.span(&at).is_none() {
        &[crate::manifest::Seg::from("stack")]
    } else {
        &at
    };
    let at = at.to_vec();
    for (i, include) in s.requirements_includes.iter().enumerate() {
        let path = [
            "python".into(),
            "requirements_includes".into(),
            crate::manifest::Seg::from(i),
        ];
        if c.relative_path(&path, include, "requirements include") {
            c.must_exist(
                &path,
                include.trim_end_matches('/'),
                "requirements include",
                true,
            );
        }
    }
    for (i, group) in s.optional_dependencies.iter().enumerate() {
        let ok = group.starts_with(|c: char| c.is_ascii_alphanumeric())
            && group
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !ok {
            c.error(
                "optional-dependencies",
                &[
                    "python".into(),
                    "optional_dependencies".into(),
                    crate::manifest::Seg::from(i),
                ],
                format!("`{group}` is not an optional dependency group name"),
                "not a group name",
            )
            .help = Some("letters, digits, `.`, `_` and `-` (PEP 685)".to_owned());
        }
    }
    let input = pip_input(s);
    if input != PipInput::Pyproject
        && input != PipInput::PdmLock
        && !s.install_project
        && !s.optional_dependencies.is_empty()
    {
        c.error(
            "optional-dependencies",
            &seg(&["python", "optional_dependencies"]),
            "optional_dependencies apply to requirements = \"pyproject.toml\" or install_project = true only",
            "not used",
        )
        .help = Some("add the packages to the requirements file instead".to_owned());
    }
    if input == PipInput::PipfileLock && s.install_project {
        c.error(
            "install-project",
            &seg(&["python", "install_project"]),
            "install_project works with a requirements file or pyproject.toml, not Pipfile.lock",
            "not with Pipfile.lock",
        )
        .help = Some("export the lock with `pipenv requirements > requirements.txt`, add `.` to it and name it in [python] requirements".to_owned());
    }
    if input != PipInput::Requirements || s.install_project {
        // The one-liner that reads pyproject.toml needs tomllib (Python 3.11).
        let minor: u32 = s
            .version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(99);
        if (input == PipInput::Pyproject || input == PipInput::PdmLock || s.install_project)
            && minor < 11
        {
            c.error(
                "python-version",
                &seg(&["python", "version"]),
                format!("reading pyproject.toml at build time needs Python 3.11 or later (tomllib), not {}", s.version),
                "too old for pyproject.toml",
            )
            .help = Some("use 3.11 or later, or write a pinned requirements.txt".to_owned());
        }
    }
    let Some(dir) = c.project_dir().map(std::path::Path::to_path_buf) else {
        return;
    };
    if !dir.join(&s.requirements).is_file() {
        return; // reported by must_exist
    }
    match input {
        PipInput::Pyproject => {
            let text = std::fs::read_to_string(dir.join(&s.requirements)).unwrap_or_default();
            let table: Option<toml::Table> = text.parse().ok();
            let project = table.as_ref().and_then(|t| t.get("project"));
            let dynamic = project
                .and_then(|p| p.get("dynamic"))
                .and_then(|d| d.as_array())
                .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("dependencies")));
            if project.is_none() || dynamic {
                c.error(
                    "pyproject-dependencies",
                    &at,
                    format!("{} has no static [project] dependencies to install", s.requirements),
                    "nothing to install from",
                )
                .help = Some("list them in [project] dependencies, or write a pinned requirements.txt and name it here".to_owned());
                return;
            }
            let groups = project
                .and_then(|p| p.get("optional-dependencies"))
                .and_then(|g| g.as_table());
            for (i, group) in s.optional_dependencies.iter().enumerate() {
                if !groups.is_some_and(|g| g.contains_key(group)) {
                    let known: Vec<&str> = groups
                        .map(|g| g.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    c.error(
                        "optional-dependencies",
                        &[
                            "python".into(),
                            "optional_dependencies".into(),
                            crate::manifest::Seg::from(i),
                        ],
                        format!(
                            "{} has no optional dependency group `{group}`",
                            s.requirements
                        ),
                        "unknown group",
                    )
                    .help = Some(format!(
                        "known groups: {}",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
            }
        }
        PipInput::PdmLock => validate_pdm(s, &dir, &at, c),
        PipInput::PipfileLock => {
            let text = std::fs::read_to_string(dir.join(&s.requirements)).unwrap_or_default();
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            let Some(default) = json
                .as_ref()
                .and_then(|j| j.get("default"))
                .and_then(|d| d.as_object())
            else {
                c.error(
                    "pipfile-lock",
                    &at,
                    format!(
                        "{} is not a Pipfile.lock with a `default` section",
                        s.requirements
                    ),
                    "unreadable",
                )
                .help = Some("run `pipenv lock`".to_owned());
                return;
            };
            for (name, entry) in default {
                if ["path", "editable", "git", "file"]
                    .iter()
                    .any(|k| entry.get(k).is_some())
                {
                    c.error(
                        "pipfile-lock",
                        &at,
                        format!("{}: `{name}` is a local path or a VCS checkout, which the dependency layer cannot install before the sources", s.requirements),
                        "cannot be placed",
                    )
                    .help = Some("publish it to an index with a version, or export with `pipenv requirements > requirements.txt` and edit the line".to_owned());
                }
            }
        }
        PipInput::Requirements => {
            match crate::stacks::python::deps::closure(&dir, &s.requirements) {
                Err(problems) => {
                    for problem in problems {
                        let message = format!("{}: {}", problem.at(), problem.message);
                        c.error(
                            "requirements-line",
                            &at,
                            message,
                            "cannot be installed before the sources",
                        )
                        .help = Some(problem.help);
                    }
                }
                Ok(closure) => {
                    for line in &closure.project_lines {
                        if !s.install_project {
                            c.error(
                                "requirements-line",
                                &at,
                                format!("{}: `{}` installs the project itself, which needs its sources, and the dependency layer is built before them (P09)", line.at(), line.text),
                                "the project itself",
                            )
                            .help = Some("set [python] install_project = true: the dependencies are installed first, then the project is built and installed without dependencies after the sources are copied; or remove the line".to_owned());
                        }
                        for extra in &line.extras {
                            if !s.optional_dependencies.contains(extra) {
                                c.error(
                                    "requirements-line",
                                    &at,
                                    format!("{}: `{}` asks for the extra `{extra}`, which [python] optional_dependencies does not list", line.at(), line.text),
                                    "an extra is not installed",
                                )
                                .help = Some(format!("add \"{extra}\" to [python] optional_dependencies: the extras' packages join the dependency layer"));
                            }
                        }
                    }
                    let missing: Vec<(String, String)> = closure
                        .includes
                        .iter()
                        .zip(&closure.named_at)
                        .filter(|(p, _)| !s.requirements_includes.contains(p))
                        .map(|(p, a)| (p.clone(), a.clone()))
                        .collect();
                    for (path, named_at) in &missing {
                        c.error(
                        "requirements-include",
                        &at,
                        format!("{named_at} pulls in {path}, which [python] requirements_includes does not list, so the build would not copy it"),
                        "an include is not copied",
                    )
                    .help = Some(format!(
                        "set requirements_includes = [{}] in [python]",
                        closure.includes.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
                    ));
                    }
                }
            }
        }
    }
}

/// `pdm.lock`: every package says which groups it belongs to (PDM's `inherit_metadata`
/// strategy, the default since PDM 2.11), the groups named exist, and nothing is a local path or
/// a VCS checkout.
fn validate_pdm(
    s: &Settings,
    dir: &std::path::Path,
    at: &[crate::manifest::spans::Seg<'_>],
    c: &mut Checker<'_>,
) {
    let text = std::fs::read_to_string(dir.join(&s.requirements)).unwrap_or_default();
    let Ok(lock) = text.parse::<toml::Table>() else {
        c.error(
            "pdm-lock",
            at,
            format!("{} is not a PDM lock file (TOML)", s.requirements),
            "unreadable",
        )
        .help = Some("run `pdm lock`".to_owned());
        return;
    };
    let packages = lock
        .get("package")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    let without_groups: Vec<&str> = packages
        .iter()
        .filter(|p| p.get("groups").is_none())
        .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
        .collect();
    if !without_groups.is_empty() {
        c.error(
            "pdm-lock",
            at,
            format!(
                "{} does not say which group each package belongs to (`{}` and {} more), so the production packages cannot be told from the dev ones",
                s.requirements,
                without_groups[0],
                without_groups.len() - 1
            ),
            "no per-package groups",
        )
        .help = Some("relock with `pdm lock --strategy inherit_metadata` (PDM 2.11 and later do by default), or export with `pdm export --prod -o requirements.txt` and name that file in [python] requirements".to_owned());
        return;
    }
    for package in &packages {
        let name = package.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        if ["path", "editable", "git", "url", "revision"]
            .iter()
            .any(|k| package.get(k).is_some())
        {
            c.error(
                "pdm-lock",
                at,
                format!("{}: `{name}` is a local path, a URL or a VCS checkout, which the dependency layer cannot install from the lock with hashes", s.requirements),
                "cannot be placed",
            )
            .help = Some("publish it to an index with a version and relock, or export with `pdm export --prod -o requirements.txt` and edit the line".to_owned());
        }
    }
    let groups: Vec<&str> = lock
        .get("metadata")
        .and_then(|m| m.get("groups"))
        .and_then(|g| g.as_array())
        .map(|g| g.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    for (i, group) in s.optional_dependencies.iter().enumerate() {
        if !groups.contains(&group.as_str()) {
            c.error(
                "optional-dependencies",
                &[
                    "python".into(),
                    "optional_dependencies".into(),
                    crate::manifest::spans::Seg::from(i),
                ],
                format!("{} has no group `{group}`", s.requirements),
                "not locked",
            )
            .help = Some(format!(
                "locked groups: {}; lock it with `pdm lock --group {group}`",
                groups.join(", ")
            ));
        }
    }
}

/// Django's build-time commands.
fn validate_django(manifest: &Manifest, s: &Settings, c: &mut Checker<'_>) {
    if s.collectstatic
        && !manifest.app.sources.iter().any(|src| {
            let src = src.trim_end_matches('/');
            src == s.manage || s.manage.starts_with(&format!("{src}/"))
        })
    {
        c.error(
            "collectstatic",
            &seg(&["python", "collectstatic"]),
            format!(
                "collectstatic runs `python {}`, which [app] sources does not copy",
                s.manage
            ),
            "manage.py is not copied",
        )
        .help =
            Some("add manage.py to [app] sources, or set [python] manage to its path".to_owned());
    }
    for (i, name) in s.build_placeholders.iter().enumerate() {
        let ok = name
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !ok {
            c.error(
                "placeholder-name",
                &[
                    "python".into(),
                    "build_placeholders".into(),
                    crate::manifest::Seg::from(i),
                ],
                format!("`{name}` is not an environment variable name"),
                "not a name",
            );
        }
    }
    for (i, locale) in s.compilemessages.iter().enumerate() {
        let path = [
            "python".into(),
            "compilemessages".into(),
            crate::manifest::Seg::from(i),
        ];
        if c.relative_path(&path, locale, "locale folder") {
            let inside_source = manifest.app.sources.iter().any(|src| {
                let src = src.trim_end_matches('/');
                let l = locale.trim_end_matches('/');
                l == src || l.starts_with(&format!("{src}/"))
            });
            if !inside_source {
                c.error(
                    "compilemessages",
                    &path,
                    format!("`{locale}` is not inside [app] sources"),
                    "not copied",
                )
                .help = Some("add it (or the folder that holds it) to [app] sources".to_owned());
            }
            c.must_exist(&path, locale, "locale folder", true);
        }
    }
}

impl Stack for PythonStack {
    type Settings = Python;

    fn table(manifest: &Manifest) -> Option<&Python> {
        manifest.python.as_ref()
    }

    fn templates(&self) -> &'static Dir<'static> {
        &TEMPLATES
    }

    fn detector(&self) -> Option<&'static dyn crate::init::Detector> {
        Some(&init::Python)
    }

    fn name(&self) -> StackName {
        StackName::Python
    }

    fn description(&self) -> &'static str {
        "Python with pip, uv or poetry"
    }

    fn image_repositories(&self) -> &'static [&'static str] {
        &["python", "pypy"]
    }

    fn validate(&self, manifest: &Manifest, c: &mut Checker<'_>) {
        let s = PythonStack::settings(manifest);
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
        let requirements: &[crate::manifest::Seg<'_>] =
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
        if s.package_manager == PythonPackageManager::Pip {
            validate_pip(&s, c);
        }
        if s.package_manager != PythonPackageManager::Pip && !s.optional_dependencies.is_empty() {
            c.error(
                "optional-dependencies",
                &seg(&["python", "optional_dependencies"]),
                "optional_dependencies apply to package_manager = \"pip\" only",
                "not used",
            )
            .help = Some(
                "uv and poetry install what their lock file's main group holds: move the packages there"
                    .to_owned(),
            );
        }

        project::validate(manifest, &s, c);
        validate_django(manifest, &s, c);
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
        format!("python:{}-slim", PythonStack::settings(manifest).version)
    }

    fn context(&self, manifest: &Manifest) -> minijinja::Value {
        let s = PythonStack::settings(manifest);
        let project = crate::stacks::python::project::context(&s);
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
            pip_input: match pip_input(&s) {
                PipInput::Requirements => "requirements",
                PipInput::Pyproject => "pyproject",
                PipInput::PipfileLock => "pipfile",
                PipInput::PdmLock => "pdm",
            },
            copy_groups: crate::stacks::python::deps::copy_groups(
                &s.requirements,
                &project
                    .as_ref()
                    .filter(|p| p.copy_pyproject)
                    .map(|_| {
                        let mut v = s.requirements_includes.clone();
                        if !v.iter().any(|p| p == "pyproject.toml") {
                            v.push("pyproject.toml".to_owned());
                        }
                        v
                    })
                    .unwrap_or_else(|| s.requirements_includes.clone()),
            ),
            optional_dependencies: s.optional_dependencies.clone(),
            collectstatic: s.collectstatic,
            manage: s.manage.clone(),
            compilemessages: s
                .compilemessages
                .iter()
                .map(|l| l.trim_end_matches('/').to_owned())
                .collect(),
            placeholders: s
                .build_placeholders
                .iter()
                .map(|n| (n.clone(), placeholder(n).to_owned()))
                .collect(),
            project,
        }))
    }

    fn build_secret(
        &self,
        manifest: &Manifest,
        kind: crate::manifest::SecretKind,
    ) -> Option<Result<(), String>> {
        use crate::manifest::SecretKind;
        match kind {
            SecretKind::Netrc => Some(Ok(())),
            SecretKind::IndexUrl
                if PythonStack::settings(manifest).package_manager != PythonPackageManager::Pip =>
            {
                Some(Err("an index URL secret works with pip only; uv and poetry take the credentials of a private index from a netrc (`kind = \"netrc\"`)".to_owned()))
            }
            SecretKind::IndexUrl => Some(Ok(())),
            SecretKind::Npmrc => None,
        }
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

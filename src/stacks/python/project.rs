//! The project itself as a package (`[python] install_project`): a PEP 621 project with a build
//! backend (setuptools, hatchling, flit, pdm-backend, poetry-core, …), or a requirements file that
//! names it (`-e .`, `.[extra]`). The dependencies go into the cached layer first (P09); a
//! `project` stage installs the build backend (never in the image), copies the sources and builds
//! a wheel without dependencies (`pip wheel --no-deps --no-build-isolation`, no network needed at
//! that point); the final stage installs that wheel with `--no-deps` after the sources and runs
//! `pip check`, so a dependency the layer misses fails the build instead of the app. With uv and
//! poetry the dependency layer is their lock file's (`--no-install-project` / `--no-root`); the
//! wheel is installed into their environment by the base image's pip (`pip --python`), since a
//! uv environment has no pip of its own.

use serde::Serialize;

use super::{Python as Settings, PythonPackageManager};
use crate::manifest::spans::Seg;
use crate::manifest::{Checker, Manifest};

/// The template variables of the project install.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectContext {
    /// Requirement files whose lines that name the project are dropped before the dependency
    /// install (they are installed from the wheel later).
    pub rewrite: Vec<String>,
    /// Optional dependency groups installed with the dependencies.
    pub groups: Vec<String>,
    /// Files the build reads besides pyproject.toml and the sources.
    pub files: Vec<String>,
    /// Whether pyproject.toml must be copied beside the requirements file (pip with a
    /// requirements file; with `requirements = "pyproject.toml"`, uv or poetry it is there already).
    pub copy_pyproject: bool,
    /// The pip command that installs into /opt/venv in the final stage: the environment's own pip
    /// (pip and poetry make it with `python -m venv`), or the base image's pip pointed at it (uv
    /// makes environments without pip).
    pub pip: &'static str,
}

/// Whether `path` is a requirements text file (not a folder, wheel or archive).
fn is_text(path: &str) -> bool {
    !path.ends_with('/')
        && ![".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

/// The project install's template variables, when the manifest asks for it.
pub fn context(s: &Settings) -> Option<ProjectContext> {
    if !s.install_project {
        return None;
    }
    let file = s.requirements.rsplit('/').next().unwrap_or_default();
    let pyproject = file == "pyproject.toml" || s.package_manager != PythonPackageManager::Pip;
    let rewrite = if pyproject || file == "pdm.lock" {
        Vec::new()
    } else {
        std::iter::once(&s.requirements)
            .chain(&s.requirements_includes)
            .filter(|p| is_text(p))
            .cloned()
            .collect()
    };
    Some(ProjectContext {
        rewrite,
        groups: s.optional_dependencies.clone(),
        files: s
            .project_files
            .iter()
            .map(|f| f.trim_end_matches('/').to_owned())
            .collect(),
        copy_pyproject: !pyproject,
        pip: match s.package_manager {
            PythonPackageManager::Uv => "pip --python /opt/venv/bin/python",
            _ => "pip",
        },
    })
}

fn seg(path: &[&'static str]) -> Vec<Seg<'static>> {
    path.iter().map(|p| (*p).into()).collect()
}

/// Files the build backend reads that pyproject.toml names: the readme and the license file.
fn named_files(project: &toml::Table) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    match project.get("readme") {
        Some(toml::Value::String(file)) => out.push((file.clone(), "[project] readme")),
        Some(toml::Value::Table(t)) => {
            if let Some(file) = t.get("file").and_then(|f| f.as_str()) {
                out.push((file.to_owned(), "[project] readme"));
            }
        }
        _ => {}
    }
    if let Some(file) = project
        .get("license")
        .and_then(|l| l.get("file"))
        .and_then(|f| f.as_str())
    {
        out.push((file.to_owned(), "[project] license"));
    }
    if let Some(files) = project.get("license-files").and_then(|l| l.as_array()) {
        for file in files.iter().filter_map(|f| f.as_str()) {
            if !file.contains(['*', '?', '[']) {
                out.push((file.to_owned(), "[project] license-files"));
            }
        }
    }
    out
}

/// Why pyproject.toml says the project is not a package, if it does.
pub fn not_a_package(pyproject: &toml::Table) -> Option<&'static str> {
    let tool = pyproject.get("tool");
    let flag = |path: [&str; 2]| {
        tool.and_then(|t| t.get(path[0]))
            .and_then(|t| t.get(path[1]))
            .and_then(|v| v.as_bool())
    };
    if flag(["pdm", "distribution"]) == Some(false) {
        return Some("[tool.pdm] distribution = false");
    }
    if flag(["uv", "package"]) == Some(false) {
        return Some("[tool.uv] package = false");
    }
    if flag(["poetry", "package-mode"]) == Some(false) {
        return Some("[tool.poetry] package-mode = false");
    }
    None
}

/// Checks `install_project` and `project_files`.
pub fn validate(manifest: &Manifest, s: &Settings, c: &mut Checker<'_>) {
    let at = seg(&["python", "install_project"]);
    if !s.install_project {
        if !s.project_files.is_empty() {
            c.error(
                "install-project",
                &seg(&["python", "project_files"]),
                "project_files without install_project",
                "not used",
            )
            .help = Some("set [python] install_project = true, or remove project_files".to_owned());
        }
        return;
    }
    for (i, file) in s.project_files.iter().enumerate() {
        let path = [
            Seg::from("python"),
            Seg::from("project_files"),
            Seg::from(i),
        ];
        if c.relative_path(&path, file, "project file") {
            c.must_exist(&path, file.trim_end_matches('/'), "project file", true);
        }
    }
    let Some(dir) = c.project_dir().map(std::path::Path::to_path_buf) else {
        return;
    };
    let text = match std::fs::read_to_string(dir.join("pyproject.toml")) {
        Ok(text) => text,
        Err(_) => {
            c.error(
                "install-project",
                &at,
                "install_project needs pyproject.toml next to dgen.toml: there is none",
                "no pyproject.toml",
            )
            .help = Some(if dir.join("setup.py").is_file() {
                "add a pyproject.toml with `[build-system]` `requires = [\"setuptools>=61\"]` and `build-backend = \"setuptools.build_meta\"` (setup.py keeps working; name it in [python] project_files)".to_owned()
            } else {
                "the project is not a package: set install_project = false (and drop `-e .` from the requirements file)".to_owned()
            });
            return;
        }
    };
    let Ok(pyproject) = text.parse::<toml::Table>() else {
        c.error(
            "install-project",
            &at,
            "pyproject.toml is not valid TOML",
            "unreadable",
        );
        return;
    };
    let covered = |file: &str| {
        let file = file.trim_start_matches("./");
        manifest
            .app
            .sources
            .iter()
            .chain(&s.project_files)
            .map(|p| p.trim_end_matches('/').trim_start_matches("./"))
            .any(|p| p == file || file.starts_with(&format!("{p}/")))
    };
    if let Some(why) = not_a_package(&pyproject) {
        c.error(
            "install-project",
            &at,
            format!("pyproject.toml says the project is not a package ({why})"),
            "not a package",
        )
        .help = Some(
            "set install_project = false (and drop `-e .` from the requirements file): the app is imported from its sources"
                .to_owned(),
        );
        return;
    }
    let has_backend = pyproject.get("build-system").is_some();
    if !has_backend && !dir.join("setup.py").is_file() {
        c.error(
            "install-project",
            &at,
            "pyproject.toml has no [build-system] and there is no setup.py: the project is not a package",
            "not a package",
        )
        .help = Some(
            "add a [build-system] table (e.g. `requires = [\"hatchling\"]`, `build-backend = \"hatchling.build\"`), or set install_project = false (and drop `-e .` from the requirements file)"
                .to_owned(),
        );
        return;
    }
    let project = pyproject.get("project").and_then(|p| p.as_table());
    let mut needed: Vec<(String, String)> = project
        .map(named_files)
        .unwrap_or_default()
        .into_iter()
        .map(|(f, why)| (f, format!("pyproject.toml {why}")))
        .collect();
    for file in ["setup.py", "setup.cfg", "MANIFEST.in"] {
        if dir.join(file).is_file() {
            needed.push((file.to_owned(), "the build backend".to_owned()));
        }
    }
    for (file, why) in needed {
        if file == "pyproject.toml" || covered(&file) || !dir.join(&file).is_file() {
            continue;
        }
        c.error(
            "install-project",
            &at,
            format!("the project's build reads {file} ({why}), which neither [python] project_files nor [app] sources copies"),
            "the build would fail",
        )
        .help = Some(format!("add \"{file}\" to [python] project_files"));
    }
    let file = s.requirements.rsplit('/').next().unwrap_or_default();
    if file != "pyproject.toml"
        && file != "pdm.lock"
        && s.package_manager == PythonPackageManager::Pip
    {
        let groups = project
            .and_then(|p| p.get("optional-dependencies"))
            .and_then(|g| g.as_table());
        for (i, group) in s.optional_dependencies.iter().enumerate() {
            if !groups.is_some_and(|g| g.contains_key(group)) {
                c.error(
                    "optional-dependencies",
                    &[
                        Seg::from("python"),
                        Seg::from("optional_dependencies"),
                        Seg::from(i),
                    ],
                    format!("pyproject.toml has no optional dependency group `{group}`"),
                    "unknown group",
                );
            }
        }
    }
}

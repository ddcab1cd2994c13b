//! The package manager, from the files that hold the dependencies: a lock file decides
//! (`uv.lock`, `poetry.lock`); then Poetry's or uv's table in `pyproject.toml`; then a
//! requirements file (pip). A PEP 621 `pyproject.toml` with no lock, or a `Pipfile`, asks for a
//! pinned `requirements.txt` made from it: installing unlocked dependencies would make each build
//! differ.

use crate::init::{Detected, ProjectFiles};
use crate::stacks::python::PythonPackageManager;

/// Requirement files looked for, in order.
pub const REQUIREMENT_FILES: [&str; 6] = [
    "requirements.txt",
    "requirements/production.txt",
    "requirements/prod.txt",
    "requirements/base.txt",
    "requirements-prod.txt",
    "requirements/main.txt",
];

/// Why `requirements.txt` is named although it does not exist.
pub const NO_REQUIREMENTS: &str = "there is no requirements file yet: create it (see the notes)";

/// The package manager and how it installs.
#[derive(Debug, Clone)]
pub struct Manager {
    /// The package manager.
    pub package_manager: Detected<PythonPackageManager>,
    /// The requirements file, when pip installs (it may not exist yet: see `notes`).
    pub requirements: Option<Detected<String>>,
    /// What the user has to do before `dgen render` (or should know).
    pub notes: Vec<String>,
}

/// The package manager's name as a manifest spells it.
pub fn name(manager: PythonPackageManager) -> &'static str {
    match manager {
        PythonPackageManager::Pip => "pip",
        PythonPackageManager::Uv => "uv",
        PythonPackageManager::Poetry => "poetry",
    }
}

fn tool<'a>(pyproject: Option<&'a toml::Table>, name: &str) -> Option<&'a toml::Value> {
    pyproject?.get("tool")?.get(name)
}

/// The first requirements file that exists.
pub fn requirements_file(files: &ProjectFiles) -> Option<&'static str> {
    REQUIREMENT_FILES.into_iter().find(|f| files.is_file(f))
}

/// Decides the package manager.
pub fn detect(files: &ProjectFiles, pyproject: Option<&toml::Table>, has_pipfile: bool) -> Manager {
    use PythonPackageManager::{Pip, Poetry, Uv};
    let mut notes = Vec::new();
    let backend = pyproject
        .and_then(|p| p.get("build-system"))
        .and_then(|b| b.get("build-backend"))
        .and_then(|b| b.as_str())
        .unwrap_or_default();
    let pdm_lock =
        files.is_file("pdm.lock") && !files.is_file("uv.lock") && !files.is_file("poetry.lock");
    if !pdm_lock && tool(pyproject, "pdm").is_some() {
        notes.push(
            "[tool.pdm] without pdm.lock: run `pdm lock` and rerun `dgen init` for the locked versions (pip then installs pdm.lock's default group with its hashes)"
                .to_owned(),
        );
    }
    let chosen = if files.is_file("uv.lock") {
        Some(Detected::found(Uv, "uv.lock"))
    } else if files.is_file("poetry.lock") {
        Some(Detected::found(Poetry, "poetry.lock"))
    } else if tool(pyproject, "poetry").is_some() {
        Some(Detected::found(Poetry, "pyproject.toml [tool.poetry]"))
    } else if backend.starts_with("poetry") {
        Some(Detected::found(
            Poetry,
            format!("pyproject.toml [build-system] build-backend = \"{backend}\""),
        ))
    } else if tool(pyproject, "uv").is_some() {
        Some(Detected::found(Uv, "pyproject.toml [tool.uv]"))
    } else {
        None
    };
    // A missing lock file is the stack's own warning (`lock-missing`), shown once written.
    if let Some(package_manager) = chosen {
        return Manager {
            package_manager,
            requirements: None,
            notes,
        };
    }
    if pdm_lock {
        let from = "pdm.lock (PDM's lock: its default group, with the hashes)";
        return Manager {
            package_manager: Detected::found(Pip, from),
            requirements: Some(Detected::found("pdm.lock".to_owned(), from)),
            notes,
        };
    }
    if let Some(file) = requirements_file(files) {
        return Manager {
            package_manager: Detected::found(Pip, file),
            requirements: Some(Detected::found(file.to_owned(), file)),
            notes,
        };
    }
    let pep621 = pyproject
        .and_then(|p| p.get("project"))
        .and_then(|p| p.get("dependencies"))
        .is_some();
    if pep621 {
        notes.push("pyproject.toml lists dependencies but no lock file pins them: the image installs [project] dependencies as declared, so each build may resolve other versions; for repeatable builds lock with `uv lock` (or write a pinned requirements.txt with `uv pip compile pyproject.toml -o requirements.txt`) and rerun `dgen init`".to_owned());
        let from = "pyproject.toml [project] dependencies (no lock file)";
        return Manager {
            package_manager: Detected::found(Pip, from),
            requirements: Some(Detected::found("pyproject.toml".to_owned(), from)),
            notes,
        };
    }
    if has_pipfile && files.is_file("Pipfile.lock") {
        let from = "Pipfile.lock (pipenv's lock: its default packages, with their hashes)";
        return Manager {
            package_manager: Detected::found(Pip, from),
            requirements: Some(Detected::found("Pipfile.lock".to_owned(), from)),
            notes,
        };
    }
    let (from, note) = if has_pipfile {
        (
            "Pipfile (no Pipfile.lock)",
            "Pipfile has no Pipfile.lock: run `pipenv lock` and rerun `dgen init` (the image installs from the lock), or export with `pipenv requirements > requirements.txt`",
        )
    } else {
        (
            "no requirements.txt, pyproject.toml, Pipfile or lock file",
            "no dependency file found: create requirements.txt (empty if the app needs nothing beyond the standard library)",
        )
    };
    notes.push(note.to_owned());
    Manager {
        package_manager: if pep621 || has_pipfile {
            Detected::found(Pip, from)
        } else {
            Detected::default(Pip, from)
        },
        requirements: Some(Detected::default(
            "requirements.txt".to_owned(),
            NO_REQUIREMENTS,
        )),
        notes,
    }
}

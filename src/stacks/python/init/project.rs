//! Whether the project itself is a package that the image installs (`[python] install_project`):
//! a PEP 621 project with a `[build-system]` installed by pip from `pyproject.toml`, or a
//! requirements file that names the project (`-e .`, `.[extra]`). Then the files its build reads
//! (`project_files`) and the extras the requirements lines ask for (`optional_dependencies`).

use crate::init::{Detected, ProjectFiles, Setting, SettingValue};
use crate::stacks::python::deps::ProjectLine;
use crate::stacks::python::project::not_a_package;

/// The settings for the project install, if the project is installed.
pub fn settings(
    files: &ProjectFiles,
    pyproject: Option<&toml::Table>,
    requirements: &str,
    lines: &[ProjectLine],
    sources: &[String],
    notes: &mut Vec<String>,
) -> Vec<Setting> {
    let from_pyproject = matches!(
        requirements.rsplit('/').next(),
        Some("pyproject.toml" | "pdm.lock")
    );
    if !from_pyproject && lines.is_empty() {
        return Vec::new();
    }
    let backend = pyproject
        .and_then(|p| p.get("build-system"))
        .map(|b| {
            b.get("build-backend")
                .and_then(|v| v.as_str())
                .unwrap_or("setuptools.build_meta:__legacy__")
                .to_owned()
        })
        .or_else(|| files.is_file("setup.py").then(|| "setup.py".to_owned()));
    let refusal = match (pyproject, &backend) {
        (Some(p), Some(_)) => not_a_package(p).map(|why| format!("pyproject.toml says so ({why})")),
        (None, Some(_)) => Some(
            "there is no pyproject.toml (add one with a [build-system] table for setup.py)"
                .to_owned(),
        ),
        (_, None) => {
            Some("pyproject.toml has no [build-system] and there is no setup.py".to_owned())
        }
    };
    if let Some(why) = refusal {
        for line in lines {
            notes.push(format!(
                "{}: `{}` installs the project itself, which is not a package: {why}; remove the line",
                line.at(),
                line.text
            ));
        }
        return Vec::new();
    }
    let backend = backend.unwrap_or_default();
    if lines.is_empty()
        && let Some(p) = pyproject
        && let Some(why) = backend_finds_nothing(files, p, &backend)
    {
        // Run from its sources, as it is today; installing it would fail the build.
        notes.push(format!(
            "pyproject.toml: the project is not installed as a package ({why}); the image runs it from its sources. \
             To install it, tell the backend where the package is, then set [python] install_project = true"
        ));
        return Vec::new();
    }
    let origin = match lines.first() {
        Some(line) => format!("{}: `{}`", line.at(), line.text),
        None => format!("pyproject.toml [build-system] build-backend = \"{backend}\""),
    };
    let mut out = vec![Setting::new(
        "install_project",
        "Install the project itself after the sources: built as a wheel in a stage of its own, installed without dependencies",
        Detected::found(SettingValue::Bool(true), origin).because(
            "the project is a package: its dependencies go into the cached layer first, then the wheel (console scripts and package metadata work)",
        ),
    )];
    let covered = |file: &str| {
        sources
            .iter()
            .any(|s| s == file || file.starts_with(&format!("{}/", s.trim_end_matches('/'))))
    };
    let mut needed: Vec<String> = Vec::new();
    if let Some(project) = pyproject.and_then(|p| p.get("project")) {
        let readme = match project.get("readme") {
            Some(toml::Value::String(file)) => Some(file.clone()),
            Some(toml::Value::Table(t)) => {
                t.get("file").and_then(|f| f.as_str()).map(str::to_owned)
            }
            _ => None,
        };
        needed.extend(readme);
        if let Some(file) = project
            .get("license")
            .and_then(|l| l.get("file"))
            .and_then(|f| f.as_str())
        {
            needed.push(file.to_owned());
        }
        if let Some(list) = project.get("license-files").and_then(|l| l.as_array()) {
            needed.extend(
                list.iter()
                    .filter_map(|f| f.as_str())
                    .filter(|f| !f.contains(['*', '?', '[']))
                    .map(str::to_owned),
            );
        }
    }
    needed.extend(
        ["setup.py", "setup.cfg", "MANIFEST.in"]
            .iter()
            .map(|f| (*f).to_owned()),
    );
    let mut project_files: Vec<String> = Vec::new();
    for file in needed {
        let file = file.trim_start_matches("./").to_owned();
        if files.is_file(&file) && !covered(&file) && !project_files.contains(&file) {
            project_files.push(file);
        }
    }
    if !project_files.is_empty() {
        out.push(Setting::new(
            "project_files",
            "Files the project's build reads besides pyproject.toml and the sources (build stage only)",
            Detected::found(
                SettingValue::List(project_files),
                "pyproject.toml and the build backend's files",
            ),
        ));
    }
    let mut extras: Vec<String> = Vec::new();
    for line in lines {
        for extra in &line.extras {
            if !extras.contains(extra) {
                extras.push(extra.clone());
            }
        }
    }
    if !extras.is_empty() {
        let at: Vec<String> = lines
            .iter()
            .filter(|l| !l.extras.is_empty())
            .map(ProjectLine::at)
            .collect();
        out.push(Setting::new(
            "optional_dependencies",
            "Optional dependency groups of pyproject.toml installed with the dependencies",
            Detected::found(SettingValue::List(extras), at.join(", ")),
        ));
    }
    out
}

/// Why the build backend would find no package to put in the wheel, for the backends that
/// infer it from the project's name when they are not told (hatchling, flit); `None` when it
/// would find one, is told where, or infers it some other way (setuptools, pdm-backend,
/// poetry-core).
fn backend_finds_nothing(
    files: &ProjectFiles,
    pyproject: &toml::Table,
    backend: &str,
) -> Option<String> {
    let tool = pyproject.get("tool");
    let poetry = tool.and_then(|t| t.get("poetry"));
    let name = pyproject
        .get("project")
        .and_then(|p| p.get("name"))
        .or_else(|| poetry.and_then(|p| p.get("name")))
        .and_then(|n| n.as_str())?;
    // The module name most backends derive: PEP 503's normalization, with `_` for the separator.
    let derived = super::deps::normalize(name).replace('-', "_");
    let mut candidates = vec![
        format!("{derived}/__init__.py"),
        format!("src/{derived}/__init__.py"),
        format!("{derived}.py"),
        format!("src/{derived}.py"),
    ];
    let label = match backend {
        "hatchling.build" => {
            if tool
                .and_then(|t| t.get("hatch"))
                .and_then(|h| h.get("build"))
                .is_some()
            {
                return None;
            }
            "hatchling"
        }
        "poetry.core.masonry.api" => {
            if poetry.and_then(|p| p.get("packages")).is_some() {
                return None;
            }
            "poetry-core"
        }
        "uv_build" => {
            if tool
                .and_then(|t| t.get("uv"))
                .and_then(|u| u.get("build-backend"))
                .is_some()
            {
                return None;
            }
            // uv_build's default module root is src/, and it wants a package.
            candidates = vec![format!("src/{derived}/__init__.py")];
            "uv_build"
        }
        "flit_core.buildapi" => {
            let module = tool
                .and_then(|t| t.get("flit"))
                .and_then(|f| f.get("module"))
                .and_then(|m| m.get("name"))
                .and_then(|n| n.as_str())
                .map_or_else(|| name.replace(['-', '.'], "_"), str::to_owned);
            candidates = vec![
                format!("{module}/__init__.py"),
                format!("src/{module}/__init__.py"),
                format!("{module}.py"),
                format!("src/{module}.py"),
            ];
            "flit"
        }
        _ => return None,
    };
    if candidates.iter().any(|c| files.is_file(c)) {
        return None;
    }
    Some(format!(
        "{label} looks for a package named after the project `{name}` and finds none of {}",
        candidates.join(", ")
    ))
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

use dgen::render::{FileKind, RenderedFile};

/// Parses and validates `text` (no file-system checks) and renders it.
pub fn render(text: &str) -> Vec<RenderedFile> {
    let loaded = match dgen::manifest::parse(text, None) {
        Ok(loaded) => loaded,
        Err(diagnostics) => panic!(
            "manifest refused:\n{}",
            dgen::diagnostic::render("dgen.toml", text, &diagnostics, false)
        ),
    };
    dgen::render::render(&loaded.manifest, "dgen.toml").expect("renders")
}

/// The rendered file of `kind`.
pub fn file(files: &[RenderedFile], kind: FileKind) -> String {
    files
        .iter()
        .find(|f| f.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} rendered"))
        .contents
        .clone()
}

/// The Dockerfile, .dockerignore and compose.yaml of `text`.
pub fn outputs(text: &str) -> (String, String, String) {
    let files = render(text);
    (
        file(&files, FileKind::Dockerfile),
        file(&files, FileKind::DockerIgnore),
        file(&files, FileKind::Compose),
    )
}

/// The refusal codes for `text`.
pub fn refusals(text: &str) -> Vec<&'static str> {
    match dgen::manifest::parse(text, None) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect(),
    }
}

/// A minimal valid Python manifest, with `extra` appended.
pub fn python(extra: &str) -> String {
    format!(
        "name = \"demo\"\nstack = \"python\"\n\n[app]\ncommand = [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]\nports = [8000]\nsources = [\"app.py\", \"templates\"]\n{extra}"
    )
}

/// The instruction lines of a Dockerfile (continuations joined, comments dropped).
pub fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.starts_with('#') || trimmed.is_empty()) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body.trim_end());
            current.push(' ');
        } else {
            current.push_str(trimmed);
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// The instructions of the final stage.
pub fn final_stage(dockerfile: &str) -> Vec<String> {
    let all = instructions(dockerfile);
    let last_from = all
        .iter()
        .rposition(|i| i.starts_with("FROM "))
        .expect("a FROM");
    all[last_from..].to_vec()
}

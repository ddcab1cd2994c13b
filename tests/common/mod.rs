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

/// The instructions of the build stages: everything before the last FROM.
pub fn build_stage(dockerfile: &str) -> Vec<String> {
    let all = instructions(dockerfile);
    let last = all.iter().rposition(|i| i.starts_with("FROM ")).unwrap();
    all[..last].to_vec()
}

/// The instructions of `list` that start with any of `prefixes`, in their order.
pub fn starting_with(list: Vec<String>, prefixes: &[&str]) -> Vec<String> {
    list.into_iter()
        .filter(|i| prefixes.iter().any(|p| i.starts_with(p)))
        .collect()
}

/// The FROM instructions of a Dockerfile, one a stage.
pub fn froms(dockerfile: &str) -> Vec<String> {
    starting_with(instructions(dockerfile), &["FROM "])
}

/// The EXPOSE instructions of a Dockerfile.
pub fn exposed(dockerfile: &str) -> Vec<String> {
    starting_with(instructions(dockerfile), &["EXPOSE"])
}

/// The CMD and ENTRYPOINT instructions of the final stage: what the container runs.
pub fn final_commands(dockerfile: &str) -> Vec<String> {
    starting_with(final_stage(dockerfile), &["CMD ", "ENTRYPOINT "])
}

/// The COPY instructions of the final stage.
pub fn final_copies(dockerfile: &str) -> Vec<String> {
    starting_with(final_stage(dockerfile), &["COPY "])
}

/// The RUN instructions of the final stage.
pub fn final_runs(dockerfile: &str) -> Vec<String> {
    starting_with(final_stage(dockerfile), &["RUN "])
}

/// Asserts that no instruction is an ADD (P11: COPY, never ADD).
#[track_caller]
pub fn assert_no_add(dockerfile: &str) {
    assert!(
        instructions(dockerfile)
            .iter()
            .all(|i| !i.starts_with("ADD "))
    );
}

/// Asserts that no two RUN instructions follow each other anywhere (hadolint DL3059).
#[track_caller]
pub fn assert_no_consecutive_runs(dockerfile: &str) {
    assert!(
        instructions(dockerfile)
            .windows(2)
            .all(|w| !(w[0].starts_with("RUN ") && w[1].starts_with("RUN "))),
        "{dockerfile}"
    );
}

/// Asserts that `count` instructions install apt packages (`message` says why that many), each a
/// RUN that updates, skips recommended packages and removes the package lists.
#[track_caller]
pub fn assert_clean_apt_installs(dockerfile: &str, count: usize, message: &str) {
    let all = instructions(dockerfile);
    let apt: Vec<_> = all
        .iter()
        .filter(|i| i.contains("apt-get install"))
        .collect();
    assert_eq!(apt.len(), count, "{message}");
    for run in apt {
        assert!(
            run.starts_with("RUN apt-get update && apt-get install -y --no-install-recommends"),
            "{run}"
        );
        assert!(run.contains("rm -rf /var/lib/apt/lists/*"), "{run}");
    }
}

/// Asserts that every one of `patterns` is a line of the .dockerignore `ignore`.
#[track_caller]
pub fn assert_ignores(ignore: &str, patterns: &[&str]) {
    let lines: Vec<&str> = ignore.lines().collect();
    for pattern in patterns {
        assert!(
            lines.contains(pattern),
            "{pattern} missing from .dockerignore:\n{ignore}"
        );
    }
}

/// Asserts that the Dockerfile's HEALTHCHECK and compose's `test` both run `probe`: an exec-form
/// array such as `["curl", "-fsS", …]`, or the start of one.
#[track_caller]
pub fn assert_probe(dockerfile: &str, compose: &str, probe: &str) {
    assert!(dockerfile.contains(&format!("CMD {probe}")), "{dockerfile}");
    assert!(
        compose.contains(&format!("test: [\"CMD\", {}", &probe[1..])),
        "{compose}"
    );
}

/// Asserts that each of `texts` starts with dgen's "generated by" header.
#[track_caller]
pub fn assert_generated_header(texts: &[&str]) {
    for text in texts {
        assert!(
            text.starts_with("# Generated by dgen from dgen.toml."),
            "{text}"
        );
    }
}

/// Asserts that rendering `text` again `times` times gives the same files, byte for byte.
#[track_caller]
pub fn assert_renders_identically(text: &str, times: usize) {
    let first = render(text);
    for _ in 0..times {
        assert_eq!(render(text), first);
    }
}

/// The JSON of a `.vscode/launch.json`, its `//` comment lines dropped.
pub fn launch_json(launch: &str) -> serde_json::Value {
    let json: String = launch
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).unwrap()
}

/// The service `name` of the compose file `compose`.
pub fn compose_service(compose: &str, name: &str) -> yaml_rust2::Yaml {
    let doc = &yaml_rust2::YamlLoader::load_from_str(compose).unwrap()[0];
    doc["services"][name].clone()
}

/// The strings of a YAML sequence, such as a compose service's `command`.
pub fn yaml_strings(list: &yaml_rust2::Yaml) -> Vec<&str> {
    list.as_vec()
        .unwrap()
        .iter()
        .map(|y| y.as_str().unwrap())
        .collect()
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

//! `dgen init --from Dockerfile`: the facts of an existing Dockerfile read into the manifest
//! (base image version, command, ports, environment names without secret values, workdir,
//! system packages, health path), so that the first `dgen diff` shows practice differences
//! rather than transcription differences.
//!
//! Only facts are taken, never the practices the file breaks: the version of `python:3.12`,
//! not the full image; the command, but in exec form; the apt packages, not the apt hygiene.

use std::collections::BTreeMap;

use crate::dockerfile::{self, Args, Dockerfile, Instruction};
use crate::init::{Detection, Health, Origin};
use crate::lint::rules::chain_from;
use crate::manifest::StackName;

/// What was read from the Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FromDockerfile {
    /// The final image's base (`python:3.12`), resolved with global ARG defaults.
    pub base: Option<String>,
    /// The stack the base suggests.
    pub stack: Option<StackName>,
    /// The version in the base tag (`3.12`, `22`, `1.22`, `21`).
    pub version: Option<String>,
    pub command: Vec<String>,
    pub ports: Vec<u32>,
    /// Non-secret environment variables (values without `$`).
    pub env: BTreeMap<String, String>,
    /// Secret-looking names left out (to be passed at run time).
    pub secret_names: Vec<String>,
    pub workdir: Option<String>,
    /// apt packages of the final image (name → version, `*` when unpinned).
    pub system_packages: BTreeMap<String, String>,
    /// apt packages of build stages (compilers, `-dev` headers).
    pub build_packages: BTreeMap<String, String>,
    pub health_path: Option<String>,
}

/// Environment variables the stacks set themselves.
const STACK_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "NODE_ENV",
    "DEBIAN_FRONTEND",
    "JAVA_HOME",
    "GOPATH",
    "CGO_ENABLED",
];

/// Reads the facts of a Dockerfile's final image.
pub fn read(bytes: &[u8]) -> FromDockerfile {
    let df = dockerfile::parse(bytes);
    let mut out = FromDockerfile::default();
    let Some(last) = df.stages.len().checked_sub(1) else {
        return out;
    };
    let chain = chain_from(&df, last);
    let facts = dockerfile::facts::all(&df);
    let args = global_args(&df);
    let root = &df.stages[*chain.last().unwrap_or(&last)];
    let mut base = root.base().to_string();
    for (k, v) in &args {
        base = base
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    if !base.contains('$') && !base.eq_ignore_ascii_case("scratch") {
        out.stack = stack_of(&base);
        out.version = version_of(&base);
        out.base = Some(base);
    }
    // Go and Rust final images (scratch, distroless) say nothing: ask the build stage.
    if out.stack.is_none() {
        for s in &df.stages {
            if let Some(st) = stack_of(s.base()) {
                out.stack = Some(st);
                out.version = version_of(s.base());
                break;
            }
        }
    }
    let instructions: Vec<&Instruction> = chain
        .iter()
        .rev()
        .flat_map(|&k| df.stages[k].instructions.iter())
        .collect();
    // ENTRYPOINT then CMD, as the container runs them.
    let (mut entrypoint, mut cmd): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for i in &instructions {
        match &*i.keyword {
            "ENTRYPOINT" => {
                entrypoint = words(i);
                cmd.clear();
            }
            "CMD" => cmd = words(i),
            "HEALTHCHECK" => {
                if let Args::HealthcheckCmd(_) = &i.args {
                    out.health_path = http_path(&i.command_text());
                }
            }
            "RUN" => {
                for pkg in apt_packages(i) {
                    out.system_packages.insert(pkg.0, pkg.1);
                }
            }
            _ => {}
        }
    }
    out.command = entrypoint.into_iter().chain(cmd).collect();
    for s in &df.stages {
        if chain.contains(&s.index) {
            continue;
        }
        for i in &s.instructions {
            for (name, version) in apt_packages(i) {
                if !out.system_packages.contains_key(&name) {
                    out.build_packages.insert(name, version);
                }
            }
        }
    }
    // Compilers and headers belong to the build stage, not the final image.
    let build_only: Vec<String> = out
        .system_packages
        .keys()
        .filter(|n| {
            n.ends_with("-dev")
                || matches!(
                    n.as_str(),
                    "gcc" | "g++" | "make" | "build-essential" | "python3-pip" | "git"
                )
        })
        .cloned()
        .collect();
    for n in build_only {
        if let Some(v) = out.system_packages.remove(&n) {
            out.build_packages.insert(n, v);
        }
    }
    if let Some(f) = facts.get(chain[0]) {
        out.ports = f
            .ports
            .iter()
            .filter_map(|p| p.strip_suffix("/tcp").unwrap_or(p).parse().ok())
            .filter(|p: &u32| (1..=65535).contains(p) && *p != 22)
            .collect();
        out.workdir = f
            .workdir
            .clone()
            .filter(|w| w.starts_with('/') && !w.contains('$'));
        for (k, v) in &f.env {
            if STACK_ENV.contains(&k.as_str()) || k.starts_with("PIP_") || k.starts_with("NPM_") {
                continue;
            }
            if dockerfile::rules::is_secret_setting(k, Some(v)) {
                out.secret_names.push(k.clone());
            } else if !v.contains('$') && !v.chars().any(char::is_control) {
                out.env.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

fn global_args(df: &Dockerfile) -> Vec<(String, String)> {
    df.preamble
        .iter()
        .flat_map(|i| i.key_values())
        .filter_map(|kv| kv.value.clone().map(|v| (kv.key.clone(), v)))
        .collect()
}

/// Exec form as is; shell form split like a shell (`sh -c` wrappers unwrapped).
fn words(i: &Instruction) -> Vec<String> {
    match &i.args {
        Args::Exec(v) => {
            if v.len() == 3
                && matches!(v[0].as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash")
                && v[1] == "-c"
            {
                shlex::split(&v[2]).unwrap_or_else(|| v.clone())
            } else {
                v.clone()
            }
        }
        Args::Shell(s) => {
            let s = s.trim().strip_prefix("exec ").unwrap_or(s.trim());
            shlex::split(s).unwrap_or_else(|| s.split_whitespace().map(str::to_string).collect())
        }
        _ => Vec::new(),
    }
}

fn stack_of(image: &str) -> Option<StackName> {
    let (repo, _, _) = crate::reference::split(image);
    crate::stacks::all()
        .into_iter()
        .find(|stack| {
            stack.image_repositories().iter().any(|known| {
                repo == *known
                    || repo
                        .strip_suffix(known)
                        .is_some_and(|rest| rest.ends_with('/'))
            })
        })
        .map(|stack| stack.name())
}

/// The leading version of a tag: `3.12-slim` → `3.12`, `22-alpine` → `22`,
/// `3.9-eclipse-temurin-21` → `21` for Maven (the JDK), `python3.11` → `3.11`.
fn version_of(image: &str) -> Option<String> {
    let (repo, tag, _) = crate::reference::split(image);
    let tag = tag?;
    let name = repo.rsplit('/').next().unwrap_or(repo);
    if matches!(name, "maven" | "gradle")
        && let Some(jdk) = tag
            .rsplit('-')
            .next()
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(jdk.to_string());
    }
    let start = tag.find(|c: char| c.is_ascii_digit())?;
    let v: String = tag[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.');
    // Keep major.minor: `3.12.4` → `3.12`.
    let parts: Vec<&str> = v.split('.').take(2).collect();
    (!parts.is_empty() && !parts[0].is_empty()).then(|| parts.join("."))
}

/// `apt-get install … pkg pkg=1.2*`: (name, version or `*`).
fn apt_packages(i: &Instruction) -> Vec<(String, String)> {
    let cmds = dockerfile::rules::commands(i);
    let mut out = Vec::new();
    for args in dockerfile::shell::invocations(&cmds, &["apt-get", "apt"]) {
        if dockerfile::shell::subcommand(args) != Some("install") {
            continue;
        }
        let mut seen_install = false;
        for a in args {
            if !seen_install {
                seen_install = a == "install";
                continue;
            }
            if a.starts_with('-') || a.contains('$') {
                continue;
            }
            let (name, version) = match a.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (a.clone(), "*".to_string()),
            };
            let name_ok = name.len() >= 2
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+.-".contains(c));
            if name_ok {
                out.push((name, version));
            }
        }
    }
    out
}

/// The path of an `http://host:port/path` in a health check command.
fn http_path(text: &str) -> Option<String> {
    let at = text.find("http://").or_else(|| text.find("https://"))?;
    let rest = &text[at..];
    let after_scheme = &rest[rest.find("//")? + 2..];
    let slash = after_scheme.find('/')?;
    let path: String = after_scheme[slash..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"'\"`)]|;,&".contains(*c))
        .collect();
    (path.len() > 1 || path == "/").then_some(path)
}

/// Applies what was read to a detection (flags applied after it still win).
pub fn apply(found: &FromDockerfile, detection: &mut Detection, file: &str) {
    let origin = || Origin::Found(file.to_string());
    if !found.command.is_empty() {
        detection.set_command(found.command.clone(), origin());
    }
    if !found.ports.is_empty() {
        detection.set_ports(found.ports.clone(), origin());
    }
    if let Some(v) = &found.version {
        // Every stack calls its version setting `version`; a value it refuses is left out.
        let _ = detection.set_setting("version", v, origin());
    }
    if !found.env.is_empty() {
        let mut env = detection.env.value.clone();
        env.extend(found.env.clone());
        detection.env.set(env, origin());
    }
    if let Some(p) = &found.health_path {
        detection.healthcheck.set(Health::Http(p.clone()), origin());
    }
    if !found.secret_names.is_empty() {
        detection.notes.push(format!(
            "{file} sets {} in the image: left out of dgen.toml (a secret is passed at run time: the env file or compose secrets)",
            found.secret_names.join(", ")
        ));
    }
}

/// Adds `[app] workdir`, `system_packages` and `build_packages` to the manifest text
/// (comments kept).
pub fn extend_manifest(text: &str, found: &FromDockerfile, file: &str) -> String {
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return text.to_string();
    };
    let Some(app) = doc.get_mut("app").and_then(|a| a.as_table_mut()) else {
        return text.to_string();
    };
    if let Some(w) = &found.workdir
        && w != "/app"
    {
        app.insert("workdir", toml_edit::value(w.as_str()));
        if let Some(mut key) = app.key_mut("workdir") {
            key.leaf_decor_mut()
                .set_prefix(format!("# from {file} (WORKDIR)\n"));
        }
    }
    for (key, packages) in [
        ("system_packages", &found.system_packages),
        ("build_packages", &found.build_packages),
    ] {
        if packages.is_empty() {
            continue;
        }
        let mut t = toml_edit::InlineTable::new();
        for (n, v) in packages {
            t.insert(n, v.as_str().into());
        }
        app.insert(key, toml_edit::value(t));
        if let Some(mut k) = app.key_mut(key) {
            k.leaf_decor_mut().set_prefix(format!(
                "# from {file} (apt-get install); \"*\" is unpinned: pin a version pattern (hadolint DL3008)\n"
            ));
        }
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_facts_of_a_hand_written_file() {
        let f = read(
            b"ARG PY=3.11\nFROM python:${PY}-bookworm\nENV APP_MODE=prod DB_PASSWORD=x PYTHONUNBUFFERED=1\nRUN apt-get update && apt-get install -y libpq5 gcc curl=7.88*\nWORKDIR /srv/app/\nCOPY . .\nEXPOSE 8000 22\nHEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1\nCMD gunicorn --bind 0.0.0.0:8000 app:app\n",
        );
        assert_eq!(f.stack, Some(StackName::Python));
        assert_eq!(f.version.as_deref(), Some("3.11"));
        assert_eq!(f.command, ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]);
        assert_eq!(f.ports, [8000]);
        assert_eq!(f.env.get("APP_MODE").map(String::as_str), Some("prod"));
        assert!(!f.env.contains_key("DB_PASSWORD") && f.secret_names == ["DB_PASSWORD"]);
        assert!(!f.env.contains_key("PYTHONUNBUFFERED"));
        assert_eq!(f.workdir.as_deref(), Some("/srv/app"));
        assert_eq!(
            f.system_packages.get("libpq5").map(String::as_str),
            Some("*")
        );
        assert_eq!(
            f.system_packages.get("curl").map(String::as_str),
            Some("7.88*")
        );
        assert!(f.build_packages.contains_key("gcc"));
        assert_eq!(f.health_path.as_deref(), Some("/healthz"));
    }

    #[test]
    fn every_stack_is_told_by_its_official_images() {
        for (image, stack) in [
            ("python:3.12-slim", StackName::Python),
            ("docker.io/library/pypy:3.10", StackName::Python),
            ("mcr.microsoft.com/dotnet/aspnet:8.0", StackName::Dotnet),
            (
                "mcr.microsoft.com/dotnet/sdk:9.0@sha256:00",
                StackName::Dotnet,
            ),
            ("php:8.4-apache", StackName::Php),
            ("composer:2.8", StackName::Php),
            ("ruby:3.3-slim", StackName::Ruby),
            ("nginxinc/nginx-unprivileged:1.28", StackName::Static),
            ("registry.example.com:5000/mirror/node:22", StackName::Node),
            ("maven:3.9-eclipse-temurin-21", StackName::Java),
        ] {
            assert_eq!(stack_of(image), Some(stack), "{image}");
        }
        // A name that merely ends like one is not one; other vendors' sdk/runtime are not .NET.
        for image in [
            "mypython:1",
            "example/sdk:1",
            "runtime:2",
            "debian:bookworm-slim",
        ] {
            assert_eq!(stack_of(image), None, "{image}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!(version_of("node:22-alpine").as_deref(), Some("22"));
        assert_eq!(version_of("python:3.12.4-slim").as_deref(), Some("3.12"));
        assert_eq!(
            version_of("maven:3.9-eclipse-temurin-21").as_deref(),
            Some("21")
        );
        assert_eq!(version_of("node:lts"), None);
        assert_eq!(stack_of("golang:1.22"), Some(StackName::Go));
    }
}

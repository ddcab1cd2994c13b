//! What a stage amounts to, for the practice rules: the user it runs as, its health check,
//! ports, environment, and whether source is copied before dependencies are installed.

use std::collections::HashMap;

use super::model::{Args, Dockerfile, Instruction, Stage};
use super::normalize::normalize_port;
use super::shell;

/// Facts about one stage, inherited from an earlier stage it is built `FROM`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// The last USER (`None`: root by default).
    pub user: Option<String>,
    /// The last HEALTHCHECK: `Some(true)` for CMD, `Some(false)` for NONE.
    pub healthcheck: Option<bool>,
    /// EXPOSEd ports, normalized (`8000`, `53/udp`).
    pub ports: Vec<String>,
    /// ENV values, last one wins.
    pub env: Vec<(String, String)>,
    /// A source COPY (index) before a dependency-install RUN (index): P09 broken.
    pub copy_before_install: Option<(usize, usize)>,
    /// FROM names an earlier stage, not an image.
    pub base_is_stage: bool,
    /// The effective WORKDIR (trailing slash removed), inherited from the base stage.
    pub workdir: Option<String>,
    /// The effective ENTRYPOINT (normalized key) and its line on disk.
    pub entrypoint: Option<String>,
    /// The effective CMD (normalized key); an ENTRYPOINT resets an inherited CMD.
    pub cmd: Option<String>,
}

impl Facts {
    /// Does the stage run as root (no USER, `root`, `0`, with any group)?
    pub fn runs_as_root(&self) -> bool {
        match &self.user {
            None => true,
            Some(u) => {
                let name = u.split(':').next().unwrap_or("");
                name == "root" || name == "0"
            }
        }
    }

    /// The value of an environment variable set with ENV.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The facts of every stage of a file, in order.
pub(crate) fn all(df: &Dockerfile) -> Vec<Facts> {
    let mut out: Vec<Facts> = Vec::with_capacity(df.stages.len());
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (k, stage) in df.stages.iter().enumerate() {
        let base = stage.base().to_ascii_lowercase();
        let inherited = match by_name.get(base.as_str()).and_then(|&i| out.get(i)) {
            Some(f) => Facts {
                copy_before_install: None,
                base_is_stage: true,
                ..f.clone()
            },
            None => Facts::default(),
        };
        out.push(of(stage, inherited));
        if let Some(name) = &stage.name {
            by_name.insert(name, k);
        }
    }
    out
}

fn of(stage: &Stage, mut f: Facts) -> Facts {
    let mut source_copy: Option<usize> = None;
    for (i, ins) in stage.instructions.iter().enumerate() {
        match &*ins.keyword {
            "USER" => f.user = ins.text().map(str::to_string),
            "WORKDIR" => {
                if let Some(t) = ins.text() {
                    let t = clean_workdir(t.trim());
                    f.workdir = Some(match (&f.workdir, t.starts_with('/')) {
                        (Some(base), false) if !t.starts_with('$') => {
                            format!("{}/{t}", base.trim_end_matches('/'))
                        }
                        _ => t,
                    });
                }
            }
            "CMD" => f.cmd = Some(command_key(ins)),
            "ENTRYPOINT" => {
                f.entrypoint = Some(command_key(ins));
                f.cmd = None;
            }
            "HEALTHCHECK" => match ins.args {
                Args::HealthcheckNone => f.healthcheck = Some(false),
                Args::HealthcheckCmd(_) => f.healthcheck = Some(true),
                _ => {}
            },
            "EXPOSE" => {
                for p in ins.words() {
                    let p = normalize_port(p);
                    if !f.ports.contains(&p) {
                        f.ports.push(p);
                    }
                }
            }
            "ENV" => {
                for kv in ins.key_values() {
                    let v = kv.value.clone().unwrap_or_default();
                    match f.env.iter_mut().find(|(k, _)| *k == kv.key) {
                        Some(e) => e.1 = v,
                        None => f.env.push((kv.key.clone(), v)),
                    }
                }
            }
            "COPY" | "ADD" if source_copy.is_none() && copies_source(ins) => {
                source_copy = Some(i);
            }
            "RUN" if f.copy_before_install.is_none() => {
                if let Some(c) = source_copy
                    && shell::installs_dependencies(&shell::commands(&ins.command_text()))
                {
                    f.copy_before_install = Some((c, i));
                }
            }
            _ => {}
        }
    }
    f
}

/// A WORKDIR without quotes and a trailing slash (`/app/` is `/app`).
pub(crate) fn clean_workdir(t: &str) -> String {
    let t = t.trim_matches(['"', '\'']);
    let trimmed = t.trim_end_matches('/');
    if trimmed.is_empty() && t.starts_with('/') {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The comparison key of a CMD/ENTRYPOINT: its form and words.
fn command_key(ins: &Instruction) -> String {
    match &ins.args {
        Args::Exec(v) => format!("exec:{}", v.join("\u{1f}")),
        _ => format!(
            "shell:{}",
            super::words::collapse_ws(&ins.command_text(), '\\')
        ),
    }
}

/// Dependency manifests and lock files: copying only these before the install is P09.
const DEPENDENCY_MANIFESTS: &[&str] = &[
    "requirements.txt",
    "requirements-*.txt",
    "requirements_*.txt",
    "requirements/*",
    "constraints.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "pipfile",
    "pipfile.lock",
    "setup.py",
    "setup.cfg",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    ".yarnrc.yml",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    ".npmrc",
    "bun.lockb",
    "bun.lock",
    "go.mod",
    "go.sum",
    "go.work",
    "go.work.sum",
    "cargo.toml",
    "cargo.lock",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradle.properties",
    "gemfile",
    "gemfile.lock",
    ".ruby-version",
    // The form dgen's Ruby stack copies an optional `.ruby-version` in.
    ".ruby-versio[n]",
    "composer.json",
    "composer.lock",
    "*.csproj",
    "*.fsproj",
    "*.vbproj",
    "*.sln",
    "directory.build.props",
    "directory.build.targets",
    "directory.packages.props",
    "nuget.config",
    "global.json",
];

/// Simple glob match with `*` and `?` (both sides may hold wildcards: a COPY source
/// `package*.json` matches the manifest `package.json`).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Is this COPY source only a dependency manifest?
pub(crate) fn is_dependency_manifest(path: &str) -> bool {
    let path = path.trim_end_matches('/').to_ascii_lowercase();
    let path = path.trim_start_matches("./");
    let base = path.rsplit('/').next().unwrap_or(path);
    // A wildcard source counts only with a literal start (`package*.json`, not `*.json`).
    let base_is_specific = !base.starts_with(['*', '?']);
    DEPENDENCY_MANIFESTS.iter().any(|m| {
        let b = if m.contains('/') { path } else { base };
        glob(m.as_bytes(), b.as_bytes()) || (base_is_specific && glob(b.as_bytes(), m.as_bytes()))
    })
}

/// The sources of a COPY/ADD (all words but the destination).
pub(crate) fn sources(ins: &Instruction) -> &[String] {
    let w = ins.words();
    if w.len() < 2 { &[] } else { &w[..w.len() - 1] }
}

/// A URL or git source of ADD (fetched, not taken from the build context).
pub(crate) fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with("git@")
        || s.starts_with("git://")
        || s.starts_with("ssh://")
}

/// Does this COPY/ADD bring application source from the build context (not another stage,
/// not a heredoc, not only dependency manifests)?
pub(crate) fn copies_source(ins: &Instruction) -> bool {
    if ins.flag("from").is_some() || !ins.heredocs.is_empty() {
        return false;
    }
    let srcs = sources(ins);
    !srcs.is_empty()
        && srcs
            .iter()
            .any(|s| !is_remote(s) && !is_dependency_manifest(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse_str;

    #[test]
    fn globs_and_manifests() {
        assert!(glob(b"a*c", b"abbbc"));
        assert!(!glob(b"a*c", b"abbb"));
        assert!(glob(b"*", b""));
        for m in [
            "requirements.txt",
            "./requirements-dev.txt",
            "package*.json",
            "go.*",
            "Cargo.toml",
            "src/app/App.csproj",
            "./requirements/base.txt",
            "pyproject.toml",
        ] {
            assert!(is_dependency_manifest(m), "{m}");
        }
        for s in [
            ".",
            "app.py",
            "src/",
            "templates",
            "*.py",
            "main.go",
            "*",
            "*.json",
            "./",
        ] {
            assert!(!is_dependency_manifest(s), "{s}");
        }
    }

    #[test]
    fn facts_of_stages() {
        let d = parse_str(
            "FROM python:3.12-slim AS base\nUSER app\nENV A=1 B=2\nHEALTHCHECK CMD [\"true\"]\nEXPOSE 8000/tcp 53/udp\nFROM base AS final\nENV A=3\nCOPY . .\nRUN pip install -r requirements.txt\nFROM scratch\n",
        );
        let f = all(&d);
        assert_eq!(f[0].user.as_deref(), Some("app"));
        assert!(!f[0].runs_as_root());
        assert_eq!(f[0].ports, ["8000", "53/udp"]);
        assert_eq!(f[0].healthcheck, Some(true));
        // Inherited from `base`.
        assert_eq!(f[1].user.as_deref(), Some("app"));
        assert_eq!(f[1].env("A"), Some("3"));
        assert_eq!(f[1].env("B"), Some("2"));
        assert_eq!(f[1].copy_before_install, Some((1, 2)));
        assert!(f[1].base_is_stage && !f[0].base_is_stage);
        assert!(f[2].runs_as_root());
        assert_eq!(f[2].healthcheck, None);
    }

    #[test]
    fn p09_ignores_manifests_other_stages_and_heredocs() {
        let d = parse_str(
            "FROM node:22-slim\nCOPY package.json package-lock.json ./\nCOPY --from=x /a /a\nCOPY <<EOF /etc/x\nhi\nEOF\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
        );
        assert_eq!(all(&d)[0].copy_before_install, None);
        for root in ["USER root", "USER 0:0", "USER root:app"] {
            let d = parse_str(&format!("FROM x\n{root}\n"));
            assert!(all(&d)[0].runs_as_root(), "{root}");
        }
    }
}

//! The project's runtime dependencies: names (normalized as PEP 503 does), version specifiers
//! and the file each was read from, out of requirements files, `pyproject.toml` (PEP 621 and
//! Poetry) and `Pipfile`; and the versions the lock files pin.

use std::collections::BTreeMap;

use crate::init::ProjectFiles;

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The normalized name: lower case, runs of `-`, `_`, `.` as one `-`.
    pub name: String,
    /// The extras asked for, e.g. `standard` in `fastapi[standard]`.
    pub extras: Vec<String>,
    /// The version specifier as written, e.g. `==3.1.3` or `^3.11`; empty when there is none.
    pub spec: String,
    /// The file it was read from.
    pub from: String,
}

impl Dependency {
    /// Whether the specifier pins one exact version (`==1.2.3`, not `==1.*`).
    pub fn is_pinned(&self) -> bool {
        let spec = self.spec.trim();
        (spec.starts_with("==") && !spec.contains('*') && !spec.contains(','))
            || spec.starts_with("===")
    }
}

/// Everything known about the dependencies.
#[derive(Debug, Clone, Default)]
pub struct Dependencies {
    /// The declared runtime dependencies, in file order.
    pub list: Vec<Dependency>,
    /// Versions from lock files (uv.lock, poetry.lock), by normalized name, direct and
    /// transitive.
    pub locked: BTreeMap<String, String>,
    /// Problems met on the way, for the user (one sentence each).
    pub notes: Vec<String>,
    /// Requirement files that a requirements file pulls in with `-r` or `-c`.
    pub includes: Vec<String>,
}

impl Dependencies {
    /// The declared dependency `name` (any spelling).
    pub fn get(&self, name: &str) -> Option<&Dependency> {
        let name = normalize(name);
        self.list.iter().find(|d| d.name == name)
    }

    /// Whether `name` is declared.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether `name` will be installed: declared, or in a lock file.
    pub fn installed(&self, name: &str) -> bool {
        self.has(name) || self.locked.contains_key(&normalize(name))
    }

    /// Where `name` was found, for a comment: its file, or the lock file.
    pub fn origin(&self, name: &str) -> String {
        match self.get(name) {
            Some(dep) => dep.from.clone(),
            None => "the lock file".to_owned(),
        }
    }

    /// The version of `name` that will be installed, when known: from a lock file, or an exact
    /// pin.
    pub fn version(&self, name: &str) -> Option<Vec<u64>> {
        let text = match self.locked.get(&normalize(name)) {
            Some(v) => v.clone(),
            None => {
                let dep = self.get(name).filter(|d| d.is_pinned())?;
                dep.spec.trim_start_matches('=').trim().to_owned()
            }
        };
        let parts: Option<Vec<u64>> = text
            .split('.')
            .take(3)
            .map(|p| {
                let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        parts.filter(|p| !p.is_empty())
    }

    /// Reads the dependencies declared in `requirements` (a pip requirements file, if any),
    /// `pyproject` and `pipfile`, and the lock files' versions.
    pub fn gather(
        files: &ProjectFiles,
        requirements: Option<&str>,
        pyproject: Option<&toml::Table>,
        pipfile: Option<&toml::Table>,
    ) -> Dependencies {
        let mut deps = Dependencies::default();
        if let Some(path) = requirements {
            deps.read_requirements(files, path, 0);
        }
        if let Some(pyproject) = pyproject {
            deps.read_pyproject(pyproject);
        }
        if let Some(pipfile) = pipfile {
            deps.read_table(pipfile.get("packages"), "Pipfile [packages]", false);
        }
        for lock in ["uv.lock", "poetry.lock"] {
            if let Some(Ok(table)) = files.read_toml(lock)
                && let Some(packages) = table.get("package").and_then(|p| p.as_array())
            {
                for package in packages {
                    let name = package.get("name").and_then(|n| n.as_str());
                    let version = package.get("version").and_then(|v| v.as_str());
                    if let (Some(name), Some(version)) = (name, version) {
                        deps.locked.insert(normalize(name), version.to_owned());
                    }
                }
            }
        }
        deps
    }

    fn push(&mut self, dep: Dependency) {
        if !self.has(&dep.name) {
            self.list.push(dep);
        }
    }

    fn read_requirements(&mut self, files: &ProjectFiles, path: &str, depth: usize) {
        let Some(text) = files.read(path) else {
            return;
        };
        for line in logical_lines(&text) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(include) = include_target(line) {
                let target = resolve(path, include);
                if !self.includes.contains(&target) {
                    self.includes.push(target.clone());
                }
                let requirement = line.starts_with("-r") || line.starts_with("--requirement");
                if requirement && depth < 5 && files.is_file(&target) {
                    self.read_requirements(files, &target, depth + 1);
                } else if !requirement && let Some(text) = files.read(&target) {
                    // A constraints file pins versions without asking for the packages.
                    for line in logical_lines(&text) {
                        if let Some(dep) = parse_requirement(&line)
                            && dep.is_pinned()
                        {
                            let version = dep.spec.trim_start_matches('=').trim().to_owned();
                            self.locked.entry(dep.name).or_insert(version);
                        }
                    }
                }
                continue;
            }
            if line.starts_with("-e") || line.starts_with("--editable") {
                // The project itself (install_project) or a refused line: see the stack's deps.rs.
                continue;
            }
            if line.starts_with('-') {
                continue;
            }
            if let Some(mut dep) = parse_requirement(line) {
                dep.from = path.to_owned();
                self.push(dep);
            }
        }
    }

    fn read_pyproject(&mut self, pyproject: &toml::Table) {
        let project = pyproject.get("project").and_then(|p| p.as_table());
        if let Some(list) = project
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
        {
            for item in list.iter().filter_map(|i| i.as_str()) {
                if let Some(mut dep) = parse_requirement(item) {
                    dep.from = "pyproject.toml".to_owned();
                    self.push(dep);
                }
            }
        }
        let poetry = pyproject
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("dependencies"));
        self.read_table(poetry, "pyproject.toml", true);
    }

    /// A Poetry or Pipfile table: name = "spec" or name = { version = "spec", extras = [...] }.
    fn read_table(&mut self, table: Option<&toml::Value>, from: &str, skip_python: bool) {
        let Some(table) = table.and_then(|t| t.as_table()) else {
            return;
        };
        for (name, value) in table {
            if skip_python && name == "python" {
                continue;
            }
            let (spec, extras) = match value {
                toml::Value::String(spec) => (spec.clone(), Vec::new()),
                toml::Value::Table(t) => (
                    t.get("version")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    t.get("extras")
                        .and_then(|e| e.as_array())
                        .map(|e| {
                            e.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                _ => (String::new(), Vec::new()),
            };
            let spec = if spec.trim() == "*" {
                String::new()
            } else {
                spec
            };
            self.push(Dependency {
                name: normalize(name),
                extras,
                spec,
                from: from.split(' ').next().unwrap_or(from).to_owned(),
            });
        }
    }
}

/// A package name normalized as PEP 503 does.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.trim().chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// The lines of a requirements file with `\` continuations joined and comments removed.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let line = match raw.find('#') {
            Some(0) => "",
            Some(i) if raw[..i].ends_with(char::is_whitespace) => &raw[..i],
            _ => raw,
        };
        if let Some(body) = line.trim_end().strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
        } else {
            current.push_str(line);
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The file a `-r FILE`, `--requirement=FILE`, `-c FILE` or `--constraint FILE` line names.
fn include_target(line: &str) -> Option<&str> {
    ["--requirement", "--constraint", "-r", "-c"]
        .iter()
        .find_map(|option| {
            let rest = line.strip_prefix(option)?;
            let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
            (!rest.is_empty()).then_some(rest)
        })
}

/// `target` as named in the requirements file `from`: relative to that file's directory.
fn resolve(from: &str, target: &str) -> String {
    match from.rsplit_once('/') {
        Some((dir, _)) if !target.starts_with('/') => format!("{dir}/{target}"),
        _ => target.to_owned(),
    }
}

/// One PEP 508 requirement (`name[extra] >= 1.0 ; markers`); `None` for URLs and paths.
pub fn parse_requirement(text: &str) -> Option<Dependency> {
    let text = text.trim();
    let end = text
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || "-_.".contains(ch)))
        .unwrap_or(text.len());
    let name = &text[..end];
    if name.is_empty() || !name.starts_with(|ch: char| ch.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = text[end..].trim_start();
    if rest.starts_with(['/', ':']) {
        return None; // a path or a URL
    }
    let mut extras = Vec::new();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']')?;
        extras = after[..close]
            .split(',')
            .map(normalize)
            .filter(|e| !e.is_empty())
            .collect();
        rest = after[close + 1..].trim_start();
    }
    let spec = if rest.starts_with('@') {
        ""
    } else {
        let stop = rest.find([';', ' ', '\t']).unwrap_or(rest.len());
        let spec = rest[..stop].trim();
        // Specifiers may be spaced out: `>= 1.0, < 2`.
        if spec.is_empty() || spec.chars().all(|c| "<>=!~".contains(c)) {
            rest.split(';').next().unwrap_or("").trim()
        } else {
            spec
        }
    };
    let spec = spec.split(" --").next().unwrap_or(spec).trim();
    Some(Dependency {
        name: normalize(name),
        extras,
        spec: spec.to_owned(),
        from: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Option<(String, Vec<String>, String)> {
        parse_requirement(text).map(|d| (d.name, d.extras, d.spec))
    }

    #[test]
    fn parses_requirements() {
        assert_eq!(
            req("Flask==3.1.3"),
            Some(("flask".into(), vec![], "==3.1.3".into()))
        );
        assert_eq!(
            req("fastapi[standard]>=0.110 ; python_version >= '3.9'"),
            Some(("fastapi".into(), vec!["standard".into()], ">=0.110".into()))
        );
        assert_eq!(
            req("Django_Extensions >= 3.0, < 4"),
            Some(("django-extensions".into(), vec![], ">= 3.0, < 4".into()))
        );
        assert_eq!(
            req("pkg @ https://example.invalid/pkg.whl"),
            Some(("pkg".into(), vec![], "".into()))
        );
        assert_eq!(
            req("gunicorn==25.1.0 --hash=sha256:abc"),
            Some(("gunicorn".into(), vec![], "==25.1.0".into()))
        );
        assert_eq!(req("./local/path"), None);
        assert_eq!(req("https://x/y.whl"), None);
    }

    #[test]
    fn reads_requirement_files_with_includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("requirements")).unwrap();
        std::fs::write(
            dir.path().join("requirements.txt"),
            "# app\n-r requirements/base.txt\ngunicorn==25.1.0 \\\n    --hash=sha256:00\n-e .\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("requirements/base.txt"),
            "flask>=3  # web\n",
        )
        .unwrap();
        let files = ProjectFiles::scan(dir.path());
        let deps = Dependencies::gather(&files, Some("requirements.txt"), None, None);
        let names: Vec<_> = deps.list.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["flask", "gunicorn"]);
        assert_eq!(deps.get("Flask").unwrap().from, "requirements/base.txt");
        assert_eq!(deps.includes, vec!["requirements/base.txt"]);
        assert_eq!(deps.version("gunicorn"), Some(vec![25, 1, 0]));
        assert_eq!(deps.version("flask"), None);
        assert!(deps.notes.is_empty(), "{:?}", deps.notes);
    }

    #[test]
    fn reads_poetry_and_locks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("poetry.lock"),
            "[[package]]\nname = \"Gunicorn\"\nversion = \"23.0.0\"\n",
        )
        .unwrap();
        let pyproject: toml::Table = r#"
            [tool.poetry.dependencies]
            python = "^3.11"
            django = "^5.0"
            uvicorn = { version = "*", extras = ["standard"] }
        "#
        .parse()
        .unwrap();
        let files = ProjectFiles::scan(dir.path());
        let deps = Dependencies::gather(&files, None, Some(&pyproject), None);
        assert!(deps.has("Django") && !deps.has("python"));
        assert_eq!(deps.get("uvicorn").unwrap().extras, vec!["standard"]);
        assert!(deps.installed("gunicorn") && !deps.has("gunicorn"));
        assert_eq!(deps.version("gunicorn"), Some(vec![23, 0, 0]));
    }
}

//! What a pip install reads, besides the file it is given: the files a requirements file pulls
//! in with `-r`/`-c` (followed recursively, each relative to the file that names it), local
//! wheels, archives and dependency folders it names, and local `--find-links` folders. All of
//! them must be copied at their own relative paths before the install, so that the dependency
//! layer is built without the sources (P09). A line that names the project itself (`-e .`, `.`,
//! `.[extra]`) is recorded: the project is installed after the sources, without dependencies
//! (`[python] install_project`). Lines that cannot be placed (`-e` of another local path, paths
//! outside the project) are refused with the file, the line and the fix.

use std::path::{Component, Path};

/// Why a requirements file cannot be installed as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The requirements file, relative to the project.
    pub file: String,
    /// The line number (1-based) where the logical line starts; 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl Problem {
    /// `file:line`, or `file` for the file as a whole.
    pub fn at(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
        }
    }
}

/// What the install of `root` reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closure {
    /// Every file or folder read besides `root`, relative to the project, in the order met.
    pub includes: Vec<String>,
    /// For each of `includes`, the `file:line` that named it first.
    pub named_at: Vec<String>,
    /// Lines that install the project itself (`-e .`, `.[extra]`, `-e ..` from a subfolder).
    pub project_lines: Vec<ProjectLine>,
}

/// A requirements line that installs the project itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLine {
    /// The requirements file, relative to the project.
    pub file: String,
    /// The line number (1-based).
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// The extras it asks for (`.[postgres]`).
    pub extras: Vec<String>,
}

impl ProjectLine {
    /// `file:line`.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A local path with its extras split off: `.[a, b]` is `(".", ["a", "b"])`.
fn split_extras(target: &str) -> (&str, Vec<String>) {
    match target.split_once('[') {
        Some((path, rest)) => (
            path,
            rest.trim_end_matches(']')
                .split(',')
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty())
                .collect(),
        ),
        None => (target, Vec::new()),
    }
}

/// A path as written in a requirements file, normalized against the project: `None` when it is
/// absolute or climbs out of the project.
fn inside(base_dir: &str, target: &str) -> Option<String> {
    if target.starts_with('/') || target.starts_with('\\') || target.contains(':') {
        return None;
    }
    let mut parts: Vec<String> = base_dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_owned)
        .collect();
    for component in Path::new(target).components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// The directory of a project-relative file (`""` for the project root).
fn dir_of(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Logical lines: `\` continuations joined, comments removed; each with its first line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        }
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
            let done = std::mem::take(&mut current);
            if !done.trim().is_empty() {
                out.push((start, done.trim().to_owned()));
            }
        }
    }
    if !current.trim().is_empty() {
        out.push((start, current.trim().to_owned()));
    }
    out
}

/// The value of option `long`/`short` on `line` (`-r x`, `-rx`, `--requirement=x`,
/// `--requirement x`), if the line is that option.
fn option<'a>(line: &'a str, long: &str, short: Option<&str>) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix(long) {
        if let Some(value) = rest.strip_prefix('=') {
            return Some(value.trim());
        }
        if rest.starts_with(char::is_whitespace) {
            return Some(rest.trim());
        }
        return None;
    }
    let short = short?;
    let rest = line.strip_prefix(short)?;
    if rest.starts_with('-') {
        return None;
    }
    Some(rest.strip_prefix('=').unwrap_or(rest).trim())
}

fn is_url(value: &str) -> bool {
    value.contains("://")
        || value.starts_with("git+")
        || value.starts_with("hg+")
        || value.starts_with("svn+")
        || value.starts_with("bzr+")
}

/// Whether `requirement` is a local path rather than a PEP 508 name: `./x`, `../x`, `/x`,
/// `x.whl`, `x.tar.gz`, `.`, or `name @ file:...`.
fn local_path(requirement: &str) -> Option<&str> {
    let mut first = requirement.split_whitespace().next().unwrap_or("");
    // `.[a, b]`: the extras may hold spaces.
    if first.contains('[')
        && !first.contains(']')
        && let Some(close) = requirement.find(']')
    {
        first = &requirement[..=close];
    }
    let archive = [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .any(|ext| first.ends_with(ext));
    if first == "."
        || first == ".."
        || first.starts_with(".[")
        || first.starts_with("..[")
        || first.starts_with("./")
        || first.starts_with("../")
        || first.starts_with('/')
        || first.starts_with("file:")
        || (archive && !is_url(first))
    {
        return Some(first.trim_start_matches("file:"));
    }
    if let Some((_, url)) = requirement
        .split_once(" @ ")
        .or_else(|| requirement.split_once('@'))
        && url.trim().starts_with("file:")
    {
        return Some(url.trim().trim_start_matches("file:"));
    }
    None
}

struct Walker<'a> {
    dir: &'a Path,
    closure: Closure,
    problems: Vec<Problem>,
}

impl Walker<'_> {
    fn add(&mut self, path: String, at: String) {
        if !self.closure.includes.contains(&path) {
            self.closure.includes.push(path);
            self.closure.named_at.push(at);
        }
    }

    fn problem(&mut self, file: &str, line: usize, message: String, help: String) {
        self.problems.push(Problem {
            file: file.to_owned(),
            line,
            message,
            help,
        });
    }

    fn walk(&mut self, file: &str, stack: &mut Vec<String>) {
        let text = match std::fs::read_to_string(self.dir.join(file)) {
            Ok(text) => text,
            Err(error) => {
                self.problem(
                    file,
                    0,
                    format!("cannot read {file}: {error}"),
                    "create it, or fix the path that names it".to_owned(),
                );
                return;
            }
        };
        stack.push(file.to_owned());
        let base = dir_of(file).to_owned();
        for (number, line) in logical_lines(&text) {
            let at = format!("{file}:{number}");
            let include = option(&line, "--requirement", Some("-r"))
                .or_else(|| option(&line, "--constraint", Some("-c")));
            if let Some(target) = include {
                let target = target.split_whitespace().next().unwrap_or("");
                if is_url(target) {
                    continue; // pip fetches it
                }
                let Some(path) = inside(&base, target) else {
                    self.problem(
                        file,
                        number,
                        format!("`{line}` names a file outside the project (the build context)"),
                        format!("move `{target}` into the project and name it relative to {file}"),
                    );
                    continue;
                };
                if let Some(i) = stack.iter().position(|f| *f == path) {
                    let mut chain = stack[i..].to_vec();
                    chain.push(path.clone());
                    self.problem(
                        file,
                        number,
                        format!("`{line}` makes an include loop: {}", chain.join(" -> ")),
                        format!("remove the include of {path} from {file}"),
                    );
                    continue;
                }
                if !self.dir.join(&path).is_file() {
                    self.problem(
                        file,
                        number,
                        format!("`{line}` names {path}, which does not exist"),
                        format!(
                            "create {path}, or fix the path (it is relative to {file}'s folder)"
                        ),
                    );
                    continue;
                }
                let seen = self.closure.includes.contains(&path);
                self.add(path.clone(), at);
                if !seen {
                    self.walk(&path, stack);
                }
                continue;
            }
            if let Some(target) = option(&line, "--find-links", Some("-f")) {
                if is_url(target) {
                    continue;
                }
                // pip reads a relative --find-links against the requirements file's folder.
                match inside(&base, target) {
                    Some(path) if self.dir.join(&path).is_dir() => self.add(format!("{path}/"), at),
                    _ => self.problem(
                        file,
                        number,
                        format!("`{line}` names a folder that is not inside the project"),
                        "put the wheels in a folder of the project and name it relative to the requirements file, or use a package index".to_owned(),
                    ),
                }
                continue;
            }
            if let Some(target) = option(&line, "--editable", Some("-e")) {
                if is_url(target) {
                    continue; // a VCS checkout pip clones
                }
                let (path, extras) = split_extras(target.trim_start_matches("file:"));
                if self.is_project(path) {
                    self.project_line(file, number, &line, extras);
                    continue;
                }
                self.problem(
                    file,
                    number,
                    format!("`{line}` is an editable install of a local path"),
                    format!(
                        "write `{path}` without -e: an editable install points at a folder the image does not keep (the package is then copied and installed with the dependencies)"
                    ),
                );
                continue;
            }
            if line.starts_with('-') {
                continue; // --index-url, --extra-index-url, --trusted-host, --pre, hashes, ...
            }
            if let Some(target) = local_path(&line) {
                let (path, extras) = split_extras(target);
                if self.is_project(path) {
                    self.project_line(file, number, &line, extras);
                    continue;
                }
                // pip reads a local path against its working directory (the project), not
                // against the requirements file's folder.
                match inside("", path.trim_start_matches("//")) {
                    Some(path) if self.dir.join(&path).is_dir() => self.add(format!("{path}/"), at),
                    Some(path) if self.dir.join(&path).is_file() => self.add(path, at),
                    Some(path) => self.problem(
                        file,
                        number,
                        format!("`{line}` names {path}, which does not exist"),
                        "fix the path (relative to the requirements file's folder)".to_owned(),
                    ),
                    None => self.problem(
                        file,
                        number,
                        format!("`{line}` names a path outside the project (the build context)"),
                        "move the package into the project, or publish it to a package index and name it with a version".to_owned(),
                    ),
                }
            }
        }
        stack.pop();
    }

    /// Whether a local path names the project itself (its root folder): pip reads it against
    /// its working directory, the project.
    fn is_project(&self, target: &str) -> bool {
        inside("", target.trim_end_matches('/')).is_some_and(|p| p.is_empty())
    }

    fn project_line(&mut self, file: &str, number: usize, line: &str, extras: Vec<String>) {
        self.closure.project_lines.push(ProjectLine {
            file: file.to_owned(),
            line: number,
            text: line.to_owned(),
            extras,
        });
    }
}

/// Follows the requirements file `root` (relative to `dir`).
pub fn closure(dir: &Path, root: &str) -> Result<Closure, Vec<Problem>> {
    let mut walker = Walker {
        dir,
        closure: Closure::default(),
        problems: Vec::new(),
    };
    walker.walk(root, &mut Vec::new());
    if walker.problems.is_empty() {
        Ok(walker.closure)
    } else {
        Err(walker.problems)
    }
}

/// One `COPY` per destination folder: `(destination, sources)` in first-seen order. A folder
/// (written with a final `/`) is copied whole to its own path.
pub fn copy_groups(root: &str, includes: &[String]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for path in std::iter::once(root).chain(includes.iter().map(String::as_str)) {
        if let Some(folder) = path.strip_suffix('/') {
            groups.push((format!("./{folder}/"), vec![folder.to_owned()]));
            continue;
        }
        let dest = match dir_of(path) {
            "" => "./".to_owned(),
            dir => format!("./{dir}/"),
        };
        match groups.iter_mut().find(|(d, _)| *d == dest) {
            Some((_, files)) => files.push(path.to_owned()),
            None => groups.push((dest, vec![path.to_owned()])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            if path.ends_with('/') {
                std::fs::create_dir_all(&p).unwrap();
            } else {
                std::fs::write(p, text).unwrap();
            }
        }
        dir
    }

    #[test]
    fn follows_includes_relative_to_each_file() {
        let dir = project(&[
            (
                "requirements/base.txt",
                "django==5.1\n-c ../constraints.txt\n",
            ),
            (
                "requirements/prod.txt",
                "-r base.txt\n--requirement=extra/more.txt\ngunicorn==23.0.0 \\\n  --hash=sha256:00\n",
            ),
            (
                "requirements/extra/more.txt",
                "-r ../base.txt\n--index-url https://example.invalid/simple\n",
            ),
            ("constraints.txt", "sqlparse==0.5.0\n"),
        ]);
        let c = closure(dir.path(), "requirements/prod.txt").unwrap();
        assert_eq!(
            c.includes,
            vec![
                "requirements/base.txt",
                "constraints.txt",
                "requirements/extra/more.txt"
            ]
        );
        assert_eq!(c.named_at[1], "requirements/base.txt:2");
    }

    #[test]
    fn refuses_loops_outside_paths_and_the_project_itself() {
        let dir = project(&[
            ("a.txt", "-r b.txt\n"),
            ("b.txt", "flask==3.1\n\n-r a.txt\n"),
            (
                "c.txt",
                "-c ../../etc/constraints.txt\n-e .\n./\nrequests==2.32.3\n-e ./libs/x\n",
            ),
            ("pyproject.toml", "[project]\nname='x'\n"),
        ]);
        let problems = closure(dir.path(), "a.txt").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].at(), "b.txt:3");
        assert!(
            problems[0].message.contains("a.txt -> b.txt -> a.txt"),
            "{:?}",
            problems[0]
        );
        let problems = closure(dir.path(), "c.txt").unwrap_err();
        let at: Vec<String> = problems.iter().map(Problem::at).collect();
        assert_eq!(at, vec!["c.txt:1", "c.txt:5"]);
        assert!(problems[1].help.contains("without -e"));
        assert!(problems[1].help.contains("`./libs/x`"), "{:?}", problems[1]);
    }

    #[test]
    fn lines_that_name_the_project_itself_are_recorded_with_their_extras() {
        let dir = project(&[
            (
                "requirements.txt",
                "-e .\n.[postgres, redis]\n--editable=./[s3]\nfile:.\nrequests==2.32.3\n-r requirements/prod.txt\n",
            ),
            ("requirements/prod.txt", "-e .[cli]\n./\ngunicorn==23.0.0\n"),
            ("pyproject.toml", "[project]\nname='x'\n"),
        ]);
        let c = closure(dir.path(), "requirements.txt").unwrap();
        let lines: Vec<(String, Vec<String>)> = c
            .project_lines
            .iter()
            .map(|l| (l.at(), l.extras.clone()))
            .collect();
        let s = |x: &str| x.to_owned();
        assert_eq!(
            lines,
            vec![
                (s("requirements.txt:1"), vec![]),
                (s("requirements.txt:2"), vec![s("postgres"), s("redis")]),
                (s("requirements.txt:3"), vec![s("s3")]),
                (s("requirements.txt:4"), vec![]),
                (s("requirements/prod.txt:1"), vec![s("cli")]),
                (s("requirements/prod.txt:2"), vec![]),
            ]
        );
        assert_eq!(c.includes, vec!["requirements/prod.txt"]);
        // A sibling folder is not the project.
        let dir = project(&[
            ("requirements.txt", "-e ./libs/x\n"),
            ("libs/x/pyproject.toml", ""),
        ]);
        let problems = closure(dir.path(), "requirements.txt").unwrap_err();
        assert_eq!(problems[0].at(), "requirements.txt:1");
    }

    #[test]
    fn local_wheels_and_find_links_are_copied() {
        let dir = project(&[
            (
                "requirements.txt",
                "--find-links wheels\n./vendor/lib-1.0-py3-none-any.whl\n./vendor/localpkg\nrequests==2.32.3\n",
            ),
            ("wheels/", ""),
            ("vendor/lib-1.0-py3-none-any.whl", "x"),
            (
                "vendor/localpkg/pyproject.toml",
                "[project]\nname='localpkg'\n",
            ),
        ]);
        let c = closure(dir.path(), "requirements.txt").unwrap();
        assert_eq!(
            c.includes,
            vec![
                "wheels/",
                "vendor/lib-1.0-py3-none-any.whl",
                "vendor/localpkg/"
            ]
        );
        let groups = copy_groups("requirements.txt", &c.includes);
        let s = |x: &str| x.to_owned();
        assert_eq!(
            groups,
            vec![
                (s("./"), vec![s("requirements.txt")]),
                (s("./wheels/"), vec![s("wheels")]),
                (s("./vendor/"), vec![s("vendor/lib-1.0-py3-none-any.whl")]),
                (s("./vendor/localpkg/"), vec![s("vendor/localpkg")]),
            ]
        );
    }
}

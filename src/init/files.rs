//! A read-only view of a project directory for the detectors: its top-level entries, bounded
//! reads, and walks that skip what never belongs in an image (dot-directories, virtual
//! environments, dependency caches, tests, docs, build output).

use std::path::{Path, PathBuf};

/// The largest file a detector reads; larger files are read up to this size.
const MAX_READ: u64 = 8 * 1024 * 1024;

/// The most files a walk returns.
const MAX_WALK: usize = 2000;

/// Directory names that never go into an image, and why (for the manifest's comments).
const NEVER: [(&str, &str); 20] = [
    ("tests", "tests"),
    ("test", "tests"),
    ("testing", "tests"),
    ("docs", "documentation"),
    ("doc", "documentation"),
    ("venv", "a virtual environment"),
    ("env", "a virtual environment"),
    ("virtualenv", "a virtual environment"),
    ("__pycache__", "bytecode cache"),
    ("node_modules", "dependencies"),
    ("site-packages", "dependencies"),
    ("build", "build output"),
    ("dist", "build output"),
    ("target", "build output"),
    ("htmlcov", "coverage report"),
    ("coverage", "coverage report"),
    ("secrets", "secrets"),
    ("examples", "examples"),
    ("benchmarks", "benchmarks"),
    ("scripts", "development scripts"),
];

/// A project directory, as the detectors see it.
#[derive(Debug, Clone)]
pub struct ProjectFiles {
    root: PathBuf,
    /// Top-level entries: name and whether it is a directory (symlinks not followed), sorted.
    top: Vec<(String, bool)>,
}

impl ProjectFiles {
    /// Lists the project in `root`. An unreadable directory looks empty.
    pub fn scan(root: &Path) -> ProjectFiles {
        let mut top: Vec<(String, bool)> = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let is_dir = entry.file_type().ok()?.is_dir();
                Some((name, is_dir))
            })
            .collect();
        top.sort();
        ProjectFiles {
            root: root.to_owned(),
            top,
        }
    }

    /// The project directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The top-level entries: name and whether it is a directory, sorted by name.
    pub fn top(&self) -> impl Iterator<Item = (&str, bool)> {
        self.top.iter().map(|(n, d)| (n.as_str(), *d))
    }

    /// Whether `rel` (a `/`-separated path in the project) is a file.
    pub fn is_file(&self, rel: &str) -> bool {
        self.root.join(rel).is_file()
    }

    /// Whether `rel` is a directory.
    pub fn is_dir(&self, rel: &str) -> bool {
        self.root.join(rel).is_dir()
    }

    /// The text of the file `rel` (at most 8 MiB of it; invalid UTF-8 replaced), when it is a
    /// readable file.
    pub fn read(&self, rel: &str) -> Option<String> {
        use std::io::Read;
        let path = self.root.join(rel);
        if !path.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .ok()?
            .take(MAX_READ)
            .read_to_end(&mut bytes)
            .ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The file `rel` parsed as a TOML table: `None` when it does not exist, `Some(Err)` with
    /// the parser's message when it is not valid TOML.
    pub fn read_toml(&self, rel: &str) -> Option<Result<toml::Table, String>> {
        let text = self.read(rel)?;
        Some(
            text.parse::<toml::Table>()
                .map_err(|e| e.message().to_owned()),
        )
    }

    /// Why the directory `rel` never goes into an image, if it doesn't: a dot-directory, a
    /// virtual environment, a cache, tests, docs, build output.
    pub fn never_copied(&self, rel: &str) -> Option<&'static str> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if name.starts_with('.') {
            return Some("hidden");
        }
        if name.ends_with(".egg-info") {
            return Some("build output");
        }
        if let Some((_, why)) = NEVER.iter().find(|(n, _)| *n == name) {
            return Some(why);
        }
        if self.is_file(&format!("{rel}/pyvenv.cfg")) {
            return Some("a virtual environment");
        }
        None
    }

    /// The files under the directory `under` (`""` for the whole project) whose names end in
    /// `suffix`, as `/`-separated paths relative to the project, sorted; at most `max_depth`
    /// directories deep, skipping directories that never go into an image and symlinks.
    pub fn walk(&self, under: &str, suffix: &str, max_depth: usize) -> Vec<String> {
        let mut out = Vec::new();
        self.walk_into(under, suffix, max_depth, &mut out);
        out.sort();
        out
    }

    fn walk_into(&self, under: &str, suffix: &str, depth_left: usize, out: &mut Vec<String>) {
        let dir = if under.is_empty() {
            self.root.clone()
        } else {
            self.root.join(under)
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut entries: Vec<(String, bool, bool)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let kind = e.file_type().ok()?;
                Some((name, kind.is_dir(), kind.is_file()))
            })
            .collect();
        entries.sort();
        for (name, is_dir, is_file) in entries {
            if out.len() >= MAX_WALK {
                return;
            }
            let rel = if under.is_empty() {
                name.clone()
            } else {
                format!("{under}/{name}")
            };
            if is_file && name.ends_with(suffix) {
                out.push(rel);
            } else if is_dir && depth_left > 0 && self.never_copied(&rel).is_none() {
                self.walk_into(&rel, suffix, depth_left - 1, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_skip_what_never_goes_into_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "app/__init__.py",
            "app/views/api.py",
            "tests/test_app.py",
            ".venv/lib/x.py",
            "myenv/pyvenv.cfg",
            "myenv/lib/y.py",
            "main.py",
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let files = ProjectFiles::scan(root);
        assert_eq!(
            files.walk("", ".py", 3),
            vec!["app/__init__.py", "app/views/api.py", "main.py"]
        );
        assert_eq!(files.walk("app", ".py", 0), vec!["app/__init__.py"]);
        assert_eq!(files.never_copied("myenv"), Some("a virtual environment"));
        assert_eq!(files.never_copied("tests"), Some("tests"));
        assert_eq!(files.never_copied("app"), None);
    }
}

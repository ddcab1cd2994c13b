//! Which paths the image needs: the app's modules and packages (a `src/` layout as a whole),
//! its templates, static files and translations. Never tests, docs, virtual environments,
//! dot-directories, build output or packaging files.

use crate::init::ProjectFiles;

/// Directories copied although they hold no Python code.
const ASSET_DIRS: [&str; 8] = [
    "templates",
    "static",
    "assets",
    "public",
    "locale",
    "translations",
    "config",
    "conf",
];

/// Top-level files copied although they are not modules.
const CONFIG_FILES: [&str; 4] = [
    "alembic.ini",
    "logging.conf",
    "logging.ini",
    "gunicorn.conf",
];

/// Top-level Python files that are tooling, not the app.
const TOOL_FILES: [&str; 5] = [
    "setup.py",
    "conftest.py",
    "noxfile.py",
    "fabfile.py",
    "tasks_dev.py",
];

/// What the project's layout says.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The directory modules are imported from: `""` (the project) or `"src"`.
    pub import_root: String,
    /// The paths to copy, in the project's order.
    pub sources: Vec<String>,
    /// Top-level directories and modules left out, with why.
    pub left_out: Vec<(String, &'static str)>,
    /// The Python files in the sources, for the detectors to read.
    pub python_files: Vec<String>,
}

impl Layout {
    /// The dotted module of the Python file `path` (`app/main.py` → `app.main`,
    /// `pkg/__init__.py` → `pkg`), relative to the import root.
    pub fn module_of(&self, path: &str) -> String {
        let path = if self.import_root.is_empty() {
            path
        } else {
            path.strip_prefix(&format!("{}/", self.import_root))
                .unwrap_or(path)
        };
        let path = path.strip_suffix(".py").unwrap_or(path);
        let path = path.strip_suffix("/__init__").unwrap_or(path);
        path.replace('/', ".")
    }

    /// Adds `path` to the sources unless it is already copied (itself or a parent directory).
    pub fn add_source(&mut self, path: &str) {
        let covered = self
            .sources
            .iter()
            .any(|s| s == path || path.starts_with(&format!("{s}/")));
        if !covered {
            self.sources.push(path.to_owned());
        }
    }
}

fn is_test_module(name: &str) -> bool {
    name.starts_with("test_") || name.ends_with("_test.py") || name == "tests.py"
}

/// Looks at the top of the project.
pub fn scan(files: &ProjectFiles) -> Layout {
    let mut layout = Layout::default();
    for (name, is_dir) in files.top() {
        if name.starts_with('.') {
            continue;
        }
        if is_dir {
            if let Some(why) = files.never_copied(name) {
                if why != "bytecode cache" {
                    layout.left_out.push((name.to_owned(), why));
                }
                continue;
            }
            let has_python = !files.walk(name, ".py", 3).is_empty();
            if name == "src" && has_python {
                layout.import_root = "src".to_owned();
                layout.sources.push(name.to_owned());
            } else if ASSET_DIRS.contains(&name) || has_python {
                layout.sources.push(name.to_owned());
            } else {
                layout.left_out.push((name.to_owned(), "no Python code"));
            }
        } else if let Some(stem) = name.strip_suffix(".py") {
            if is_test_module(name) {
                layout.left_out.push((name.to_owned(), "tests"));
            } else if TOOL_FILES.contains(&name) {
                layout.left_out.push((name.to_owned(), "tooling"));
            } else if !stem.is_empty() {
                layout.sources.push(name.to_owned());
            }
        } else if CONFIG_FILES.contains(&name) {
            layout.sources.push(name.to_owned());
        }
    }
    let mut python_files = Vec::new();
    for source in &layout.sources {
        if source.ends_with(".py") {
            python_files.push(source.clone());
        } else {
            python_files.extend(files.walk(source, ".py", 4).into_iter().filter(|p| {
                let file = p.rsplit('/').next().unwrap_or(p);
                !is_test_module(file) && !p.split('/').any(|part| part == "migrations")
            }));
        }
    }
    layout.python_files = python_files;
    layout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_the_app_and_leaves_out_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "app.py",
            "setup.py",
            "test_app.py",
            "pkg/__init__.py",
            "pkg/migrations/0001.py",
            "templates/index.html",
            "tests/test_x.py",
            "docs/index.md",
            "frontend/index.js",
            ".venv/pyvenv.cfg",
            "alembic.ini",
            "README.md",
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let layout = scan(&ProjectFiles::scan(dir.path()));
        assert_eq!(
            layout.sources,
            vec!["alembic.ini", "app.py", "pkg", "templates"]
        );
        assert_eq!(layout.python_files, vec!["app.py", "pkg/__init__.py"]);
        let left: Vec<_> = layout.left_out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            left,
            vec!["docs", "frontend", "setup.py", "test_app.py", "tests"]
        );
        assert_eq!(layout.module_of("pkg/__init__.py"), "pkg");
    }

    #[test]
    fn a_src_layout_imports_from_src() {
        let layout = Layout {
            import_root: "src".to_owned(),
            ..Layout::default()
        };
        assert_eq!(layout.module_of("src/api/main.py"), "api.main");
    }
}

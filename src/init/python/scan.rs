//! What the app's Python files say: where the Flask, FastAPI and Celery app objects are, which
//! files are scripts (`if __name__ == "__main__":`) or Streamlit apps, and whether a health route
//! exists. A line-based reading, not a parser: it looks for the shapes these frameworks' own
//! documentation uses.

use super::layout::Layout;
use crate::init::ProjectFiles;
use crate::init::routes::{literals, rank as route_rank};

/// File names that usually hold the app object, best first.
const APP_FILES: [&str; 9] = [
    "app.py",
    "main.py",
    "wsgi.py",
    "asgi.py",
    "application.py",
    "server.py",
    "api.py",
    "__init__.py",
    "run.py",
];

/// An app object: `var = Class(...)` at the top level of `file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppObject {
    /// The Python file.
    pub file: String,
    /// Its dotted module.
    pub module: String,
    /// The variable (or `create_app()` for a factory).
    pub var: String,
}

impl AppObject {
    /// `module:var`, as gunicorn, uvicorn and `flask --app` take it.
    pub fn target(&self) -> String {
        format!("{}:{}", self.module, self.var)
    }
}

/// What the files say.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// `app = Flask(...)`.
    pub flask: Vec<AppObject>,
    /// `def create_app(` in a file that uses Flask.
    pub flask_factories: Vec<AppObject>,
    /// `app = FastAPI(...)`.
    pub fastapi: Vec<AppObject>,
    /// `app = Celery(...)`.
    pub celery: Vec<AppObject>,
    /// Files that import streamlit.
    pub streamlit: Vec<String>,
    /// Files with `if __name__ == "__main__":`.
    pub scripts: Vec<String>,
    /// Django settings modules named by `DJANGO_SETTINGS_MODULE` (file, module).
    pub django_settings: Vec<(String, String)>,
    /// The best health route found, and the file it is in.
    pub health: Option<(String, String)>,
}

/// The variable assigned a `Class(...)` call at the top level of `line`: `app = Flask(`,
/// `app: FastAPI = FastAPI(`, `app = fastapi.FastAPI(`.
fn assigned(line: &str, class: &str, module: &str) -> Option<String> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let at = line.find(&format!("{class}("))?;
    let before = line[..at].trim_end();
    let before = before.strip_suffix(&format!("{module}.")).unwrap_or(before);
    let left = before.trim_end().strip_suffix('=')?.trim_end();
    let var = left.split(':').next()?.trim();
    let ok = !var.is_empty()
        && var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| var.to_owned())
}

fn rank(file: &str) -> (usize, usize, String) {
    let name = file.rsplit('/').next().unwrap_or(file);
    let preferred = APP_FILES
        .iter()
        .position(|f| *f == name)
        .unwrap_or(APP_FILES.len());
    (file.matches('/').count(), preferred, file.to_owned())
}

impl Scan {
    /// Reads the layout's Python files.
    pub fn run(files: &ProjectFiles, layout: &Layout) -> Scan {
        let mut scan = Scan::default();
        let mut health: Option<(usize, String, String)> = None;
        for file in &layout.python_files {
            let Some(text) = files.read(file) else {
                continue;
            };
            let module = layout.module_of(file);
            let object = |var: String| AppObject {
                file: file.clone(),
                module: module.clone(),
                var,
            };
            let uses_flask = text.contains("flask");
            let is_urls = file.ends_with("urls.py");
            for line in text.lines() {
                if let Some(var) = assigned(line, "Flask", "flask") {
                    scan.flask.push(object(var));
                }
                if let Some(var) = assigned(line, "FastAPI", "fastapi") {
                    scan.fastapi.push(object(var));
                }
                if let Some(var) = assigned(line, "Celery", "celery") {
                    scan.celery.push(object(var));
                }
                if uses_flask && line.starts_with("def create_app(") {
                    scan.flask_factories.push(object("create_app()".to_owned()));
                }
                let trimmed = line.trim();
                if (trimmed.starts_with("import streamlit")
                    || trimmed.starts_with("from streamlit"))
                    && !scan.streamlit.contains(file)
                {
                    scan.streamlit.push(file.clone());
                }
                if line.starts_with("if __name__")
                    && line.contains("__main__")
                    && !scan.scripts.contains(file)
                {
                    scan.scripts.push(file.clone());
                }
                let literals = literals(line);
                if line.contains("DJANGO_SETTINGS_MODULE")
                    && let Some(settings) = literals.iter().find(|l| {
                        **l != "DJANGO_SETTINGS_MODULE"
                            && l.contains('.')
                            && l.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "._".contains(c))
                    })
                {
                    scan.django_settings
                        .push((file.clone(), (*settings).to_owned()));
                }
                for literal in literals {
                    let core = literal.trim_start_matches('^').trim_end_matches('$');
                    let route = if core.starts_with('/') {
                        core.to_owned()
                    } else if is_urls && !core.is_empty() {
                        format!("/{core}")
                    } else {
                        continue;
                    };
                    let Some(rank) = route_rank(&route) else {
                        continue;
                    };
                    if health.as_ref().is_none_or(|(best, _, _)| rank < *best) {
                        health = Some((rank, route, file.clone()));
                    }
                }
            }
        }
        for list in [
            &mut scan.flask,
            &mut scan.flask_factories,
            &mut scan.fastapi,
            &mut scan.celery,
        ] {
            list.sort_by_key(|o| (rank(&o.file), o.var != "app"));
        }
        scan.scripts.sort_by_key(|f| rank(f));
        scan.streamlit.sort_by_key(|f| rank(f));
        scan.health = health.map(|(_, route, file)| (route, file));
        scan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_assignments() {
        assert_eq!(
            assigned("app = Flask(__name__)", "Flask", "flask").as_deref(),
            Some("app")
        );
        assert_eq!(
            assigned(
                "api: FastAPI = fastapi.FastAPI(title='x')",
                "FastAPI",
                "fastapi"
            )
            .as_deref(),
            Some("api")
        );
        assert_eq!(
            assigned("    app = Flask(__name__)", "Flask", "flask"),
            None
        );
        assert_eq!(assigned("x == Flask(", "Flask", "flask"), None);
        assert_eq!(assigned("app = MyFlask(", "Flask", "flask"), None);
    }
}

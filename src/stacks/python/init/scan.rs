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
    /// `app = Starlette(...)`, `Litestar(`, `Quart(`, `Sanic(`: the object and the framework.
    pub asgi: Vec<(AppObject, &'static str)>,
    /// A server started in code (`uvicorn.run(`, `app.run(`): file, port, host, what called.
    pub server_calls: Vec<ServerCall>,
    /// Folders the code names for static files or templates: (path as written, file, how).
    pub asset_dirs: Vec<(String, String, &'static str)>,
}

/// A server started by the app's own code, e.g. `uvicorn.run(app, host="0.0.0.0", port=8080)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCall {
    /// The file that calls it.
    pub file: String,
    /// The port given (a literal, or the default of `int(os.environ.get("PORT", 8080))`).
    pub port: Option<u32>,
    /// The host given, when a literal.
    pub host: Option<String>,
    /// The call, e.g. `uvicorn.run(`.
    pub call: String,
}

/// The frameworks recognised by their app class, with the module that exports it.
pub const ASGI_FRAMEWORKS: [(&str, &str, &str); 4] = [
    ("Starlette", "starlette", "starlette"),
    ("Litestar", "litestar", "litestar"),
    ("Quart", "quart", "quart"),
    ("Sanic", "sanic", "sanic"),
];

/// The keyword argument `key=` of a call's text: a quoted literal, or the first integer in it.
fn keyword<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = args;
    while let Some(i) = rest.find(key) {
        let before = rest[..i].chars().last();
        let after = rest[i + key.len()..].trim_start();
        rest = &rest[i + key.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let end = value
            .char_indices()
            .scan(0i32, |depth, (i, c)| {
                match c {
                    '(' | '[' => *depth += 1,
                    ')' | ']' => *depth -= 1,
                    _ => {}
                }
                Some((i, c, *depth))
            })
            .find(|(_, c, depth)| (*c == ',' && *depth == 0) || *depth < 0)
            .map_or(value.len(), |(i, _, _)| i);
        return Some(value[..end].trim());
    }
    None
}

/// A server call on `line` (with the following lines joined in `text` from `at`).
fn server_call(file: &str, text: &str) -> Option<ServerCall> {
    for call in ["uvicorn.run(", "hypercorn.run(", ".run("] {
        let mut from = 0;
        while let Some(i) = text[from..].find(call) {
            let start = from + i;
            from = start + call.len();
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            let line = &text[line_start..start];
            if line.trim_start().starts_with('#') || line.contains("def ") {
                continue;
            }
            let args = &text[start + call.len()..];
            let close = args
                .char_indices()
                .scan(1i32, |depth, (i, c)| {
                    match c {
                        '(' => *depth += 1,
                        ')' => *depth -= 1,
                        _ => {}
                    }
                    Some((i, *depth))
                })
                .find(|(_, d)| *d == 0)
                .map_or(args.len(), |(i, _)| i);
            let args = &args[..close];
            let port = keyword(args, "port").and_then(|v| {
                let digits: String = v
                    .split(|c: char| !c.is_ascii_digit())
                    .rfind(|d| d.len() >= 2)
                    .unwrap_or("")
                    .to_owned();
                digits
                    .parse::<u32>()
                    .ok()
                    .filter(|p| (1..=65535).contains(p))
            });
            let host = keyword(args, "host")
                .map(|v| v.trim_matches(|c| c == '"' || c == '\'').to_owned())
                .filter(|h| {
                    h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".:".contains(c))
                });
            if call == ".run("
                && port.is_none()
                && host.is_none()
                && !args.trim().is_empty()
                && !args.contains("debug")
            {
                continue; // some other .run(...)
            }
            return Some(ServerCall {
                file: file.to_owned(),
                port,
                host,
                call: call.trim_start_matches('.').to_owned(),
            });
        }
    }
    None
}

/// Folders named in code for static files or templates.
fn asset_dirs(line: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (key, how) in [
        ("directory", "StaticFiles/Jinja2Templates(directory=...)"),
        ("static_folder", "static_folder=..."),
        ("template_folder", "template_folder=..."),
        ("directories", "directories=[...]"),
    ] {
        if let Some(value) = keyword(line, key) {
            for literal in literals(value) {
                out.push((literal.to_owned(), how));
            }
        }
    }
    if let Some(i) = line.find(".static(") {
        // Sanic: app.static("/static", "./static")
        let lits = literals(&line[i..]);
        if lits.len() >= 2 {
            out.push((lits[1].to_owned(), "app.static(uri, folder)"));
        }
    }
    out.retain(|(p, _)| {
        !p.is_empty() && !p.starts_with('/') && !p.contains("..") && !p.contains('{')
    });
    out
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
                for (class, module, framework) in ASGI_FRAMEWORKS {
                    if let Some(var) = assigned(line, class, module) {
                        scan.asgi.push((object(var), framework));
                    }
                }
                for (dir, how) in asset_dirs(line) {
                    if !scan
                        .asset_dirs
                        .iter()
                        .any(|(d, f, _)| *d == dir && f == file)
                    {
                        scan.asset_dirs.push((dir, file.clone(), how));
                    }
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
        scan.asgi
            .sort_by_key(|(o, _)| (rank(&o.file), o.var != "app"));
        scan.scripts.sort_by_key(|f| rank(f));
        for file in &scan.scripts {
            if let Some(text) = files.read(file)
                && let Some(call) = server_call(file, &text)
            {
                scan.server_calls.push(call);
            }
        }
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

    #[test]
    fn reads_server_calls_and_asset_folders() {
        let text = "import uvicorn\nif __name__ == '__main__':\n    uvicorn.run(\n        app,\n        host='0.0.0.0',\n        port=int(os.environ.get('PORT', 8080)),\n    )\n";
        let call = server_call("app.py", text).unwrap();
        assert_eq!(
            (call.port, call.host.as_deref()),
            (Some(8080), Some("0.0.0.0"))
        );
        let call = server_call("app.py", "app.run(debug=True)\n").unwrap();
        assert_eq!((call.port, call.host), (None, None));
        assert_eq!(server_call("x.py", "loop.run(main())\n"), None);
        let call = server_call("a.py", "    app.run(host=\"0.0.0.0\", port=5001)").unwrap();
        assert_eq!(call.port, Some(5001));
        assert_eq!(
            asset_dirs("app.mount('/static', StaticFiles(directory=\"statics\"), name='static')"),
            vec![(
                "statics".to_owned(),
                "StaticFiles/Jinja2Templates(directory=...)"
            )]
        );
        assert_eq!(
            asset_dirs("app = Flask(__name__, static_folder='assets', template_folder=\"views\")")
                .into_iter()
                .map(|(d, _)| d)
                .collect::<Vec<_>>(),
            vec!["assets", "views"]
        );
        assert_eq!(
            asset_dirs("app.static('/static', './public')")[0].0,
            "./public"
        );
    }
}

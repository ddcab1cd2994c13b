//! Writable paths: where the app writes at run time, from its code.
//!
//! Python: Flask's instance folder (`instance_relative_config=True`, `app.instance_path`,
//! Flask-SQLAlchemy's relative sqlite URLs, which live there), Django's `MEDIA_ROOT` and a
//! sqlite `NAME`, logging `FileHandler`s and `filename` entries, `os.makedirs`/`os.mkdir`/
//! `Path(…).mkdir` of relative folders, `UPLOAD_FOLDER`-like settings and sqlite URLs. Node.js:
//! multer's `dest`/`destination`, sqlite files (sqlite3, better-sqlite3, Sequelize `storage`),
//! `fs.mkdirSync` of relative folders, winston `filename`s.
//!
//! Data (uploads, databases, the instance folder) persists in a volume; logs are scratch.

use std::sync::LazyLock;

use regex::Regex;

use super::ProjectFiles;
use super::env::SourceFiles;
use super::runtime::Found;
use crate::manifest::{StackName, Writable, WritableSpec};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

/// `(pattern, kind, what)`: capture 1 is the expression holding the path.
struct Rule {
    pattern: LazyLock<Regex>,
    /// The expression names a file: its folder is writable.
    file: bool,
    /// Scratch (logs) rather than data.
    scratch: bool,
    what: &'static str,
}

macro_rules! rule {
    ($pattern:expr, $file:expr, $scratch:expr, $what:expr) => {
        Rule {
            pattern: LazyLock::new(|| re($pattern)),
            file: $file,
            scratch: $scratch,
            what: $what,
        }
    };
}

static PYTHON: [Rule; 9] = [
    rule!(
        r"(?m)^\s*MEDIA_ROOT\s*=\s*(.+)$",
        false,
        false,
        "Django's MEDIA_ROOT (uploads)"
    ),
    rule!(
        r#"["']NAME["']\s*:\s*([^,\n}]*(?:sqlite|\.db)[^,\n}]*)"#,
        true,
        false,
        "Django's sqlite database"
    ),
    rule!(
        r"(?:Rotating|TimedRotating|Watched)?FileHandler\(\s*([^\n]+)",
        true,
        true,
        "a logging file handler"
    ),
    rule!(
        r#"["']filename["']\s*:\s*([^,\n}]+)"#,
        true,
        true,
        "a logging file"
    ),
    rule!(
        r"os\.makedirs\(\s*([^\n]+)",
        false,
        false,
        "a folder the app creates (os.makedirs)"
    ),
    rule!(
        r"os\.mkdir\(\s*([^\n]+)",
        false,
        false,
        "a folder the app creates (os.mkdir)"
    ),
    rule!(
        r"Path\(\s*([^)\n]+)\)\.mkdir\(",
        false,
        false,
        "a folder the app creates (Path.mkdir)"
    ),
    rule!(
        r#"(?m)(?:^\s*|\[["'])[A-Z_]*UPLOAD[A-Z_]*(?:["']\])?\s*=\s*(.+)$"#,
        false,
        false,
        "an upload folder"
    ),
    rule!(
        r#"["']sqlite:///([^"'\n]+)["']"#,
        true,
        false,
        "a sqlite database"
    ),
];

static NODE: [Rule; 7] = [
    rule!(
        r"\bdest\s*:\s*([^\n]+)",
        false,
        false,
        "multer's upload folder"
    ),
    rule!(
        r"\bdestination\s*:\s*([^\n]+)",
        false,
        false,
        "multer's upload folder"
    ),
    rule!(
        r"cb\(\s*null\s*,\s*([^\n]+)",
        false,
        false,
        "multer's upload folder"
    ),
    rule!(
        r"new\s+(?:sqlite3\.)?Database\(\s*([^\n]+)",
        true,
        false,
        "a sqlite database"
    ),
    rule!(
        r"\bstorage\s*:\s*([^,}\n]+\.(?:sqlite|db)[^,}\n]*)",
        true,
        false,
        "Sequelize's sqlite storage"
    ),
    rule!(
        r"mkdirSync\(\s*([^\n]+)",
        false,
        false,
        "a folder the app creates (fs.mkdirSync)"
    ),
    rule!(
        r"\bfilename\s*:\s*([^,}\n]+\.log[^,}\n]*)",
        true,
        true,
        "a log file"
    ),
];

static STRING: LazyLock<Regex> = LazyLock::new(|| re(r#"["'`]([^"'`\n]*)["'`]"#));
static FLASK_INSTANCE: LazyLock<Regex> =
    LazyLock::new(|| re(r"instance_relative_config\s*=\s*True|\.instance_path\b"));
static FLASK_INSTANCE_PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r#"instance_path\s*=\s*["'](/[^"'\n]+)["']"#));

/// The path an expression names, relative to the project (or absolute), and whether it is
/// relative to the file's own folder (`__dirname`, `os.path.dirname(__file__)`).
fn path_of(expression: &str) -> Option<(String, bool)> {
    let expression = expression.trim();
    // A variable or a call without any literal: unknown.
    let literals: Vec<String> = STRING
        .captures_iter(expression)
        .map(|c| c[1].to_owned())
        .filter(|s| !s.is_empty() && !s.contains(['{', '$', '%', ' ']))
        .collect();
    if literals.is_empty() {
        return None;
    }
    // Only literals joined with `/`, `os.path.join`, `path.join`, `Path(…)`.
    let joins = [
        "os.path.join",
        "path.join",
        "path.resolve",
        "Path(",
        " / ",
        "+",
        "BASE_DIR",
        "basedir",
        "__dirname",
        "__file__",
        "ROOT",
        "APP_ROOT",
    ];
    if literals.len() > 1 && !joins.iter().any(|j| expression.contains(j)) {
        return None;
    }
    let own_folder = expression.contains("__dirname")
        || expression.contains("dirname(__file__)")
        || expression.contains("Path(__file__).parent")
        || expression.contains("basedir");
    let mut parts = Vec::new();
    for literal in &literals {
        let literal = literal.trim_start_matches("sqlite:///");
        for part in literal.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                p => parts.push(p.to_owned()),
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    let absolute = literals[0].starts_with('/') && !own_folder;
    let joined = parts.join("/");
    Some((
        if absolute {
            format!("/{joined}")
        } else {
            joined
        },
        own_folder && !absolute,
    ))
}

/// The first argument (or the whole value) of a call or setting: up to a `,`, `)` or `}` outside
/// any brackets or quotes.
fn first_argument(text: &str) -> &str {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, ch) in text.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None => match ch {
                '"' | '\'' | '`' => quote = Some(ch),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' | ',' if depth == 0 => return &text[..i],
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    text
}

fn folder(path: &str) -> Option<String> {
    path.rsplit_once('/').map(|(dir, _)| dir.to_owned())
}

fn add(out: &mut Vec<Found<Writable>>, path: String, scratch: bool, from: String) {
    if out.iter().any(|w| w.value.path() == path) {
        return;
    }
    // A folder inside one already found, or holding one: keep the outer folder.
    if out
        .iter()
        .any(|w| path.starts_with(&format!("{}/", w.value.path())))
    {
        return;
    }
    out.retain(|w| !w.value.path().starts_with(&format!("{path}/")));
    let value = if scratch {
        Writable::Spec(WritableSpec {
            path,
            persist: false,
        })
    } else {
        Writable::Path(path)
    };
    out.push(Found { value, from });
}

/// The writable paths, and notes about paths that cannot be (a file in the code's own folder).
pub fn detect(
    _files: &ProjectFiles,
    code: &SourceFiles,
    stack: StackName,
) -> (Vec<Found<Writable>>, Vec<String>) {
    let mut out: Vec<Found<Writable>> = Vec::new();
    let mut notes = Vec::new();
    let rules: &[Rule] = if stack == StackName::Python {
        &PYTHON
    } else {
        &NODE
    };
    for (path, text) in &code.files {
        let dir = folder(path);
        let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
        if stack == StackName::Python && text.contains("Flask(") {
            if let Some(cap) = FLASK_INSTANCE_PATH.captures(text) {
                add(
                    &mut out,
                    cap[1].to_owned(),
                    false,
                    format!("{path}: Flask's instance_path"),
                );
            } else if let Some(m) = FLASK_INSTANCE.find(text) {
                // The instance folder sits next to the app's package (or module).
                let package_parent = if path.ends_with("/__init__.py") {
                    dir.as_deref().and_then(folder)
                } else {
                    dir.clone()
                };
                let instance = match package_parent {
                    Some(p) => format!("{p}/instance"),
                    None => "instance".to_owned(),
                };
                add(
                    &mut out,
                    instance,
                    false,
                    format!("{path}:{} Flask's instance folder", line_of(m.start())),
                );
            }
        }
        for rule in rules {
            for cap in rule.pattern.captures_iter(text) {
                let at = cap.get(0).expect("match").start();
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let line = &text[line_start..];
                if line.trim_start().starts_with('#') || line.trim_start().starts_with("//") {
                    continue;
                }
                let expression = first_argument(&cap[1]);
                // A sqlite URL names the file directly.
                let found = if rule.what == "a sqlite database" && stack == StackName::Python {
                    Some((expression.to_owned(), false))
                        .filter(|(p, _)| !p.starts_with('/'))
                        .map(|(p, own)| (p.trim_start_matches("./").to_owned(), own))
                } else {
                    path_of(expression)
                };
                let Some((mut found, own_folder)) = found else {
                    continue;
                };
                if found.contains(':') || found.starts_with("http") {
                    continue;
                }
                if own_folder && let Some(d) = &dir {
                    // Django's BASE_DIR is the project; a module's own folder otherwise.
                    if !expression.contains("BASE_DIR") {
                        found = format!("{d}/{found}");
                    }
                }
                let target = if rule.file {
                    match folder(&found) {
                        Some(f) => f,
                        None => {
                            if !found.starts_with('/') {
                                notes.push(format!(
                                    "{path}:{}: {} `{found}` is in the app's own folder, which stays read-only (P17): move it into a folder (e.g. `data/{found}`) and list that folder in [app] writable",
                                    line_of(at),
                                    rule.what
                                ));
                            }
                            continue;
                        }
                    }
                } else {
                    found
                };
                if target.starts_with("/tmp")
                    || target == "static"
                    || target.starts_with("node_modules")
                {
                    continue;
                }
                add(
                    &mut out,
                    target,
                    rule.scratch,
                    format!("{path}:{} {}", line_of(at), rule.what),
                );
            }
        }
    }
    // Flask-SQLAlchemy puts a relative sqlite file in the instance folder, which Flask itself
    // does not make: the app fails without it.
    if stack == StackName::Python
        && out.is_empty()
        && code.files.iter().any(|(_, t)| t.contains("Flask("))
        && code.files.iter().any(|(_, t)| {
            t.contains("sqlite:///") && !t.contains("sqlite:////") && t.contains("SQLAlchemy")
        })
    {
        add(
            &mut out,
            "instance".to_owned(),
            false,
            "Flask-SQLAlchemy keeps a relative sqlite database in Flask's instance folder"
                .to_owned(),
        );
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stack: StackName, files: &[(&str, &str)]) -> Vec<(String, bool)> {
        let code = SourceFiles {
            files: files
                .iter()
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                .collect(),
        };
        let dir = tempfile::tempdir().unwrap();
        let pf = ProjectFiles::scan(dir.path());
        detect(&pf, &code, stack)
            .0
            .into_iter()
            .map(|w| (w.value.path().to_owned(), w.value.persist()))
            .collect()
    }

    #[test]
    fn paths_from_expressions() {
        assert_eq!(path_of("'uploads'"), Some(("uploads".into(), false)));
        assert_eq!(
            path_of("os.path.join(basedir, 'static', 'uploads')"),
            Some(("static/uploads".into(), true))
        );
        assert_eq!(
            path_of("BASE_DIR / \"media\""),
            Some(("media".into(), false))
        );
        assert_eq!(
            path_of("path.join(__dirname, '../uploads')"),
            None,
            "leaves its own folder: unknown without the folder"
        );
        assert_eq!(path_of("settings.UPLOAD_DIR"), None);
        assert_eq!(
            path_of("'/var/lib/app'"),
            Some(("/var/lib/app".into(), false))
        );
        assert_eq!(path_of("f'{root}/x'"), None);
    }

    #[test]
    fn flask_instance_and_logs() {
        let found = run(
            StackName::Python,
            &[(
                "flaskr/__init__.py",
                "app = Flask(__name__, instance_relative_config=True)\nos.makedirs(app.instance_path, exist_ok=True)\nhandler = RotatingFileHandler('logs/app.log', maxBytes=10240)\n",
            )],
        );
        assert_eq!(
            found,
            vec![("instance".into(), true), ("logs".into(), false)]
        );
    }

    #[test]
    fn django_media_and_sqlite() {
        let found = run(
            StackName::Python,
            &[(
                "mysite/settings.py",
                "MEDIA_ROOT = BASE_DIR / 'media'\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'data' / 'db.sqlite3'}}\n",
            )],
        );
        assert_eq!(found, vec![("media".into(), true), ("data".into(), true)]);
        let root_db = run(
            StackName::Python,
            &[(
                "mysite/settings.py",
                "DATABASES = {'default': {'NAME': BASE_DIR / 'db.sqlite3'}}\n",
            )],
        );
        assert!(root_db.is_empty());
    }

    #[test]
    fn node_uploads_and_sqlite() {
        let found = run(
            StackName::Node,
            &[(
                "src/app.js",
                "const upload = multer({ dest: 'uploads/' });\nconst db = new sqlite3.Database('./data/app.db');\nfs.mkdirSync(path.join(__dirname, 'cache'), { recursive: true });\n// fs.mkdirSync('commented')\n",
            )],
        );
        assert_eq!(
            found,
            vec![
                ("uploads".into(), true),
                ("data".into(), true),
                ("src/cache".into(), true)
            ]
        );
    }
}

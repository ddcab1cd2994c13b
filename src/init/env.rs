//! Required settings: the environment variables the app reads and has no default for.
//!
//! Python: `os.environ["X"]`; `os.getenv("X")`/`os.environ.get("X")` without a default whose
//! result is not tested for absence; pydantic `BaseSettings` fields without a default (with the
//! model's `env_prefix`); django-environ `env("X")`/`env.str("X")` without `default=` and not
//! given one in `environ.Env(X=(type, default))`. Node.js: `process.env.X` tested and thrown on
//! (`if (!process.env.X) throw …`), a list of required names checked in a loop that throws,
//! envalid's `cleanEnv` validators without `default`, and dotenv-safe's `.env.example`.

use std::sync::LazyLock;

use regex::Regex;

use super::ProjectFiles;
use super::runtime::Found;
use crate::manifest::StackName;

/// The most source files read, and their depth.
const MAX_FILES: usize = 400;
const MAX_DEPTH: usize = 6;

/// Variables the platform or the image sets: never required from `.env`.
const PROVIDED: &[&str] = &[
    "PORT",
    "HOST",
    "HOSTNAME",
    "NODE_ENV",
    "PATH",
    "HOME",
    "PWD",
    "USER",
    "LANG",
    "TZ",
    "PYTHONPATH",
    "DJANGO_SETTINGS_MODULE",
    "FLASK_APP",
    "VIRTUAL_ENV",
    "CI",
    "TERM",
];

/// The app's own source files, read once.
pub struct SourceFiles {
    /// `(path relative to the project, text)`.
    pub files: Vec<(String, String)>,
}

impl SourceFiles {
    /// The stack's source files (`.py`; `.js`, `.mjs`, `.cjs`, `.ts`), skipping what never goes
    /// into an image (tests, virtual environments, `node_modules`, build output).
    pub fn read(files: &ProjectFiles, stack: StackName) -> SourceFiles {
        let suffixes: &[&str] = match stack {
            StackName::Python => &[".py"],
            _ => &[".js", ".mjs", ".cjs", ".ts"],
        };
        let mut out = Vec::new();
        for suffix in suffixes {
            for path in files.walk("", suffix, MAX_DEPTH) {
                if out.len() >= MAX_FILES {
                    break;
                }
                if path.ends_with(".d.ts") || path.contains(".test.") || path.contains(".spec.") {
                    continue;
                }
                let name = path.rsplit('/').next().unwrap_or(&path);
                if name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
                {
                    continue;
                }
                if let Some(text) = files.read(&path) {
                    out.push((path, text));
                }
            }
        }
        SourceFiles { files: out }
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

static PY_ENVIRON_INDEX: LazyLock<Regex> =
    LazyLock::new(|| re(r#"os\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"#));
static PY_GETENV: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?:os\.getenv|os\.environ\.get|getenv)\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*(,|\))"#)
});
static PY_ASSIGNED: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^\s*([A-Za-z_][A-Za-z0-9_.\[\]"']*)\s*(?::[^=]+)?=\s*[^=]"#));
static PY_SETTINGS_CLASS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^class\s+\w+\s*\(([^)]*BaseSettings[^)]*)\)\s*:"));
static PY_FIELD: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s{4}([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^=#]+?)\s*(=\s*(.*))?$"));
static PY_ENV_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| re(r#"env_prefix\s*=\s*["']([A-Za-z0-9_]*)["']"#));
static PY_ENVIRON_ENV: LazyLock<Regex> =
    LazyLock::new(|| re(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*environ\.Env\(([^)]*)"));
static PY_ENV_DEFAULTS: LazyLock<Regex> =
    LazyLock::new(|| re(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\("));
static JS_THROW_CHECK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"if\s*\(\s*!\s*process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\x22]([A-Za-z_][A-Za-z0-9_]*)['\x22]\s*\])",
    )
});
static JS_REQUIRED_LIST: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:const|let|var)\s+\w*required\w*\s*=\s*\[([^\]]*)\]"));
static JS_STRING: LazyLock<Regex> = LazyLock::new(|| re(r#"["'`]([A-Za-z_][A-Za-z0-9_]*)["'`]"#));
static JS_ENVALID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(str|bool|num|port|url|email|host|json)\(([^)]*)\)")
});
static JS_READ: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\x22]([A-Za-z_][A-Za-z0-9_]*)['\x22]\s*\])",
    )
});
static PY_READ: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:environ\[|getenv\(|environ\.get\(|env\(|env\.\w+\()\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
    )
});

fn push(out: &mut Vec<Found<String>>, name: &str, from: String) {
    if PROVIDED.contains(&name) || out.iter().any(|f| f.value == name) {
        return;
    }
    out.push(Found {
        value: name.to_owned(),
        from,
    });
}

/// The required variables, and every variable name the code reads (for wiring services).
pub fn detect(
    files: &ProjectFiles,
    code: &SourceFiles,
    stack: StackName,
) -> (Vec<Found<String>>, Vec<String>) {
    let mut required = Vec::new();
    let mut read = Vec::new();
    for (path, text) in &code.files {
        let reader: &Regex = if stack == StackName::Python {
            &PY_READ
        } else {
            &JS_READ
        };
        for cap in reader.captures_iter(text) {
            let name = cap.get(1).or(cap.get(2)).map_or("", |m| m.as_str());
            if !name.is_empty() && !read.iter().any(|r| r == name) {
                read.push(name.to_owned());
            }
        }
        if stack == StackName::Python {
            python(path, text, &mut required);
        } else {
            node(path, text, &mut required);
        }
    }
    if stack == StackName::Node && uses_dotenv_safe(files, code) {
        let example = [".env.example", ".env.sample", ".env.template"]
            .into_iter()
            .find_map(|f| files.read(f).map(|t| (f, t)));
        if let Some((file, text)) = example {
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with('#') {
                    continue;
                }
                if let Some((name, _)) = line.split_once('=')
                    && is_name(name.trim())
                {
                    push(
                        &mut required,
                        name.trim(),
                        format!("{file} (dotenv-safe requires every variable it lists)"),
                    );
                }
            }
        }
    }
    (required, read)
}

fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn uses_dotenv_safe(files: &ProjectFiles, code: &SourceFiles) -> bool {
    files
        .read("package.json")
        .is_some_and(|p| p.contains("\"dotenv-safe\""))
        && code.files.iter().any(|(_, t)| t.contains("dotenv-safe"))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

fn python(path: &str, text: &str, out: &mut Vec<Found<String>>) {
    let lines: Vec<&str> = text.lines().collect();
    for cap in PY_ENVIRON_INDEX.captures_iter(text) {
        let whole = cap.get(0).expect("match");
        let line = lines
            .get(line_of(text, whole.start()) - 1)
            .copied()
            .unwrap_or("");
        // `os.environ["X"] = …` sets it; `"X" in os.environ` nearby guards it.
        let after = &text[whole.end()..];
        let sets = after.trim_start().starts_with('=') && !after.trim_start().starts_with("==");
        let name = &cap[1];
        let guarded = text.contains(&format!("\"{name}\" in os.environ"))
            || text.contains(&format!("'{name}' in os.environ"));
        if !sets && !guarded && !line.trim_start().starts_with('#') {
            push(
                out,
                name,
                format!(
                    "{path}:{} os.environ[\"{name}\"]",
                    line_of(text, whole.start())
                ),
            );
        }
    }
    for cap in PY_GETENV.captures_iter(text) {
        if &cap[2] != ")" {
            continue; // a default
        }
        let whole = cap.get(0).expect("match");
        let n = line_of(text, whole.start());
        let line = lines.get(n - 1).copied().unwrap_or("");
        let name = &cap[1];
        if line.trim_start().starts_with('#') {
            continue;
        }
        // Tested for absence on the same line: optional.
        let tail = &line[line.find(whole.as_str()).unwrap_or(0)..];
        let optional_here = [" or ", " if ", "if ", " is None", " is not None", "bool("]
            .iter()
            .any(|s| line.contains(s))
            || tail.contains(" or ");
        if optional_here {
            continue;
        }
        // Assigned, then tested positively elsewhere (`if X:`): optional; tested and raised
        // on (`if not X: raise`): required.
        let var = PY_ASSIGNED
            .captures(line)
            .map(|c| c[1].to_owned())
            .unwrap_or_default();
        let simple_var = var.rsplit('.').next().unwrap_or(&var).to_owned();
        let tested = !simple_var.is_empty()
            && is_name(&simple_var)
            && (text.contains(&format!("if {simple_var}:"))
                || text.contains(&format!("if {simple_var} "))
                || text.contains(&format!("if not {simple_var}"))
                || text.contains(&format!("{simple_var} or ")));
        let raised = tested && {
            let mut raised = false;
            for (i, l) in lines.iter().enumerate() {
                if l.contains(&format!("if not {simple_var}"))
                    || l.contains(&format!("if {simple_var} is None"))
                {
                    raised = lines[i..(i + 3).min(lines.len())]
                        .iter()
                        .any(|l| l.contains("raise ") || l.contains("sys.exit"));
                }
            }
            raised
        };
        // Used where None fails at once: converted (`int(…)`), or a method called on it.
        let before = &line[..line.find(whole.as_str()).unwrap_or(0)];
        let after = &tail[whole.as_str().len().min(tail.len())..];
        let converted = ["int(", "float(", "json.loads(", "Path(", "bool("]
            .iter()
            .any(|c| before.trim_end().ends_with(c));
        let dereferenced = after.starts_with('.') || after.starts_with('[');
        // A secret assigned without a default: the app would run with none (a None secret key).
        let secret = crate::secrets::name(name).is_some();
        let why = if raised {
            "getenv without a default, and the app stops when it is missing"
        } else if converted || dereferenced {
            "getenv without a default, used as if it were set"
        } else if secret && !var.is_empty() && !tested {
            "a secret read with getenv and no default"
        } else {
            continue;
        };
        push(out, name, format!("{path}:{n} {why} (\"{name}\")"));
    }
    // pydantic BaseSettings fields without a default.
    let mut in_class = false;
    let mut prefix = String::new();
    let mut fields: Vec<(String, usize)> = Vec::new();
    let flush = |fields: &mut Vec<(String, usize)>, prefix: &str, out: &mut Vec<Found<String>>| {
        for (field, n) in fields.drain(..) {
            let name = format!("{prefix}{field}").to_ascii_uppercase();
            push(
                out,
                &name,
                format!("{path}:{n} a pydantic BaseSettings field without a default"),
            );
        }
    };
    for (i, line) in lines.iter().enumerate() {
        if PY_SETTINGS_CLASS.is_match(line) {
            flush(&mut fields, &prefix, out);
            in_class = true;
            prefix.clear();
            continue;
        }
        if in_class {
            if !line.trim().is_empty() && !line.starts_with(' ') && !line.starts_with('\t') {
                flush(&mut fields, &prefix, out);
                in_class = false;
                continue;
            }
            if let Some(cap) = PY_ENV_PREFIX.captures(line) {
                prefix = cap[1].to_owned();
            }
            if let Some(cap) = PY_FIELD.captures(line) {
                let field = &cap[1];
                let ty = &cap[2];
                if field == "model_config" || ty.contains("ClassVar") {
                    continue;
                }
                let required = match cap.get(4).map(|m| m.as_str().trim()) {
                    None => !ty.contains("Optional") && !ty.contains("None"),
                    Some(default) => {
                        default.starts_with("Field(...")
                            || default.starts_with("Field(\n")
                            || default == "Field()"
                    }
                };
                if required {
                    fields.push((field.to_owned(), i + 1));
                }
            }
        }
    }
    flush(&mut fields, &prefix, out);
    // django-environ.
    if let Some(cap) = PY_ENVIRON_ENV.captures(text) {
        let var = cap[1].to_owned();
        let with_defaults: Vec<String> = PY_ENV_DEFAULTS
            .captures_iter(&cap[2])
            .map(|c| c[1].to_owned())
            .collect();
        let call = re(&format!(
            r#"\b{}(?:\.[a-z_]+)?\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']([^)\n]*)\)"#,
            regex::escape(&var)
        ));
        for c in call.captures_iter(text) {
            let name = &c[1];
            if c[2].contains("default") || with_defaults.iter().any(|d| d == name) {
                continue;
            }
            let n = line_of(text, c.get(0).expect("match").start());
            push(
                out,
                name,
                format!("{path}:{n} django-environ {var}(\"{name}\") without a default"),
            );
        }
    }
}

fn node(path: &str, text: &str, out: &mut Vec<Found<String>>) {
    for cap in JS_THROW_CHECK.captures_iter(text) {
        let whole = cap.get(0).expect("match");
        // The statement the `if` guards: its block, or the rest of its line.
        let rest = &text[whole.end()..];
        let rest = rest.find(')').map_or("", |i| &rest[i + 1..]);
        let window = if rest.trim_start().starts_with('{') {
            &rest[..rest.find('}').unwrap_or(rest.len())]
        } else {
            &rest[..rest.find('\n').unwrap_or(rest.len())]
        };
        if window.contains("throw ") || window.contains("process.exit(") {
            let name = cap.get(1).or(cap.get(2)).map_or("", |m| m.as_str());
            push(
                out,
                name,
                format!(
                    "{path}:{} process.env.{name} checked, and thrown on when missing",
                    line_of(text, whole.start())
                ),
            );
        }
    }
    if text.contains("throw ") || text.contains("process.exit(") {
        for cap in JS_REQUIRED_LIST.captures_iter(text) {
            let n = line_of(text, cap.get(0).expect("match").start());
            for name in JS_STRING.captures_iter(&cap[1]) {
                push(
                    out,
                    &name[1],
                    format!("{path}:{n} a list of required variables"),
                );
            }
        }
    }
    if text.contains("cleanEnv(") {
        for cap in JS_ENVALID.captures_iter(text) {
            let args = &cap[3];
            if args.contains("default") || args.contains("devDefault") {
                continue;
            }
            // envalid reads `{ default: … }` objects; a validator with options on several lines
            // is cut at the first `)`, which a default never precedes.
            let n = line_of(text, cap.get(0).expect("match").start());
            push(
                out,
                &cap[1],
                format!(
                    "{path}:{n} an envalid {}() validator without a default",
                    &cap[2]
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(stack: StackName, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        if stack == StackName::Python {
            python("x.py", text, &mut out);
        } else {
            node("x.js", text, &mut out);
        }
        out.into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn python_required_settings() {
        let text = r#"
import os
SECRET_KEY = os.environ["SECRET_KEY"]
os.environ["SET_HERE"] = "1"
DEBUG = os.getenv("DEBUG", "0")
OPTIONAL = os.getenv("OPTIONAL") or "x"
SENTRY_DSN = os.getenv("SENTRY_DSN")
if SENTRY_DSN:
    pass
JWT = os.environ.get("JWT_SECRET")
if not JWT:
    raise RuntimeError("JWT_SECRET is required")
API = os.getenv("API_BASE")
MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
WORKERS = int(os.getenv("WORKERS"))
HOSTS = os.environ.get("HOSTS").split(",")
SESSION = os.environ.get("SESSION_SECRET")
# TOKEN = os.environ["COMMENTED"]
"#;
        assert_eq!(
            names(StackName::Python, text),
            vec![
                "SECRET_KEY",
                "JWT_SECRET",
                "WORKERS",
                "HOSTS",
                "SESSION_SECRET"
            ]
        );
    }

    #[test]
    fn pydantic_settings() {
        let text = r#"
from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")
    database_url: str
    secret_key: str = Field(...)
    debug: bool = False
    sentry: Optional[str]
    name: str = "x"

settings = Settings()
"#;
        assert_eq!(
            names(StackName::Python, text),
            vec!["APP_DATABASE_URL", "APP_SECRET_KEY"]
        );
    }

    #[test]
    fn django_environ() {
        let text = r#"
import environ
env = environ.Env(DEBUG=(bool, False), ALLOWED_HOSTS=(list, []))
DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
CACHE = env.str("CACHE_URL", default="locmem://")
"#;
        assert_eq!(
            names(StackName::Python, text),
            vec!["SECRET_KEY", "DATABASE_URL"]
        );
    }

    #[test]
    fn node_required_settings() {
        let text = r#"
if (!process.env.JWT_SECRET) {
  throw new Error("JWT_SECRET missing");
}
if (!process.env.OPTIONAL) { console.log("no optional") }
const requiredEnv = ["MONGODB_URI", 'SESSION_SECRET'];
for (const k of requiredEnv) if (!process.env[k]) process.exit(1);
const env = cleanEnv(process.env, {
  API_KEY: str(),
  PORT: port({ default: 3000 }),
  LOG_LEVEL: str({ default: "info" }),
});
"#;
        assert_eq!(
            names(StackName::Node, text),
            vec!["JWT_SECRET", "MONGODB_URI", "SESSION_SECRET", "API_KEY"]
        );
    }
}

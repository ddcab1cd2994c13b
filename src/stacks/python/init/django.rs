//! Django's build-time steps: `collectstatic` when the settings enable
//! `django.contrib.staticfiles` and set `STATIC_ROOT`; the environment variables the settings
//! read at import time with no default (build-only placeholders); `locale` folders whose
//! catalogs are compiled.

use crate::init::ProjectFiles;

/// What the Django settings ask of the build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Django {
    /// The settings file(s) that enable staticfiles and set STATIC_ROOT, when both are found.
    pub collectstatic_from: Option<String>,
    /// The manage.py, relative to the project.
    pub manage: Option<String>,
    /// Environment variables read at import time without a default, with the file.
    pub required_env: Vec<(String, String)>,
    /// `locale` folders holding `.po` catalogs.
    pub locales: Vec<String>,
}

/// The variable names `text` reads with no default: `os.environ["X"]`, `os.environ.get` is
/// fine; django-environ's `env("X")`/`env.str("X")` and decouple's `config("X")` without a
/// `default=`.
pub fn required_env(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !out.iter().any(|n| n == name)
        {
            out.push(name.to_owned());
        }
    };
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("environ[") {
            let after = &rest[i + "environ[".len()..];
            if let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'')
                && let Some(end) = after[1..].find(q)
            {
                push(&after[1..1 + end]);
            }
            rest = after;
        }
        for call in [
            "env(",
            "env.str(",
            "env.bool(",
            "env.list(",
            "env.int(",
            "env.db(",
            "config(",
        ] {
            let mut rest = code;
            while let Some(i) = rest.find(call) {
                let before = rest[..i].chars().last();
                let after = &rest[i + call.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                    continue;
                };
                let Some(end) = after[1..].find(q) else {
                    continue;
                };
                let args = after[1 + end + 1..].split(')').next().unwrap_or("");
                // A default: `default=` anywhere, or a second positional argument.
                let positional = args
                    .trim_start()
                    .strip_prefix(',')
                    .and_then(|rest| rest.split(',').next())
                    .is_some_and(|arg| !arg.trim().is_empty() && !arg.contains('='));
                if !args.contains("default") && !positional {
                    push(&after[1..1 + end]);
                }
            }
        }
    }
    out
}

/// Looks at the project's Python files for Django settings.
pub fn detect(files: &ProjectFiles) -> Django {
    let mut django = Django::default();
    let py = files.walk("", ".py", 4);
    django.manage = py
        .iter()
        .filter(|p| p.as_str() == "manage.py" || p.ends_with("/manage.py"))
        .min_by_key(|p| p.matches('/').count())
        .cloned();
    let mut staticfiles = None;
    let mut static_root = None;
    for path in &py {
        let is_settings = path.ends_with("settings.py")
            || path.contains("/settings/")
            || path.ends_with("/config.py");
        if !is_settings {
            continue;
        }
        let Some(text) = files.read(path) else {
            continue;
        };
        if text.contains("django.contrib.staticfiles") {
            staticfiles.get_or_insert_with(|| path.clone());
        }
        if text
            .lines()
            .any(|l| l.trim_start().starts_with("STATIC_ROOT") && l.contains('='))
        {
            static_root.get_or_insert_with(|| path.clone());
        }
        for name in required_env(&text) {
            if !django.required_env.iter().any(|(n, _)| *n == name) {
                django.required_env.push((name, path.clone()));
            }
        }
    }
    if let (Some(a), Some(b)) = (staticfiles, static_root) {
        django.collectstatic_from = Some(if a == b { a } else { format!("{a}, {b}") });
    }
    for po in files.walk("", ".po", 6) {
        if let Some(i) = po.find("locale/") {
            let locale = po[..i + "locale".len()].to_owned();
            if (locale == "locale" || locale.ends_with("/locale"))
                && !django.locales.contains(&locale)
            {
                django.locales.push(locale);
            }
        }
    }
    django
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_variables_without_defaults() {
        let text = r#"
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = os.environ.get("DEBUG", "0") == "1"
DATABASES = {"default": env.db("DATABASE_URL")}
HOSTS = env.list('ALLOWED_HOSTS', default=[])
DEBUG = env.bool("DJANGO_DEBUG", False)
PORT = config("PORT", cast=int)
API = config("API_BASE")  # decouple
# OLD = os.environ["COMMENTED"]
x = myenv("NOT_THIS")
"#;
        assert_eq!(
            required_env(text),
            vec!["DJANGO_SECRET_KEY", "DATABASE_URL", "PORT", "API_BASE"]
        );
    }
}

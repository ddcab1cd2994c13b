//! What the app needs at run time beyond its image: the paths it writes (`[app] writable`), the
//! settings it cannot start without (`[app] env_required`), its one-off release steps
//! (`[app] release`) and the URLs of its backing services. This module turns them into template
//! variables (the writable directories of the Dockerfile, compose's volumes, tmpfs mounts,
//! `migrate` service and `${VAR:?…}` checks, `.env.example`) and validates them.

use serde::Serialize;

use crate::manifest::{Checker, Manifest};
use crate::render::{shell_quote, yaml_quote};
use crate::values::{PathShape, PlainPath};

/// Whether the environment variable `name` holds a secret: such a variable never gets a value
/// from dgen (not in the image, not in `.env.example`). The one place this is decided for
/// required settings.
pub fn secret_name(name: &str) -> bool {
    crate::secrets::must_not_bake(name)
}

/// Placeholders that are safe to suggest in `.env.example` for well-known, non-secret settings.
const SAFE_PLACEHOLDERS: &[(&str, &str)] = &[
    ("ALLOWED_HOSTS", "localhost,127.0.0.1"),
    ("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1"),
    ("CSRF_TRUSTED_ORIGINS", "http://localhost"),
    ("DJANGO_CSRF_TRUSTED_ORIGINS", "http://localhost"),
    ("DEBUG", "0"),
    ("DJANGO_DEBUG", "0"),
    ("FLASK_DEBUG", "0"),
    ("LOG_LEVEL", "info"),
    ("ENVIRONMENT", "production"),
    ("APP_ENV", "production"),
    ("NODE_ENV", "production"),
];

/// The value `.env.example` suggests for `name`: empty for a secret or anything unknown.
pub fn placeholder(name: &str) -> &'static str {
    if secret_name(name) {
        return "";
    }
    SAFE_PLACEHOLDERS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, v)| v)
}

/// One writable path.
#[derive(Debug, Serialize)]
pub struct WritableContext {
    /// Absolute path in the container.
    pub path: String,
    /// Kept in a named volume (else a tmpfs).
    pub persist: bool,
    /// The named volume, when persisted.
    pub volume: Option<String>,
}

/// A variable the app needs, for `.env.example` and README.Docker.md.
#[derive(Debug, Serialize)]
pub struct EnvVarContext {
    /// Its name.
    pub name: String,
    /// The value written in `.env.example` (empty for a secret or anything unknown).
    pub placeholder: &'static str,
    /// Whether the name looks like a secret.
    pub secret: bool,
    /// What it is for, one line.
    pub about: String,
}

/// A MariaDB or MongoDB service.
#[derive(Debug, Serialize)]
pub struct ServiceContext {
    /// Image reference.
    pub image: String,
    /// Database name.
    pub database: String,
}

/// The run-time variables of the templates (`runtime.*`).
#[derive(Debug, Serialize)]
pub struct RuntimeContext {
    /// `[app] writable`, absolute, in order.
    pub writable: Vec<WritableContext>,
    /// The absolute writable paths, shell-quoted, space separated (for `mkdir`/`chown`).
    pub writable_words: String,
    /// The named volumes of persisted writable paths.
    pub volumes: Vec<String>,
    /// Scratch (tmpfs) writable paths.
    pub scratch: Vec<String>,
    /// The app's compose variables whose value compose interpolates (service URLs with the
    /// password from `.env`, `${VAR:?…}` checks): key and the YAML scalar, already quoted.
    pub compose_env: Vec<(String, String)>,
    /// Every variable `.env` must (or may) set, in the order `.env.example` lists them.
    pub env_example: Vec<EnvVarContext>,
    /// Whether `.env.example` is written.
    pub dotenv: bool,
    /// The `migrate` service's command (exec form), when `[app] release` has steps.
    pub release: Option<Vec<String>>,
    /// The release steps as shell lines, for README.Docker.md.
    pub release_lines: Vec<String>,
    /// The MariaDB service.
    pub mysql: Option<ServiceContext>,
    /// The MongoDB service.
    pub mongodb: Option<ServiceContext>,
    /// Backing services the app (and `migrate`) wait for, healthy.
    pub depends: Vec<&'static str>,
}

/// The path `path` (relative to `workdir`, or absolute) as an absolute path, normalized.
pub fn absolute(workdir: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{}", workdir.trim_end_matches('/'), path)
    };
    let parts: Vec<&str> = joined
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn database_name(configured: Option<&String>, app: &str) -> String {
    configured
        .cloned()
        .unwrap_or_else(|| app.replace(['-', '.'], "_"))
}

/// A compose value that interpolates: `parts` are literal text (escaped) and `${…}` references.
enum Part<'a> {
    Text(&'a str),
    Var(String),
}

fn interpolated(parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(&text.replace('$', "$$")),
            Part::Var(var) => out.push_str(var),
        }
    }
    // JSON quoting; the `$` were handled above.
    serde_json::to_string(&out).expect("a string")
}

fn required_ref(name: &str) -> String {
    format!("${{{name}:?set {name} in .env}}")
}

/// The template variables for `manifest`.
pub fn context(m: &Manifest) -> RuntimeContext {
    let app = &m.app;
    let mut volumes = Vec::new();
    let writable: Vec<WritableContext> = app
        .writable
        .iter()
        .map(|w| {
            let path = absolute(&app.workdir, w.path());
            let volume = w.persist().then(|| {
                let slug: String = w
                    .path()
                    .trim_matches('/')
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect();
                let mut name = format!("app-{}", slug.trim_matches('-'));
                let base = name.clone();
                let mut n = 2;
                while volumes.contains(&name) {
                    name = format!("{base}-{n}");
                    n += 1;
                }
                volumes.push(name.clone());
                name
            });
            WritableContext {
                path,
                persist: w.persist(),
                volume,
            }
        })
        .collect();
    let writable_words = writable
        .iter()
        .map(|w| shell_quote(&w.path))
        .collect::<Vec<_>>()
        .join(" ");
    let scratch = writable
        .iter()
        .filter(|w| !w.persist)
        .map(|w| w.path.clone())
        .collect();

    let c = &m.compose;
    let mut compose_env: Vec<(String, String)> = Vec::new();
    let mut env_example = Vec::new();
    let mut depends = Vec::new();
    let mut wired = Vec::new();
    if let Some(pg) = &c.postgres {
        depends.push("postgres");
        let db = database_name(pg.database.as_ref(), &m.name);
        let scheme = format!("{}://", pg.url_scheme);
        let host = format!("@postgres:5432/{db}");
        compose_env.push((
            pg.url_env.clone(),
            interpolated(&[
                Part::Text(&scheme),
                Part::Var("${POSTGRES_USER:-postgres}".to_owned()),
                Part::Text(":"),
                Part::Var(required_ref("POSTGRES_PASSWORD")),
                Part::Text(&host),
            ]),
        ));
        wired.push(pg.url_env.clone());
        env_example.push(EnvVarContext {
            name: "POSTGRES_PASSWORD".to_owned(),
            placeholder: "",
            secret: true,
            about: format!(
                "PostgreSQL's password, a secret; also part of {}, so letters and digits only",
                pg.url_env
            ),
        });
    }
    let mysql = c.mysql.as_ref().map(|my| {
        depends.push("mysql");
        let db = database_name(my.database.as_ref(), &m.name);
        let scheme = format!("{}://app:", my.url_scheme);
        let host = format!("@mysql:3306/{db}");
        compose_env.push((
            my.url_env.clone(),
            interpolated(&[
                Part::Text(&scheme),
                Part::Var(required_ref("MARIADB_PASSWORD")),
                Part::Text(&host),
            ]),
        ));
        wired.push(my.url_env.clone());
        env_example.push(EnvVarContext {
            name: "MARIADB_PASSWORD".to_owned(),
            placeholder: "",
            secret: true,
            about: format!("MariaDB's password of the user `app`, a secret; also part of {}, so letters and digits only", my.url_env),
        });
        ServiceContext {
            image: format!("mariadb:{}", my.version),
            database: db,
        }
    });
    let mongodb = c.mongodb.as_ref().map(|mo| {
        depends.push("mongodb");
        let db = database_name(mo.database.as_ref(), &m.name);
        let host = format!("@mongodb:27017/{db}?authSource=admin");
        compose_env.push((
            mo.url_env.clone(),
            interpolated(&[
                Part::Text("mongodb://root:"),
                Part::Var(required_ref("MONGO_INITDB_ROOT_PASSWORD")),
                Part::Text(&host),
            ]),
        ));
        wired.push(mo.url_env.clone());
        env_example.push(EnvVarContext {
            name: "MONGO_INITDB_ROOT_PASSWORD".to_owned(),
            placeholder: "",
            secret: true,
            about: format!(
                "MongoDB's root password, a secret; also part of {}, so letters and digits only",
                mo.url_env
            ),
        });
        ServiceContext {
            image: format!("mongo:{}", mo.version),
            database: db,
        }
    });
    if let Some(redis) = &c.redis {
        depends.push("redis");
        wired.push(redis.url_env.clone());
    }
    for name in &app.env_required {
        if wired.contains(name) || app.env.contains_key(name) {
            continue;
        }
        compose_env.push((
            name.clone(),
            serde_json::to_string(&required_ref(name)).expect("a string"),
        ));
        env_example.push(EnvVarContext {
            name: name.clone(),
            placeholder: placeholder(name),
            secret: secret_name(name),
            about: if secret_name(name) {
                "Required by the app, which has no default for it; a secret: generate one"
                    .to_owned()
            } else {
                "Required by the app, which has no default for it".to_owned()
            },
        });
    }
    // The app's own `env` wins over what dgen wires.
    compose_env.retain(|(k, _)| !app.env.contains_key(k));
    // Redis' URL carries no password: it stays a literal value of `service_env`.

    let release = match app.release.len() {
        0 => None,
        1 => Some(app.release[0].clone()),
        _ => Some(vec![
            "sh".to_owned(),
            "-c".to_owned(),
            app.release
                .iter()
                .map(|step| {
                    step.iter()
                        .map(|w| shell_quote(w))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(" && "),
        ]),
    };
    let release_lines = app
        .release
        .iter()
        .map(|step| {
            step.iter()
                .map(|w| shell_quote(w))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();

    RuntimeContext {
        writable,
        writable_words,
        volumes,
        scratch,
        dotenv: !env_example.is_empty() && m.compose.enabled,
        compose_env,
        env_example,
        release,
        release_lines,
        mysql,
        mongodb,
        depends,
    }
}

/// System directories the runtime user must never own.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/var",
    "/home",
    "/srv",
    "/mnt",
    "/media",
    "/tmp",
    "/opt/venv",
];

fn is_within(path: &str, dir: &str) -> bool {
    path == dir || path.starts_with(&format!("{}/", dir.trim_end_matches('/')))
}

fn is_env_name(key: &str) -> bool {
    key.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
        && key
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Checks `[app] writable`, `env_required`, `release` and the service names.
pub fn validate(m: &Manifest, c: &mut Checker<'_>) {
    let app = &m.app;
    // Every stack: those whose final image has no shell (distroless, scratch) make the folders
    // in the build stage and copy them in, owned by the runtime UID.
    let mut seen: Vec<String> = Vec::new();
    for (i, w) in app.writable.iter().enumerate() {
        let mut at = vec!["app".into(), "writable".into(), i.into()];
        if matches!(w, crate::manifest::Writable::Spec(_)) {
            at.push("path".into());
        }
        let path = w.path();
        if !PlainPath::is(path, PathShape::WRITABLE) {
            c.error(
                "writable-path",
                &at,
                format!("`{path}` is not a plain path"),
                "expected e.g. \"instance\" or \"/var/lib/app\"",
            )
            .help = Some(
                "use letters, digits, `.`, `_`, `-` and `@` in each part, no `..`, no spaces"
                    .to_owned(),
            );
            continue;
        }
        let abs = absolute(&app.workdir, path);
        let workdir = absolute(&app.workdir, "");
        if is_within(&workdir, &abs) {
            c.error(
                "writable-code",
                &at,
                format!("`{path}` is the app's directory (or holds it): the runtime user could change the code (P17)"),
                "holds the code",
            )
            .help = Some("name the folder the app writes in, e.g. \"instance\", \"media\" or \"logs\"".to_owned());
            continue;
        }
        if SYSTEM_DIRS.iter().any(|d| abs == *d) || abs == "/" {
            c.error(
                "writable-system",
                &at,
                format!("`{abs}` is a system directory"),
                "system directory",
            )
            .help = Some(
                "use a folder of the app's own, e.g. \"/var/lib/<app>\" or \"data\"".to_owned(),
            );
            continue;
        }
        for source in &app.sources {
            let source_abs = absolute(&app.workdir, source.trim_start_matches("./"));
            if is_within(&source_abs, &abs) {
                c.error(
                    "writable-source",
                    &at,
                    format!("`{path}` holds the source `{source}`: the runtime user could replace the code (P17)"),
                    "holds code",
                )
                .help = Some("keep what the app writes apart from its code, or list a folder inside the source".to_owned());
            }
        }
        if seen
            .iter()
            .any(|s| is_within(s, &abs) || is_within(&abs, s))
        {
            c.error(
                "writable-duplicate",
                &at,
                format!("`{path}` is listed twice (or inside another writable path)"),
                "duplicate",
            );
        }
        seen.push(abs);
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, name) in app.env_required.iter().enumerate() {
        let at = ["app".into(), "env_required".into(), i.into()];
        if !is_env_name(name) {
            c.error(
                "env-name",
                &at,
                format!("`{name}` is not an environment variable name"),
                "letters, digits and `_`",
            );
        } else if app.env.contains_key(name) {
            c.error(
                "env-required-set",
                &at,
                format!("`{name}` is required from .env but also set in `[app] env`"),
                "set twice",
            )
            .help = Some("keep it in one place: `env` for a fixed, non-secret value, `env_required` for what each deployment sets".to_owned());
        } else if names.contains(&name.as_str()) {
            c.error(
                "env-required-duplicate",
                &at,
                format!("`{name}` is listed twice"),
                "duplicate",
            );
        }
        names.push(name);
    }
    for (i, step) in app.release.iter().enumerate() {
        if step.first().is_none_or(|p| p.trim().is_empty()) {
            c.error(
                "release-empty",
                &["app".into(), "release".into(), i.into()],
                "a release step has no program",
                "empty command",
            );
        }
    }
    let mut taken = vec![];
    let compose = &m.compose;
    if compose.postgres.is_some() {
        taken.push("postgres");
    }
    if compose.redis.is_some() {
        taken.push("redis");
    }
    if compose.mysql.is_some() {
        taken.push("mysql");
    }
    if compose.mongodb.is_some() {
        taken.push("mongodb");
    }
    if !app.release.is_empty() {
        taken.push("migrate");
    }
    if taken.contains(&m.name.as_str()) {
        c.error(
            "name-service",
            &["name".into()],
            format!(
                "the app's name `{}` is also the name of a compose service dgen adds",
                m.name
            ),
            "taken",
        );
    }
    if compose.postgres.is_some() && compose.mysql.is_some() {
        let pg = compose.postgres.as_ref().map(|p| &p.url_env);
        let my = compose.mysql.as_ref().map(|p| &p.url_env);
        if pg == my {
            c.error(
                "service-url-env",
                &["compose".into(), "mysql".into()],
                "PostgreSQL and MariaDB would both set the same URL variable",
                "same url_env",
            )
            .help = Some("set `url_env` of one of them, e.g. `url_env = \"MYSQL_URL\"`".to_owned());
        }
    }
    let url_envs = [
        compose.postgres.as_ref().map(|p| ("postgres", &p.url_env)),
        compose.mysql.as_ref().map(|p| ("mysql", &p.url_env)),
        compose.mongodb.as_ref().map(|p| ("mongodb", &p.url_env)),
        compose.redis.as_ref().map(|p| ("redis", &p.url_env)),
    ];
    for (service, var) in url_envs.into_iter().flatten() {
        if !is_env_name(var) {
            c.error(
                "env-name",
                &["compose".into(), service.into(), "url_env".into()],
                format!("`{var}` is not an environment variable name"),
                "letters, digits and `_`",
            );
        }
    }
    let schemes = [
        compose
            .postgres
            .as_ref()
            .map(|p| ("postgres", &p.url_scheme)),
        compose.mysql.as_ref().map(|p| ("mysql", &p.url_scheme)),
    ];
    for (service, scheme) in schemes.into_iter().flatten() {
        let ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !ok {
            c.error(
                "url-scheme",
                &["compose".into(), service.into(), "url_scheme".into()],
                format!("`{scheme}` is not a URL scheme"),
                "expected e.g. postgresql",
            );
        }
    }
    for (service, db) in [
        compose
            .postgres
            .as_ref()
            .and_then(|p| p.database.as_ref())
            .map(|d| ("postgres", d)),
        compose
            .mysql
            .as_ref()
            .and_then(|p| p.database.as_ref())
            .map(|d| ("mysql", d)),
        compose
            .mongodb
            .as_ref()
            .and_then(|p| p.database.as_ref())
            .map(|d| ("mongodb", d)),
    ]
    .into_iter()
    .flatten()
    {
        if db.is_empty()
            || !db
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        {
            c.error(
                "database-name",
                &["compose".into(), service.into(), "database".into()],
                format!("`{db}` is not a plain database name"),
                "letters, digits, `_` and `-`",
            );
        }
    }
    for (service, version) in [
        compose.mysql.as_ref().map(|p| ("mysql", &p.version)),
        compose.mongodb.as_ref().map(|p| ("mongodb", &p.version)),
    ]
    .into_iter()
    .flatten()
    {
        if !crate::manifest::validate::is_version(version, 1..=3) {
            c.error(
                "service-version",
                &["compose".into(), service.into(), "version".into()],
                format!("`{version}` is not a version"),
                "expected e.g. 11 or 8.0",
            );
        }
    }
}

/// Quotes a value for YAML as compose takes it literally (re-exported for templates' tests).
pub fn literal(value: &str) -> String {
    yaml_quote(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_absolute() {
        assert_eq!(absolute("/app", "instance"), "/app/instance");
        assert_eq!(absolute("/app/", "./data/uploads/"), "/app/data/uploads");
        assert_eq!(absolute("/app", "/var/lib/x"), "/var/lib/x");
    }

    #[test]
    fn secrets_get_no_placeholder() {
        assert_eq!(placeholder("SECRET_KEY"), "");
        assert_eq!(placeholder("DJANGO_SECRET_KEY"), "");
        assert_eq!(placeholder("JWT_SECRET"), "");
        assert_eq!(placeholder("ALLOWED_HOSTS"), "localhost,127.0.0.1");
        assert_eq!(placeholder("SOMETHING_ELSE"), "");
    }

    #[test]
    fn interpolation_escapes_literal_text() {
        let v = interpolated(&[Part::Text("a$b\"c"), Part::Var("${X:?m}".to_owned())]);
        assert_eq!(v, "\"a$$b\\\"c${X:?m}\"");
    }
}

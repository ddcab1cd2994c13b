//! Semantic rules: what the types cannot say. Every rule adds a diagnostic with a span and
//! carries on, so a user sees every problem at once.

use std::net::IpAddr;
use std::ops::Range;
use std::path::{Component, Path};

use toml_edit::{Document, Item, Value};

use super::model::Manifest;
use super::spans::{Seg, Spans};
use crate::diagnostic::Diagnostic;
use crate::stacks;

/// Collects diagnostics for one manifest; handed to each stack's own rules too.
pub struct Checker<'a> {
    spans: Spans<'a>,
    project_dir: Option<&'a Path>,
    out: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    /// The directory that holds the manifest, when the file system may be consulted.
    pub fn project_dir(&self) -> Option<&Path> {
        self.project_dir
    }

    /// The span of the value at `path`.
    pub fn span(&self, path: &[Seg<'_>]) -> Option<Range<usize>> {
        self.spans.value(path)
    }

    /// Adds an error at the value at `path`.
    pub fn error(
        &mut self,
        code: &'static str,
        path: &[Seg<'_>],
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        let span = self.spans.value(path);
        self.push(Diagnostic::error(code, message, span).with_label(label))
    }

    /// Adds an error at the key that names the last step of `path`.
    pub fn key_error(
        &mut self,
        code: &'static str,
        path: &[Seg<'_>],
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        let span = self.spans.key(path);
        self.push(Diagnostic::error(code, message, span).with_label(label))
    }

    /// Adds a warning at the value at `path`.
    pub fn warning(
        &mut self,
        code: &'static str,
        path: &[Seg<'_>],
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        let span = self.spans.value(path);
        self.push(Diagnostic::warning(code, message, span).with_label(label))
    }

    fn push(&mut self, diagnostic: Diagnostic) -> &mut Diagnostic {
        self.out.push(diagnostic);
        self.out.last_mut().expect("just pushed")
    }

    /// Checks that a path from the manifest stays inside the project; returns whether it does.
    pub fn relative_path(&mut self, path: &[Seg<'_>], value: &str, what: &str) -> bool {
        if value.is_empty() {
            self.error("path-empty", path, format!("{what} is empty"), "empty path");
            return false;
        }
        let p = Path::new(value);
        if p.is_absolute() || value.starts_with('/') || value.starts_with('\\') {
            self.error(
                "path-absolute",
                path,
                format!("{what} `{value}` is absolute"),
                "absolute path",
            )
            .help = Some("write it relative to the directory that holds dgen.toml".to_owned());
            return false;
        }
        let mut depth: i64 = 0;
        for component in p.components() {
            match component {
                Component::ParentDir => depth -= 1,
                Component::Normal(_) => depth += 1,
                _ => {}
            }
            if depth < 0 {
                self.error(
                    "path-outside",
                    path,
                    format!("{what} `{value}` leaves the project directory"),
                    "goes above the directory of dgen.toml",
                )
                .help = Some(
                    "Docker can only copy files inside the build context; move the file into the project"
                        .to_owned(),
                );
                return false;
            }
        }
        true
    }

    /// Reports `value` at `path` when it does not exist under the project directory.
    pub fn must_exist(&mut self, path: &[Seg<'_>], value: &str, what: &str, severity_error: bool) {
        let Some(dir) = self.project_dir else {
            return;
        };
        if dir.join(value).exists() {
            return;
        }
        let message = format!("{what} `{value}` does not exist next to the manifest");
        let help = "create it, or fix the path (relative to the directory of dgen.toml)".to_owned();
        if severity_error {
            self.error("path-missing", path, message, "not found").help = Some(help);
        } else {
            self.warning("path-missing", path, message, "not found")
                .help = Some(help);
        }
    }
}

/// Runs every semantic rule, the stack's own included.
pub fn validate(
    manifest: &Manifest,
    doc: &Document<String>,
    project_dir: Option<&Path>,
) -> Vec<Diagnostic> {
    let mut c = Checker {
        spans: Spans::new(doc),
        project_dir,
        out: Vec::new(),
    };
    control_characters(doc, &mut c);
    name(manifest, &mut c);
    stack_sections(doc, manifest, &mut c);
    app(manifest, &mut c);
    healthcheck(manifest, &mut c);
    user(manifest, &mut c);
    image(manifest, &mut c);
    compose(manifest, &mut c);
    for (i, pattern) in manifest.dockerignore.extra.iter().enumerate() {
        if pattern.trim().is_empty() {
            c.error(
                "dockerignore-empty",
                &["dockerignore".into(), "extra".into(), i.into()],
                "empty .dockerignore pattern",
                "empty",
            );
        }
    }
    extras(manifest, &mut c);
    crate::runtime::validate(manifest, &mut c);
    stacks::get(manifest.stack).validate(manifest, &mut c);
    c.out
}

/// `[debug]`, `[ci]`, `[publish]` and `[templates]`.
fn extras(m: &Manifest, c: &mut Checker<'_>) {
    if let Some(debug) = &m.debug {
        let stack = stacks::get(m.stack);
        if stack.debug(m, debug).is_none() {
            c.key_error(
                "debug-unsupported",
                &["debug".into()],
                format!("the {} stack has no debugger set-up yet", m.stack.as_str()),
                "not supported for this stack",
            );
        }
        if let Some(port) = debug.port {
            if !(1..=65535).contains(&port) || port == 22 {
                c.error(
                    "debug-port",
                    &["debug".into(), "port".into()],
                    format!("debug port {port} is not a usable port"),
                    "use 1–65535, not 22",
                );
            } else if m.app.ports.contains(&port) {
                c.error(
                    "debug-port",
                    &["debug".into(), "port".into()],
                    format!("debug port {port} is also an app port"),
                    "already used by the app",
                );
            }
        }
        if let Some(version) = &debug.version
            && !is_version(version, ..)
        {
            c.error(
                "tool-version",
                &["debug".into(), "version".into()],
                format!("`{version}` is not an exact version"),
                "expected e.g. \"1.8.22\"",
            );
        }
    }
    if let Some(ci) = &m.ci
        && let Some(path) = &ci.path
    {
        c.relative_path(&["ci".into(), "path".into()], path, "workflow path");
    }
    let plain = |v: &str, extra: &str| {
        !v.is_empty()
            && v.chars().all(|ch| {
                ch.is_ascii_lowercase()
                    || ch.is_ascii_digit()
                    || "._-".contains(ch)
                    || extra.contains(ch)
            })
    };
    if let Some(registry) = &m.publish.registry
        && !plain(registry, ":")
    {
        c.error(
            "publish-registry",
            &["publish".into(), "registry".into()],
            format!("`{registry}` is not a registry host"),
            "expected e.g. registry.example.com or registry.example.com:5000",
        );
    }
    if let Some(account) = &m.publish.account
        && !plain(account, "/")
    {
        c.error(
            "publish-account",
            &["publish".into(), "account".into()],
            format!("`{account}` is not a registry account"),
            "lower-case letters, digits, `.`, `_`, `-`, `/`",
        );
    }
    if let Some(dir) = &m.templates.dir {
        let path = ["templates".into(), "dir".into()];
        if c.relative_path(&path, dir, "templates directory") {
            c.must_exist(&path, dir, "templates directory", true);
        }
    }
}

/// No value or key may hold a newline, NUL or other control character: nothing in the manifest
/// can then start a new Dockerfile instruction or YAML key.
fn control_characters(doc: &Document<String>, c: &mut Checker<'_>) {
    fn bad(s: &str) -> Option<char> {
        s.chars().find(|ch| ch.is_control())
    }
    fn report(c: &mut Checker<'_>, span: Option<Range<usize>>, found: char, what: &str) {
        c.out.push(
            Diagnostic::error(
                "control-character",
                format!(
                    "{what} holds the control character U+{:04X}",
                    u32::from(found)
                ),
                span,
            )
            .with_label("control character")
            .with_help("newlines, tabs, NUL and other control characters are not allowed in dgen.toml values"),
        );
    }
    fn walk_value(c: &mut Checker<'_>, value: &Value) {
        match value {
            Value::String(s) => {
                if let Some(ch) = bad(s.value()) {
                    report(c, s.span(), ch, "a value");
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk_value(c, v)),
            Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    if let Some(ch) = bad(k) {
                        report(c, t.key(k).and_then(|k| k.span()), ch, "a key");
                    }
                    walk_value(c, v);
                }
            }
            _ => {}
        }
    }
    fn walk_item(c: &mut Checker<'_>, item: &Item) {
        match item {
            Item::Value(v) => walk_value(c, v),
            Item::Table(t) => {
                for (k, v) in t.iter() {
                    if let Some(ch) = bad(k) {
                        report(c, t.key(k).and_then(|k| k.span()), ch, "a key");
                    }
                    walk_item(c, v);
                }
            }
            Item::ArrayOfTables(ts) => {
                for t in ts.iter() {
                    for (_, v) in t.iter() {
                        walk_item(c, v);
                    }
                }
            }
            Item::None => {}
        }
    }
    walk_item(c, doc.as_item());
}

fn name(m: &Manifest, c: &mut Checker<'_>) {
    let valid = !m.name.is_empty()
        && m.name.len() <= 63
        && m.name
            .starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        && m.name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch));
    if !valid {
        c.error(
            "name-invalid",
            &["name".into()],
            format!("`{}` is not a valid app name", m.name),
            "invalid name",
        )
        .help = Some(
            "use 1 to 63 lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit"
                .to_owned(),
        );
    }
}

/// A stack's settings table present in a manifest for another stack is a mistake.
fn stack_sections(doc: &Document<String>, m: &Manifest, c: &mut Checker<'_>) {
    for stack in stacks::all() {
        let section = stack.name().as_str();
        if stack.name() != m.stack && doc.as_table().contains_key(section) {
            c.key_error(
                "stack-section",
                &[section.into()],
                format!(
                    "`[{section}]` is for stack \"{section}\", but this manifest says stack = \"{}\"",
                    m.stack.as_str()
                ),
                "settings of another stack",
            );
        }
    }
}

/// Whether an environment variable name looks like it holds a secret or credential. This is at
/// least as broad as hadolint's DL3064 (which flags such names in `ENV`), so that what dgen
/// accepts never makes the linter complain.
pub fn looks_secret(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let lower = key.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "SECRET",
        "TOKEN",
        "CREDENTIAL",
        "CREDENTIALS",
        "APIKEY",
        "PRIVATEKEY",
    ];
    const PAIRS: &[(&str, &str)] = &[
        ("API", "KEY"),
        ("PRIVATE", "KEY"),
        ("ACCESS", "KEY"),
        ("SECRET", "KEY"),
        ("AUTH", "KEY"),
        ("ENCRYPTION", "KEY"),
        ("SIGNING", "KEY"),
        ("CLIENT", "SECRET"),
    ];
    // Substrings and names that hadolint DL3064 treats as sensitive.
    const SUBSTRINGS: &[&str] = &[
        "api_key",
        "client_key",
        "password",
        "private",
        "secret",
        "token",
        "username",
    ];
    const KNOWN: &[&str] = &[
        "APPLICATION_KEY",
        "AWS_ACCESS_KEY_ID",
        "CF_USERNAME",
        "CI_DEPLOY_USER",
        "DOCKER_EMAIL",
        "FACEBOOK_APP_ID",
        "HEROKU_API_USER",
        "OKTA_AUTHN_GROUPID",
        "OKTA_CLIENT_ORGURL",
        "OKTA_OAUTH2_CLIENTID",
        "OS_USERNAME",
        "STRIPE_DEVICE_NAME",
        "TRAVIS_OS_NAME",
        "TRAVIS_SECURE_ENV_VARS",
        "TRAVIS_SUDO",
        "VAULT_CLIENT_KEY",
    ];
    let words: Vec<&str> = upper.split(['_', '-', '.']).collect();
    words.iter().any(|w| WORDS.contains(w))
        || words
            .windows(2)
            .any(|pair| PAIRS.contains(&(pair[0], pair[1])))
        || SUBSTRINGS.iter().any(|s| lower.contains(s))
        || KNOWN.contains(&upper.as_str())
}

/// Whether a value is a URL with a password in it (`scheme://user:pass@host`).
fn url_with_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty()),
        None => false,
    }
}

fn is_env_name(key: &str) -> bool {
    key.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
        && key
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn app(m: &Manifest, c: &mut Checker<'_>) {
    let app = &m.app;
    let default_command = stacks::get(m.stack).default_command(m).is_some();
    if app.command.is_empty() && !default_command {
        c.error(
            "command-empty",
            &["app".into(), "command".into()],
            "the app has no command",
            "empty command",
        )
        .help = Some(
            "set `command` in `[app]` to the program and its arguments, e.g. [\"python\", \"app.py\"]"
                .to_owned(),
        );
    } else if app.command.first().is_some_and(|p| p.trim().is_empty()) {
        c.error(
            "command-empty",
            &["app".into(), "command".into(), 0.into()],
            "the command's program is empty",
            "empty program",
        );
    }
    let mut seen = Vec::new();
    for (i, &port) in app.ports.iter().enumerate() {
        let path = ["app".into(), "ports".into(), i.into()];
        if !(1..=65535).contains(&port) {
            c.error(
                "port-range",
                &path,
                format!("port {port} is outside 1–65535"),
                "not a TCP port",
            );
        } else if port == 22 {
            c.error(
                "port-ssh",
                &path,
                "port 22 (SSH) must not be exposed (P06)",
                "SSH port",
            )
            .help = Some(
                "containers are not machines to log in to: use `docker exec` to get a shell"
                    .to_owned(),
            );
        } else if seen.contains(&port) {
            c.error(
                "port-duplicate",
                &path,
                format!("port {port} is listed twice"),
                "duplicate",
            );
        }
        seen.push(port);
    }
    if app.sources.is_empty() {
        c.error(
            "sources-empty",
            &["app".into()],
            "`[app]` lists no `sources` to copy into the image",
            "no sources",
        )
        .help = Some(
            "list the files and directories the app needs, e.g. sources = [\"app.py\", \"templates\"] (P12)"
                .to_owned(),
        );
    }
    for (i, source) in app.sources.iter().enumerate() {
        let path = ["app".into(), "sources".into(), i.into()];
        let trimmed = source.trim_end_matches('/');
        if trimmed == "." || trimmed.is_empty() && !source.is_empty() {
            c.error(
                "source-everything",
                &path,
                "copying the whole project directory is refused (P12)",
                "the whole directory",
            )
            .help = Some(
                "list only what the app needs (its package, templates, static files); this keeps tests, tools and secrets out of the image"
                    .to_owned(),
            );
            continue;
        }
        if source.contains(['*', '?', '[']) {
            c.error(
                "source-glob",
                &path,
                format!("`{source}` is a wildcard"),
                "wildcard",
            )
            .help = Some("list the directory that holds the files instead".to_owned());
            continue;
        }
        if c.relative_path(&path, source, "source") {
            c.must_exist(&path, source, "source", true);
        }
    }
    for (key, value) in &app.env {
        let path = ["app".into(), "env".into(), key.as_str().into()];
        if !is_env_name(key) {
            c.key_error(
                "env-name",
                &path,
                format!("`{key}` is not a valid environment variable name"),
                "invalid name",
            )
            .help = Some("use letters, digits and `_`, not starting with a digit".to_owned());
        } else if looks_secret(key) {
            c.key_error(
                "env-secret",
                &path,
                format!("`{key}` looks like a secret, and a secret must not be baked into the image (P14)"),
                "secret in the manifest",
            )
            .help = Some(
                "remove it here and pass it at run time: put it in the env file (`.env`, see [compose] env_file) or use compose secrets; hadolint (DL3064) flags such names in ENV too"
                    .to_owned(),
            );
        } else if url_with_password(value) {
            c.error(
                "env-secret",
                &path,
                format!("the value of `{key}` holds a password (P14)"),
                "password in a URL",
            )
            .help = Some(
                "pass the URL at run time through the env file (`.env`, see [compose] env_file)"
                    .to_owned(),
            );
        }
    }
    if !app.workdir.starts_with('/') {
        c.error(
            "workdir-relative",
            &["app".into(), "workdir".into()],
            format!("workdir `{}` must be absolute", app.workdir),
            "relative path",
        );
    } else if app.workdir.split('/').any(|part| part == "..") || app.workdir.contains(' ') {
        c.error(
            "workdir-invalid",
            &["app".into(), "workdir".into()],
            format!("workdir `{}` must be a plain absolute path", app.workdir),
            "invalid path",
        );
    }
    for (table, packages) in [
        ("system_packages", &app.system_packages),
        ("build_packages", &app.build_packages),
    ] {
        for (name, version) in packages {
            let path = ["app".into(), table.into(), name.as_str().into()];
            let name_ok = name.len() >= 2
                && name.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                && name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "+.-".contains(ch));
            if !name_ok {
                c.key_error(
                    "package-name",
                    &path,
                    format!("`{name}` is not a Debian package name"),
                    "invalid package name",
                );
            }
            let version_ok = !version.is_empty()
                && version
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ".+~:*-".contains(ch));
            if !version_ok {
                c.error(
                    "package-version",
                    &path,
                    format!("`{version}` is not a Debian version or version pattern"),
                    "invalid version",
                )
                .help = Some(
                    "pin a version or a pattern such as \"15.*\" (hadolint DL3008); `apt-cache policy NAME` shows the candidates"
                        .to_owned(),
                );
            }
        }
    }
}

/// Whether `value` is dot-separated numbers (`3.12`, `1.8.22`), with a count of parts in
/// `parts`: the shape of every tool and runtime version a manifest pins.
pub fn is_version(value: &str, parts: impl std::ops::RangeBounds<usize>) -> bool {
    let split: Vec<&str> = value.split('.').collect();
    parts.contains(&split.len())
        && split
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()))
}

/// A duration as Docker and compose take it: `30s`, `1m30s`, `500ms`, `1h`.
pub fn is_duration(value: &str) -> bool {
    let mut rest = value;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "us", "ns", "h", "m", "s"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn healthcheck(m: &Manifest, c: &mut Checker<'_>) {
    let h = &m.healthcheck;
    for (field, value) in [
        ("interval", &h.interval),
        ("timeout", &h.timeout),
        ("start_period", &h.start_period),
    ] {
        if !is_duration(value) {
            c.error(
                "duration",
                &["healthcheck".into(), field.into()],
                format!("`{value}` is not a duration"),
                "expected e.g. 30s, 1m30s, 500ms",
            );
        }
    }
    if h.retries == 0 {
        c.error(
            "healthcheck-retries",
            &["healthcheck".into(), "retries".into()],
            "retries must be at least 1",
            "zero retries",
        );
    }
    if h.path.is_some() && h.command.is_some() {
        c.error(
            "healthcheck-conflict",
            &["healthcheck".into(), "command".into()],
            "`path` and `command` both set: a health check is either an HTTP probe or a command",
            "conflicts with `path`",
        );
    }
    if let Some(path) = &h.path {
        let ok = path.starts_with('/')
            && path
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-._~!$&()*+,;=:@%/?".contains(ch));
        if !ok {
            c.error(
                "healthcheck-path",
                &["healthcheck".into(), "path".into()],
                format!("`{path}` is not an HTTP path"),
                "expected a path such as /healthz",
            )
            .help = Some(
                "start with `/`; quotes, backslashes and spaces must be percent-encoded".to_owned(),
            );
        }
    }
    if let Some(command) = &h.command
        && command.first().is_none_or(|p| p.trim().is_empty())
    {
        c.error(
            "healthcheck-command",
            &["healthcheck".into(), "command".into()],
            "the health check command is empty",
            "empty command",
        );
    }
    if let Some(port) = h.port
        && !m.app.ports.contains(&port)
    {
        c.error(
            "healthcheck-port",
            &["healthcheck".into(), "port".into()],
            format!("port {port} is not one of the app's ports"),
            "not in [app] ports",
        );
    }
    if h.enabled && h.command.is_none() && m.app.ports.is_empty() {
        let at: &[Seg<'_>] = if c.span(&["healthcheck".into()]) == Some(0..0) {
            &["app".into(), "command".into()]
        } else {
            &["healthcheck".into()]
        };
        c.error(
            "healthcheck-worker",
            at,
            "the app has no ports, so there is nothing to probe: a worker needs a health check command",
            "nothing to probe",
        )
        .help = Some(
            "set [healthcheck] command = [...] to a command that exits 0 when the worker is healthy, or enabled = false (P18)"
                .to_owned(),
        );
    }
}

fn user(m: &Manifest, c: &mut Checker<'_>) {
    let name = &m.user.name;
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|ch: char| ch.is_ascii_lowercase() || ch == '_')
        && name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_-".contains(ch));
    if !ok {
        c.error(
            "user-name",
            &["user".into(), "name".into()],
            format!("`{name}` is not a valid user name"),
            "invalid user name",
        )
        .help = Some("use up to 32 lower-case letters, digits, `_` and `-`".to_owned());
    } else if name == "root" {
        c.error(
            "user-root",
            &["user".into(), "name".into()],
            "the app must not run as root (P15)",
            "root",
        );
    }
    if m.user.uid == Some(0) {
        c.error(
            "user-root",
            &["user".into(), "uid".into()],
            "UID 0 is root: the app must not run as root (P15)",
            "root",
        );
    }
}

/// Splits an image reference into (name, tag, digest).
pub fn split_image(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (&rest[..at], Some(&rest[at + 1..]), digest)
        }
        None => (rest, None, digest),
    }
}

fn is_digest(value: &str) -> bool {
    value.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.chars().all(|ch| matches!(ch, '0'..='9' | 'a'..='f'))
    })
}

fn image(m: &Manifest, c: &mut Checker<'_>) {
    if let Some(digest) = &m.image.digest
        && !is_digest(digest)
    {
        c.error(
            "image-digest",
            &["image".into(), "digest".into()],
            format!("`{digest}` is not an image digest"),
            "expected sha256: and 64 lower-case hex digits",
        );
    }
    if let Some(base) = &m.image.base {
        let path = ["image".into(), "base".into()];
        let (name, tag, inline_digest) = split_image(base);
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-/:".contains(ch));
        let tag_ok = tag.is_none_or(|t| {
            !t.is_empty()
                && t.len() <= 128
                && t.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
        });
        if !name_ok || !tag_ok || inline_digest.is_some_and(|d| !is_digest(d)) {
            c.error(
                "image-invalid",
                &path,
                format!("`{base}` is not a valid image reference"),
                "invalid image reference",
            );
            return;
        }
        let pinned = inline_digest.is_some() || m.image.digest.is_some();
        if !pinned && tag.is_none_or(|t| t == "latest") {
            c.error(
                "image-latest",
                &path,
                format!("base image `{base}` has no version tag (P05)"),
                if tag.is_none() {
                    "no tag"
                } else {
                    "`latest` moves"
                },
            )
            .help = Some(
                "name a version tag, e.g. python:3.12-slim, or pin a digest with [image] digest"
                    .to_owned(),
            );
        }
    }
    for key in m.image.labels.keys() {
        if key.is_empty() || key.contains([' ', '=', '"']) {
            c.key_error(
                "label-key",
                &["image".into(), "labels".into(), key.as_str().into()],
                format!("`{key}` is not a valid label key"),
                "invalid label key",
            );
        }
    }
}

fn compose(m: &Manifest, c: &mut Checker<'_>) {
    let compose = &m.compose;
    if compose.bind.parse::<IpAddr>().is_err() {
        c.error(
            "compose-bind",
            &["compose".into(), "bind".into()],
            format!("`{}` is not an IP address", compose.bind),
            "expected e.g. 127.0.0.1",
        );
    }
    let memory_ok = {
        let digits = compose
            .memory
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        digits > 0
            && matches!(
                &compose.memory[digits..].to_ascii_lowercase()[..],
                "" | "b" | "k" | "kb" | "m" | "mb" | "g" | "gb"
            )
    };
    if !memory_ok {
        c.error(
            "compose-memory",
            &["compose".into(), "memory".into()],
            format!("`{}` is not a memory size", compose.memory),
            "expected e.g. 512m, 1g",
        );
    }
    if !(compose.cpus > 0.0 && compose.cpus.is_finite()) {
        c.error(
            "compose-cpus",
            &["compose".into(), "cpus".into()],
            "cpus must be more than 0",
            "not a CPU count",
        );
    }
    if compose.pids == 0 {
        c.error(
            "compose-pids",
            &["compose".into(), "pids".into()],
            "pids must be at least 1",
            "zero",
        );
    }
    let env_files = compose.env_file.to_vec();
    let many = matches!(compose.env_file, super::model::OneOrMany::Many(_));
    for (i, file) in env_files.iter().enumerate() {
        let path: Vec<Seg<'_>> = if many {
            vec!["compose".into(), "env_file".into(), i.into()]
        } else {
            vec!["compose".into(), "env_file".into()]
        };
        c.relative_path(&path, file, "env file");
    }
    for (i, path) in compose.tmpfs.iter().enumerate() {
        if !path.starts_with('/') || path.contains(' ') {
            c.error(
                "compose-tmpfs",
                &["compose".into(), "tmpfs".into(), i.into()],
                format!("tmpfs `{path}` must be an absolute path"),
                "not an absolute path",
            );
        }
    }
    let tag_ok = |t: &str| {
        !t.is_empty()
            && t.len() <= 128
            && t.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
    };
    if let Some(pg) = &compose.postgres {
        if !tag_ok(&pg.version) {
            c.error(
                "image-tag",
                &["compose".into(), "postgres".into(), "version".into()],
                format!("`{}` is not an image tag", pg.version),
                "invalid tag",
            );
        }
        if let Some(db) = &pg.database
            && !(db.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
                && db.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'))
        {
            c.error(
                "postgres-database",
                &["compose".into(), "postgres".into(), "database".into()],
                format!("`{db}` is not a plain database name"),
                "use letters, digits and _",
            );
        }
    }
    if let Some(redis) = &compose.redis
        && !tag_ok(&redis.version)
    {
        c.error(
            "image-tag",
            &["compose".into(), "redis".into(), "version".into()],
            format!("`{}` is not an image tag", redis.version),
            "invalid tag",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for key in [
            "DB_PASSWORD",
            "API_KEY",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "PRIVATE_KEY",
            "client_secret",
            "STRIPE_APIKEY",
        ] {
            assert!(looks_secret(key), "{key}");
        }
        // hadolint DL3064 flags these in ENV, so they must go through the env file too.
        for key in [
            "DB_USERNAME",
            "PASSWORD_FILE",
            "DJANGO_SECRET_KEY_FILE",
            "DOCKER_EMAIL",
            "PRIVATE_NETWORK",
            "TOKENIZER_MODEL",
        ] {
            assert!(looks_secret(key), "{key}");
        }
        for key in [
            "LOG_LEVEL",
            "AUTHOR",
            "KEYBOARD",
            "PORT",
            "DJANGO_SETTINGS_MODULE",
            "USER_AGENT",
        ] {
            assert!(!looks_secret(key), "{key}");
        }
    }

    #[test]
    fn urls_with_passwords() {
        assert!(url_with_password("postgres://u:p@db/x"));
        assert!(!url_with_password("postgres://u@db/x"));
        assert!(!url_with_password("redis://redis:6379/0"));
        assert!(!url_with_password("plain"));
    }

    #[test]
    fn versions() {
        assert!(is_version("3.12", 2..=3));
        assert!(is_version("1.8.22", ..));
        assert!(is_version("22", 1..=3));
        for bad in ["", "3", "3.x", "3..1", "v1.2", "1.2.3.4"] {
            assert!(!is_version(bad, 2..=3), "{bad}");
        }
        assert!(!is_version("latest", ..));
    }

    #[test]
    fn durations() {
        for ok in ["30s", "1m30s", "500ms", "1h", "0s"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "30", "s", "1.5s", "30 s", "-1s", "1d"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn image_references() {
        assert_eq!(
            split_image("python:3.12-slim"),
            ("python", Some("3.12-slim"), None)
        );
        assert_eq!(
            split_image("localhost:5000/app"),
            ("localhost:5000/app", None, None)
        );
        assert_eq!(
            split_image("registry.example.com/x/y:1@sha256:ab"),
            ("registry.example.com/x/y", Some("1"), Some("sha256:ab"))
        );
    }
}

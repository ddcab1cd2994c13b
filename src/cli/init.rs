//! `dgen init`: detect the project, let flags (and, on a terminal, the user) change what was
//! detected, and write a commented dgen.toml.

mod prompt;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use dgen::diagnostic;
use dgen::init::{self, Detection, Health, Origin};
use dgen::manifest::{self, StackName};
use dgen::output;
use dgen::project::MANIFEST_NAME;
use serde::Deserialize;

use super::{ColorChoice, ExitStatus};

/// The text after `dgen init --help`'s options.
pub const AFTER_HELP: &str = "\
Flags override what was detected. On a terminal, dgen init then asks about each value (Enter
keeps it); with --yes, or when stdin is not a terminal, it asks nothing.

--command takes one string, split into words the way a shell splits them (quotes group words;
nothing is expanded), and written in exec form.

Examples:
  dgen init                                     detect, confirm each value, write ./dgen.toml
  dgen init --yes                               accept what was detected (CI, scripts)
  dgen init --dir services/api --port 9000
  dgen init --set main=./cmd/api                (a [go] setting)
  dgen init --stack python --command \"python worker.py\" --source worker.py --port none

Exit status: 0 written (or declined at the prompt), 2 error: the stack could not be told (use
--stack), dgen.toml exists (use --force), or a value is invalid; nothing is written then.";

/// Arguments of `dgen init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project directory: where to look, and where dgen.toml is written.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    #[arg(long, value_name = "STACK", value_parser = parse_stack, help = stack_help())]
    stack: Option<StackName>,
    /// The app's name (the compose service and the image name).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// A port the app listens on (repeat for more); `none` for a worker.
    #[arg(short, long = "port", value_name = "PORT", value_parser = parse_port)]
    ports: Vec<Option<u32>>,
    /// The command, one string split like a shell splits words, e.g.
    /// "gunicorn --bind 0.0.0.0:8000 app:app".
    #[arg(long, value_name = "COMMAND")]
    command: Option<String>,
    /// A path to copy into the image (repeat for more); replaces the detected ones.
    #[arg(long = "source", value_name = "PATH")]
    sources: Vec<String>,
    /// An environment variable for the image (repeat for more); never a secret.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// The Python version (python stack), e.g. 3.12.
    #[arg(long, value_name = "X.Y")]
    python_version: Option<String>,
    /// The package manager (python: pip, uv or poetry; node and static: npm, yarn or pnpm).
    #[arg(long, value_name = "NAME")]
    package_manager: Option<String>,
    /// A setting of the stack's own table, e.g. `main=./cmd/api` for [go], `build_tool=gradle`
    /// for [java] (repeat for more; lists are split like --command).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    settings: Vec<(String, String)>,
    /// The health check's HTTP path, e.g. /healthz.
    #[arg(long, value_name = "PATH", conflicts_with = "no_healthcheck")]
    health_path: Option<String>,
    /// Write the manifest without a health check.
    #[arg(long)]
    no_healthcheck: bool,
    /// Read the facts of an existing Dockerfile (base image version, command, ports, env
    /// names without secret values, workdir, apt packages, health path) into the manifest,
    /// so that `dgen diff` then shows the practices it breaks, not transcription differences.
    #[arg(long = "from", value_name = "DOCKERFILE")]
    from: Option<PathBuf>,
    /// Accept what was detected: ask nothing.
    #[arg(short, long)]
    yes: bool,
    /// Overwrite an existing dgen.toml.
    #[arg(short, long)]
    force: bool,
}

/// The help of `--stack`, naming every registered stack.
fn stack_help() -> String {
    format!(
        "The stack, when detection cannot tell or tells wrong ({})",
        dgen::stacks::NAMES
    )
}

fn parse_stack(text: &str) -> Result<StackName, String> {
    let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text);
    StackName::deserialize(de).map_err(|_| {
        let known: Vec<&str> = dgen::stacks::all()
            .iter()
            .map(|s| s.name().as_str())
            .collect();
        format!("unknown stack `{text}`; dgen knows: {}", known.join(", "))
    })
}

fn parse_port(text: &str) -> Result<Option<u32>, String> {
    if text == "none" {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(port) if (1..=65535).contains(&port) => Ok(Some(port)),
        _ => Err(format!("`{text}` is not a TCP port (1-65535) or `none`")),
    }
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// Applies the flags: each replaces the detected value.
fn apply_flags(args: &Args, d: &mut Detection) -> Result<(), String> {
    if let Some(name) = &args.name {
        d.name.set(name.clone(), Origin::Flag("--name"));
    }
    if let Some(text) = &args.command {
        let command = init::split_command(text)
            .ok_or_else(|| format!("--command `{text}`: empty, or a quote is not closed"))?;
        d.set_command(command, Origin::Flag("--command"));
    }
    if !args.ports.is_empty() {
        let ports: Vec<u32> = args.ports.iter().flatten().copied().collect();
        d.set_ports(ports, Origin::Flag("--port"));
    }
    if !args.sources.is_empty() {
        d.sources
            .set(args.sources.clone(), Origin::Flag("--source"));
    }
    if !args.env.is_empty() {
        let mut env = d.env.value.clone();
        env.extend(args.env.iter().cloned());
        d.env.set(env, Origin::Flag("--env"));
    }
    if let Some(version) = &args.python_version {
        if d.stack.value != StackName::Python {
            return Err("--python-version applies to the python stack only".to_owned());
        }
        d.set_setting("version", version, Origin::Flag("--python-version"))?;
    }
    if let Some(manager) = &args.package_manager {
        d.set_setting(
            "package_manager",
            manager,
            Origin::Flag("--package-manager"),
        )
        .map_err(|e| format!("--package-manager: {e}"))?;
    }
    for (key, value) in &args.settings {
        d.set_setting(key, value, Origin::Flag("--set"))
            .map_err(|e| {
                let keys: Vec<&str> = d.settings.iter().map(|s| s.key).collect();
                format!("--set {key}: {e} (detected: {})", keys.join(", "))
            })?;
    }
    if let Some(path) = &args.health_path {
        d.healthcheck
            .set(Health::Http(path.clone()), Origin::Flag("--health-path"));
    }
    if args.no_healthcheck {
        d.healthcheck
            .set(Health::Off, Origin::Flag("--no-healthcheck"));
    }
    Ok(())
}

/// The detected values, one per line, with where each came from.
fn summary(d: &Detection, dir: &Path) -> String {
    let mut out = format!(
        "Detected a {} project in {} ({}):\n",
        d.stack.value.as_str(),
        dir.display(),
        d.stack.origin
    );
    let mut row = |key: String, value: String, origin: &Origin| {
        let value = if value.is_empty() {
            "(none)".to_owned()
        } else {
            value
        };
        out.push_str(&format!("  {key:<24} {value}   [{origin}]\n"));
    };
    row("name".into(), d.name.value.clone(), &d.name.origin);
    row(
        "app.command".into(),
        init::join_command(&d.command.value),
        &d.command.origin,
    );
    let ports: Vec<String> = d.ports.value.iter().map(u32::to_string).collect();
    row("app.ports".into(), ports.join(", "), &d.ports.origin);
    row(
        "app.sources".into(),
        d.sources.value.join(", "),
        &d.sources.origin,
    );
    if !d.env.value.is_empty() {
        let env: Vec<String> = d
            .env
            .value
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        row("app.env".into(), env.join(" "), &d.env.origin);
    }
    for setting in &d.settings {
        row(
            format!("{}.{}", d.stack.value.as_str(), setting.key),
            setting.text_value(),
            &setting.value.origin,
        );
    }
    row(
        "healthcheck".into(),
        d.healthcheck.value.to_string(),
        &d.healthcheck.origin,
    );
    runtime_summary(&mut out, d);
    out
}

/// The run-time needs init found: writable paths, required settings, release steps, services.
fn runtime_summary(out: &mut String, d: &Detection) {
    let r = &d.runtime;
    let mut line = |key: &str, value: String, from: String| {
        out.push_str(&format!("  {key:<24} {value}   [{from}]\n"));
    };
    for w in &r.writable {
        let kind = if w.value.persist() { "volume" } else { "tmpfs" };
        line(
            "app.writable",
            format!("{} ({kind})", w.value.path()),
            w.from.clone(),
        );
    }
    for e in &r.env_required {
        line("app.env_required", e.value.clone(), e.from.clone());
    }
    if let Some(release) = &r.release {
        for step in &release.value {
            line(
                "app.release",
                init::join_command(step),
                release.origin.to_string(),
            );
        }
    }
    for s in &r.services {
        line(s.table, "enabled".to_owned(), s.why.clone());
    }
}

/// A path as the user would type it, relative to the current directory when given so.
fn shown(dir: &Path, name: &str) -> String {
    if dir == Path::new(".") {
        name.to_owned()
    } else {
        dir.join(name).display().to_string()
    }
}

/// The generated files that exist and were not written by dgen.
fn hand_written(dir: &Path) -> Vec<String> {
    let mut notes = Vec::new();
    for file in ["Dockerfile", ".dockerignore", "compose.yaml"] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        if !text.contains("Generated by dgen") {
            notes.push(format!(
                "{0} exists and was not written by dgen: it was left alone. `dgen render` will not replace it without `--force`; `dgen diff` shows how it differs from the generated one",
                shown(dir, file)
            ));
        }
    }
    for file in ["docker-compose.yml", "docker-compose.yaml", "compose.yml"] {
        if dir.join(file).is_file() {
            notes.push(format!(
                "{} exists: `dgen render` writes compose.yaml, which `docker compose` reads in its place; remove one of them",
                shown(dir, file)
            ));
        }
    }
    notes
}

fn next_steps(d: &Detection, dir: &Path) -> String {
    let here = dir == Path::new(".");
    let name = &d.name.value;
    let mut steps: Vec<(String, String)> = Vec::new();
    steps.push((
        if here {
            "dgen render".to_owned()
        } else {
            format!("dgen render -m {}", shown(dir, MANIFEST_NAME))
        },
        "write the Dockerfile, .dockerignore and compose.yaml".to_owned(),
    ));
    // A workspace service builds from the workspace root, with its own Dockerfile.
    let build = match d.setting("workspace") {
        Some(ws) => {
            let root = dgen::stacks::node::workspace_root_of(&ws.text_value());
            format!(
                "docker build -f {} -t {name} {}",
                shown(dir, "Dockerfile"),
                dir.join(root).display()
            )
        }
        None => format!("docker build -t {name} {}", dir.display()),
    };
    steps.push((build, "build the image".to_owned()));
    let publish: String = d
        .ports
        .value
        .iter()
        .map(|p| format!("-p 127.0.0.1:{p}:{p} "))
        .collect();
    steps.push((
        format!("docker run --rm {publish}{name}"),
        "run it".to_owned(),
    ));
    let env_file = shown(dir, ".env");
    let compose = if here {
        "docker compose up --build".to_owned()
    } else {
        format!(
            "docker compose -f {} up --build",
            shown(dir, "compose.yaml")
        )
    };
    let needs_env = d.runtime.lists_env_values();
    let compose = if dir.join(".env").exists() {
        compose
    } else if needs_env {
        let example = d
            .runtime
            .env_example
            .as_ref()
            .map_or(".env.example", |e| e.value.as_str());
        format!("cp {} {env_file} && {compose}", shown(dir, example))
    } else {
        format!("touch {env_file} && {compose}")
    };
    steps.push((
        compose,
        if needs_env {
            "or with compose: fill in the empty values in .env first".to_owned()
        } else {
            "or with compose, which reads secrets from .env".to_owned()
        },
    ));
    steps.push((
        if here {
            "dgen check".to_owned()
        } else {
            format!("dgen check -m {}", shown(dir, MANIFEST_NAME))
        },
        "in CI: fails when the files drift from dgen.toml".to_owned(),
    ));
    let width = steps.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut out = String::from("Next steps:\n");
    for (command, what) in steps {
        out.push_str(&format!("  {command:<width$}   {what}\n"));
    }
    out
}

/// Runs `dgen init`: detect, apply flags, ask (on a terminal), check, write, and say what next.
pub fn run(args: Args, color: ColorChoice) -> ExitStatus {
    let err_color = color.stderr();
    let dir = args.dir.clone();
    if !dir.is_dir() {
        eprintln!("error: {} is not a directory", dir.display());
        return ExitStatus::Error;
    }
    let manifest_path = dir.join(MANIFEST_NAME);
    let manifest_shown = shown(&dir, MANIFEST_NAME);
    if manifest_path.exists() && !args.force {
        eprintln!(
            "error: {manifest_shown} already exists, and dgen init never overwrites it without --force; nothing was written"
        );
        eprintln!(
            "  help: `dgen render` renders it as it is; `dgen init --force` replaces it with a new one"
        );
        return ExitStatus::Error;
    }
    let from = match &args.from {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Some((
                init::from_dockerfile::read(&bytes),
                path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
            )),
            Err(error) => {
                eprintln!(
                    "error: cannot read {}: {error}; nothing was written",
                    path.display()
                );
                return ExitStatus::Error;
            }
        },
        None => None,
    };
    let from_stack = from.as_ref().and_then(|(f, _)| f.stack);
    let mut detection = match args
        .stack
        .or(from_stack.filter(|_| init::detect(&dir).is_err()))
    {
        Some(stack) => init::detect_as(&dir, stack),
        None => match init::detect(&dir) {
            Ok(detection) => detection,
            Err(not_detected) => {
                eprint!("error: {not_detected}");
                eprintln!("nothing was written");
                eprintln!("  help: name the stack with --stack to write a manifest anyway:");
                for stack in dgen::stacks::all() {
                    eprintln!(
                        "          {:<8} {}",
                        stack.name().as_str(),
                        stack.description()
                    );
                }
                return ExitStatus::Error;
            }
        },
    };
    if let Some((found, file)) = &from {
        init::from_dockerfile::apply(found, &mut detection, file);
    }
    if let Err(message) = apply_flags(&args, &mut detection) {
        eprintln!("error: {message}; nothing was written");
        return ExitStatus::Error;
    }
    init::reconcile(&mut detection, &dir);

    let interactive =
        !args.yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    eprint!("{}", summary(&detection, &dir));
    for note in &detection.notes {
        eprintln!("note: {note}");
    }
    if interactive {
        match prompt::ask(&mut detection, &dir, &manifest_shown, err_color) {
            Ok(true) => init::reconcile(&mut detection, &dir),
            Ok(false) => {
                eprintln!("nothing was written");
                return ExitStatus::Success;
            }
            Err(error) => {
                eprintln!("error: the prompt failed ({error}); nothing was written");
                return ExitStatus::Error;
            }
        }
    }

    let mut text = init::write::manifest_text(&detection);
    if let Some((found, file)) = &from {
        text = init::from_dockerfile::extend_manifest(&text, found, file);
    }
    // Checked against the project's files too: init never writes a manifest that `dgen render`
    // refuses, and never exits 0 after an error.
    let loaded = match manifest::parse(&text, Some(&dir)) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            eprint!(
                "{}",
                diagnostic::render(&manifest_shown, &text, &diagnostics, err_color)
            );
            eprintln!(
                "error: `dgen render` would refuse the manifest dgen init would write; nothing was written"
            );
            eprintln!(
                "  help: fix the project's files as the errors above say and rerun `dgen init`, or set the values with flags (--command, --source, --port, --set KEY=VALUE, ...)"
            );
            return ExitStatus::Error;
        }
    };
    if let Err(error) = dgen::render::render(&loaded.manifest, MANIFEST_NAME) {
        eprintln!("error: {error}; nothing was written");
        return ExitStatus::Error;
    }
    if let Err(error) = output::write_atomic(&manifest_path, text.as_bytes()) {
        eprintln!("error: {error}");
        return ExitStatus::Error;
    }
    eprintln!("wrote {manifest_shown}");
    if !loaded.warnings.is_empty() {
        eprint!(
            "{}",
            diagnostic::render(&manifest_shown, &text, &loaded.warnings, err_color)
        );
    }
    for note in hand_written(&dir) {
        eprintln!("note: {note}");
    }
    eprint!("{}", next_steps(&detection, &dir));
    ExitStatus::Success
}

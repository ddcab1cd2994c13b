//! The commented `dgen.toml` a [`Detection`] becomes: every value with a comment saying what
//! it is and where it was found, tables worth considering commented out at the end.

use std::collections::BTreeMap;

use super::{Detected, Detection, Health, Origin, SettingValue};

/// The width comments are wrapped at.
const WIDTH: usize = 100;

/// The manifest text for `detection`.
pub fn manifest_text(detection: &Detection) -> String {
    let d = detection;
    let mut out = String::new();
    match &d.schema_file {
        Some(file) => out.push_str(&format!("#:schema ./{file}\n")),
        None => out.push_str(
            "# Editor completion: run `dgen schema > dgen.schema.json`, then make this line `#:schema ./dgen.schema.json`.\n",
        ),
    }
    comment(
        &mut out,
        "Written by `dgen init`: each value says what it is and where it was found. Change any of them, then run `dgen render` to write the Dockerfile, .dockerignore and compose.yaml.",
    );
    out.push('\n');

    entry(
        &mut out,
        "The app's name: the compose service and the image name.",
        &d.name,
        "name",
        &string(&d.name.value),
    );
    entry(
        &mut out,
        "The stack that builds and runs the app.",
        &d.stack,
        "stack",
        &string(d.stack.value.as_str()),
    );

    out.push_str("\n[app]\n");
    // Left out when empty: the stack's image brings its own (nginx), or the check says it is
    // missing.
    if !d.command.value.is_empty() {
        entry(
            &mut out,
            "What the container runs, in exec form: no shell in between, so stop signals reach the app.",
            &d.command,
            "command",
            &strings(&d.command.value),
        );
    }
    entry(
        &mut out,
        "The TCP ports the app listens on (EXPOSE and compose ports); none for a worker.",
        &d.ports,
        "ports",
        &numbers(&d.ports.value),
    );
    entry(
        &mut out,
        "The paths copied into the image: only what the app needs.",
        &d.sources,
        "sources",
        &strings(&d.sources.value),
    );
    if !d.env.value.is_empty() {
        entry(
            &mut out,
            "Environment variables set in the image. Never secrets: those go in .env.",
            &d.env,
            "env",
            &inline_table(&d.env.value),
        );
    }

    runtime_app(&mut out, d);

    if !d.settings.is_empty() {
        out.push_str(&format!("\n[{}]\n", d.stack.value.as_str()));
        for setting in &d.settings {
            let mut about = setting.about.to_owned();
            if !setting.choices.is_empty() {
                about.push_str(&format!(": {}", setting.choices.join(", ")));
            }
            about.push('.');
            entry(
                &mut out,
                &about,
                &setting.value,
                setting.key,
                &setting_value(&setting.value.value),
            );
        }
    }

    out.push_str("\n[healthcheck]\n");
    let port = d
        .ports
        .value
        .first()
        .map_or_else(|| "the app's port".to_owned(), |p| format!("port {p}"));
    match &d.healthcheck.value {
        Health::Http(path) => entry(
            &mut out,
            &format!(
                "The container's health check: a GET of this path on {port} must answer 2xx or 3xx."
            ),
            &d.healthcheck,
            "path",
            &string(path),
        ),
        Health::Tcp => entry(
            &mut out,
            &format!(
                "The container's health check: without `path`, a TCP connect to {port}. A `path` such as \"/healthz\" that answers 200 when the app works is a better check."
            ),
            &d.healthcheck,
            "enabled",
            "true",
        ),
        Health::Command(command) => entry(
            &mut out,
            "The container's health check: a command that exits 0 when the app is healthy.",
            &d.healthcheck,
            "command",
            &strings(command),
        ),
        Health::Off => entry(
            &mut out,
            "The container's health check is off.",
            &d.healthcheck,
            "enabled",
            "false",
        ),
    }

    if let Some(example) = &d.runtime.env_example {
        out.push_str("\n[compose]\n");
        entry(
            &mut out,
            "Where `dgen render` lists the variables .env must set: `cp` it to .env, then fill it in.",
            example,
            "env_example",
            &string(&example.value),
        );
    }
    for service in &d.runtime.services {
        out.push('\n');
        comment(
            &mut out,
            &if service.table == "compose.redis" {
                format!(
                    "{}: Redis in compose, with a health check and its data in a named volume; the app's URL variable is wired to it.",
                    service.why
                )
            } else {
                format!(
                    "{}: a database in compose, with a health check, its data in a named volume and its password from .env (see .env.example); the app's URL variable is wired to it.",
                    service.why
                )
            },
        );
        out.push_str(&format!("[{}]\n", service.table));
        for line in &service.lines {
            out.push_str(line);
            out.push('\n');
        }
    }

    for suggestion in &d.suggestions {
        out.push('\n');
        comment(&mut out, &suggestion.why);
        for line in &suggestion.lines {
            out.push_str(&format!("# {line}\n"));
        }
    }
    out
}

/// `[app] writable`, `env_required` and `release`, each with where it was found.
fn runtime_app(out: &mut String, d: &Detection) {
    let r = &d.runtime;
    if !r.writable.is_empty() {
        comment(
            out,
            "The paths the app writes at run time: owned by the app's user in the image, a named volume in compose (persist = false: a tmpfs, emptied at every start). The code stays read-only.",
        );
        for w in &r.writable {
            comment(out, &format!("{}: {}.", w.value.path(), w.from));
        }
        let items: Vec<String> = r
            .writable
            .iter()
            .map(|w| match &w.value {
                crate::manifest::Writable::Path(p) => string(p),
                crate::manifest::Writable::Spec(spec) => format!(
                    "{{ path = {}, persist = {} }}",
                    string(&spec.path),
                    spec.persist
                ),
            })
            .collect();
        out.push_str(&format!("writable = [{}]\n", items.join(", ")));
    }
    if !r.env_required.is_empty() {
        comment(
            out,
            "Settings the app needs and has no default for: never in the image; `dgen render` writes .env.example, and compose refuses to start until .env sets each one.",
        );
        for e in &r.env_required {
            comment(out, &format!("{}: {}.", e.value, e.from));
        }
        let names: Vec<String> = r.env_required.iter().map(|e| e.value.clone()).collect();
        out.push_str(&format!("env_required = {}\n", strings(&names)));
    }
    if let Some(release) = &r.release {
        let steps: Vec<String> = release.value.iter().map(|s| strings(s)).collect();
        entry(
            out,
            "One-off steps before the app starts (migrations): compose runs them in a `migrate` service the app waits for.",
            release,
            "release",
            &format!("[{}]", steps.join(", ")),
        );
    }
}

/// One `key = value` with its two comment lines: what it is, then why and where from.
fn entry<T>(out: &mut String, about: &str, detected: &Detected<T>, key: &str, value: &str) {
    comment(out, about);
    comment(out, &provenance(detected));
    out.push_str(&format!("{key} = {value}\n"));
}

/// Why the value is what it is, and where it came from, as one sentence or two.
pub fn provenance<T>(detected: &Detected<T>) -> String {
    let source = match &detected.origin {
        Origin::Found(from) => format!("Detected from {from}."),
        Origin::Default(why) => format!("dgen's default: {why}."),
        Origin::Flag(flag) => format!("Set with {flag}."),
        Origin::Answer => "Set at the `dgen init` prompt.".to_owned(),
    };
    match &detected.why {
        Some(why) => format!("{}. {source}", capitalized(why.trim_end_matches('.'))),
        None => source,
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` as `# ` comment lines wrapped at [`WIDTH`].
fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

fn setting_value(value: &SettingValue) -> String {
    match value {
        SettingValue::Text(text) => string(text),
        SettingValue::Bool(flag) => flag.to_string(),
        SettingValue::List(items) => strings(items),
    }
}

fn string(value: &str) -> String {
    toml_edit::Value::from(value).to_string()
}

fn strings(values: &[String]) -> String {
    let array: toml_edit::Array = values.iter().map(String::as_str).collect();
    toml_edit::Value::Array(array).to_string()
}

fn numbers(values: &[u32]) -> String {
    let array: toml_edit::Array = values.iter().map(|p| i64::from(*p)).collect();
    toml_edit::Value::Array(array).to_string()
}

fn inline_table(values: &BTreeMap<String, String>) -> String {
    let mut table = toml_edit::InlineTable::new();
    for (key, value) in values {
        table.insert(key, value.as_str().into());
    }
    table.fmt();
    toml_edit::Value::InlineTable(table).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{Detection, ProjectFiles, Setting, Suggestion};
    use crate::manifest::StackName;

    fn sample() -> Detection {
        let files = ProjectFiles::scan(std::path::Path::new("/nonexistent-dgen-test"));
        let mut d = Detection::bare(StackName::Python, &files);
        d.name = Detected::found("demo".to_owned(), "pyproject.toml [project] name");
        d.command = Detected::found(
            vec!["python".into(), "-c".into(), "print(\"a 'b'\")".into()],
            "main.py",
        )
        .because("the script main.py");
        d.ports = Detected::default(vec![8000], "gunicorn's usual port");
        d.sources = Detected::found(vec!["main.py".into(), "my app".into()], "the layout");
        d.env = Detected::found(
            BTreeMap::from([("A_B".to_owned(), "x \"y\" $z".to_owned())]),
            "manage.py",
        );
        d.healthcheck = Detected::found(Health::Http("/healthz".into()), "main.py");
        d.settings = vec![Setting::text(
            "version",
            "The Python version",
            Detected::default("3.12".to_owned(), "nothing found"),
        )];
        d.suggestions = vec![Suggestion {
            why: "redis is in requirements.txt, uncomment:".into(),
            lines: vec!["[compose.redis]".into(), "version = \"7\"".into()],
        }];
        d
    }

    #[test]
    fn the_text_parses_back_to_the_values() {
        let d = sample();
        let text = manifest_text(&d);
        let loaded =
            crate::manifest::parse(&text, None).unwrap_or_else(|e| panic!("{text}\n{e:#?}"));
        let m = loaded.manifest;
        assert_eq!(m.name, "demo");
        assert_eq!(m.app.command, d.command.value);
        assert_eq!(m.app.ports, vec![8000]);
        assert_eq!(m.app.sources, d.sources.value);
        assert_eq!(m.app.env, d.env.value);
        assert_eq!(m.healthcheck.path.as_deref(), Some("/healthz"));
        assert_eq!(m.python.as_ref().unwrap().version, "3.12");
        assert!(m.compose.redis.is_none(), "suggestions stay commented out");
        crate::render::render(&m, "dgen.toml").expect("renders");
        assert!(text.starts_with("# Editor completion: run `dgen schema > dgen.schema.json`"));
        assert!(
            text.lines()
                .skip(1)
                .all(|l| l.len() <= WIDTH || !l.starts_with('#'))
        );
    }

    #[test]
    fn every_health_check_parses() {
        for (health, ports) in [
            (Health::Tcp, vec![8000]),
            (Health::Off, vec![]),
            (Health::Command(vec!["true".into()]), vec![]),
        ] {
            let mut d = sample();
            d.healthcheck = Detected::found(health, "x");
            d.ports = Detected::found(ports, "x");
            let text = manifest_text(&d);
            crate::manifest::parse(&text, None).unwrap_or_else(|e| panic!("{text}\n{e:#?}"));
        }
    }

    #[test]
    fn a_schema_file_in_the_project_is_named() {
        let mut d = sample();
        d.schema_file = Some("schemas/dgen.schema.json".into());
        assert!(manifest_text(&d).starts_with("#:schema ./schemas/dgen.schema.json\n"));
    }

    #[test]
    fn provenance_reads_well() {
        let d = Detected::found(1, "requirements.txt").because("flask app `app` in app.py.");
        assert_eq!(
            provenance(&d),
            "Flask app `app` in app.py. Detected from requirements.txt."
        );
        let d = Detected {
            value: 1,
            why: None,
            origin: Origin::Flag("--port"),
        };
        assert_eq!(provenance(&d), "Set with --port.");
    }
}

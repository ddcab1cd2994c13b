//! What the app needs at run time, detected after the stack's detector ran: the paths it writes
//! ([`super::writable`]), the settings it cannot start without ([`super::env`]), the backing
//! services its dependencies and settings show ([`super::services`]), and release steps hidden in
//! a Procfile or a start command's shell chain (`flask db upgrade && gunicorn …`).

use super::command::split_command;
use super::{Detected, Detection, ProjectFiles};
use crate::manifest::{StackName, Writable};

/// A value found in the project, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    /// The value.
    pub value: T,
    /// Where it was found and what it is, e.g. `app/__init__.py: Flask's instance folder`.
    pub from: String,
}

/// A backing service init enables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The table, e.g. `compose.postgres`.
    pub table: &'static str,
    /// Its `key = value` lines (TOML).
    pub lines: Vec<String>,
    /// Why, e.g. `psycopg is in requirements.txt`.
    pub why: String,
}

/// Everything the run-time pass found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeNeeds {
    /// `[app] writable`.
    pub writable: Vec<Found<Writable>>,
    /// `[app] env_required`.
    pub env_required: Vec<Found<String>>,
    /// `[app] release`, with where it came from.
    pub release: Option<Detected<Vec<Vec<String>>>>,
    /// Enabled backing services.
    pub services: Vec<Service>,
    /// `[compose] env_example`, when the project's own `.env.example` is in the way.
    pub env_example: Option<Detected<String>>,
}

impl RuntimeNeeds {
    /// Whether `.env` must set values (required settings, a database's password), which
    /// `dgen render` then lists in the env example file; Redis needs none.
    pub fn lists_env_values(&self) -> bool {
        !self.env_required.is_empty() || self.services.iter().any(|s| s.table != "compose.redis")
    }
}

/// Where dgen's list of the variables `.env` must set goes when the project has a
/// `.env.example` of its own (Laravel, many Node.js and Django templates): beside it, so that
/// `dgen render` neither refuses nor clobbers it.
pub fn env_example(detection: &mut Detection, files: &ProjectFiles) {
    let written = detection.runtime.lists_env_values();
    let theirs = files
        .read(".env.example")
        .is_some_and(|text| !crate::output::is_generated(text.as_bytes()));
    if written && theirs {
        detection.runtime.env_example = Some(
            Detected::found("docker.env.example".to_owned(), ".env.example").because(
                "the project's own .env.example is not dgen's: the variables compose needs are listed beside it",
            ),
        );
    }
}

/// Fills `detection.runtime` for the stacks it applies to (Python and Node.js).
pub fn enrich(detection: &mut Detection, files: &ProjectFiles) {
    let stack = detection.stack.value;
    if !matches!(stack, StackName::Python | StackName::Node) {
        return;
    }
    let code = super::env::SourceFiles::read(files, stack);
    release(detection, files);
    flask_app(detection, files);
    let (required, read) = super::env::detect(files, &code, stack);
    let set_by_image: Vec<String> = detection.env.value.keys().cloned().collect();
    detection.runtime.env_required = required
        .into_iter()
        .filter(|r| !set_by_image.contains(&r.value))
        .collect();
    let (writable, notes) = super::writable::detect(files, &code, stack);
    detection.notes.extend(notes);
    // A writable folder is data, not code: it leaves the sources (and a source folder that
    // holds it is fine: only the folder itself changes hands).
    let mut kept = Vec::new();
    for w in writable {
        let path = w.value.path().trim_end_matches('/').to_owned();
        let holds_source = detection
            .sources
            .value
            .iter()
            .any(|s| s.trim_end_matches('/') == path || s.starts_with(&format!("{path}/")));
        if holds_source {
            let before = detection.sources.value.len();
            detection
                .sources
                .value
                .retain(|s| s.trim_end_matches('/') != path);
            if detection.sources.value.len() < before
                && !detection
                    .sources
                    .value
                    .iter()
                    .any(|s| s.starts_with(&format!("{path}/")))
            {
                detection.notes.push(format!(
                    "`{path}` is where the app writes at run time, so it is a writable path (a volume), not a source copied into the image"
                ));
            } else {
                detection.notes.push(format!(
                    "the app writes in `{path}`, which holds sources: it was not made writable (the code must stay read-only, P17); move what the app writes to a folder of its own"
                ));
                continue;
            }
        }
        kept.push(w);
    }
    detection.runtime.writable = kept;
    let services = super::services::detect(files, stack, &read, &detection.runtime.env_required);
    // A service enabled here replaces its commented-out suggestion.
    detection.suggestions.retain(|s| {
        !services
            .iter()
            .any(|svc| s.lines.first() == Some(&format!("[{}]", svc.table)))
    });
    detection.runtime.services = services;
}

/// Splits a shell line on top-level `&&` and `;` (outside quotes). `None` when it holds other
/// shell syntax (pipes, redirections, `||`, substitutions, a lone `&`).
pub fn split_chain(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match quote {
            Some(q) => {
                if ch == q {
                    quote = None;
                } else if ch == '\\' && q == '"' {
                    current.push(ch);
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                    continue;
                }
                current.push(ch);
            }
            None => match ch {
                '\'' | '"' => {
                    quote = Some(ch);
                    current.push(ch);
                }
                '\\' => {
                    current.push(ch);
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                }
                ';' => parts.push(std::mem::take(&mut current)),
                '&' if chars.peek() == Some(&'&') => {
                    chars.next();
                    parts.push(std::mem::take(&mut current));
                }
                '&' | '|' | '<' | '>' | '`' | '(' | ')' => return None,
                '$' if chars.peek() == Some(&'(') => return None,
                _ => current.push(ch),
            },
        }
    }
    if quote.is_some() {
        return None;
    }
    parts.push(current);
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then_some(parts)
}

/// One simple command of a chain in exec form; `exec` and `set -e` are the shell's own.
fn simple(part: &str) -> Option<Vec<String>> {
    if part.contains('$') {
        return None;
    }
    let mut words = split_command(part)?;
    if words.first().is_some_and(|w| w == "exec") {
        words.remove(0);
    }
    (!words.is_empty()).then_some(words)
}

fn is_set_e(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    words.first() == Some(&"set") && words[1..].iter().all(|w| w.starts_with('-'))
}

/// Release steps: a Procfile `release:` line, and the steps before the server in a start
/// command chained with `&&` or `;` (`flask db upgrade; gunicorn …`), which then runs alone in
/// exec form.
fn release(detection: &mut Detection, files: &ProjectFiles) {
    let mut steps: Vec<Vec<String>> = Vec::new();
    let mut from = Vec::new();
    if let Some(text) = files.read("Procfile") {
        for line in text.lines() {
            let Some((kind, command)) = line.split_once(':') else {
                continue;
            };
            if kind.trim() != "release" {
                continue;
            }
            let parsed: Option<Vec<Vec<String>>> = split_chain(command.trim()).and_then(|parts| {
                parts
                    .iter()
                    .filter(|p| !is_set_e(p))
                    .map(|p| simple(p))
                    .collect()
            });
            match parsed {
                Some(parsed) => {
                    steps.extend(parsed);
                    from.push("the Procfile's release process".to_owned());
                    detection
                        .notes
                        .retain(|n| !n.starts_with("the Procfile's release step"));
                }
                None => detection.notes.push(format!(
                    "the Procfile's release step (`{}`) needs a shell: write it as [app] release steps by hand",
                    command.trim()
                )),
            }
        }
    }
    let command = detection.command.value.clone();
    // The chain: a `sh -c` command (a Procfile's), or the start script npm would run.
    let shell = command.len() == 3
        && matches!(command[0].as_str(), "sh" | "bash" | "/bin/sh")
        && command[1] == "-c";
    let start_script = || {
        files
            .read("package.json")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|p| p["scripts"]["start"].as_str().map(str::to_owned))
            .filter(|start| start.contains("&&") || start.contains(';'))
    };
    let chain = if shell {
        Some(command[2].clone())
    } else if matches!(
        command.first().map(String::as_str),
        Some("npm" | "yarn" | "pnpm")
    ) && command.last().map(String::as_str) == Some("start")
        && command.len() <= 3
    {
        start_script()
    } else {
        // The Node detector may already have taken the server out of the start script's chain
        // (`knex migrate:latest && node server.js` → `node server.js`): the steps before it
        // are still release steps.
        start_script().filter(|start| {
            split_chain(start)
                .and_then(|parts| parts.last().and_then(|last| simple(last)))
                .is_some_and(|last| last == command)
        })
    };
    if let Some(chain) = chain
        && let Some(parts) = split_chain(&chain)
        && parts.len() > 1
    {
        let parts: Vec<&String> = parts.iter().filter(|p| !is_set_e(p)).collect();
        let parsed: Option<Vec<Vec<String>>> = parts.iter().map(|p| simple(p)).collect();
        if let Some(mut parsed) = parsed
            && parsed.len() > 1
            && (shell || parsed.last().is_some_and(|l| l[0] == "node"))
            && (shell
                || parsed[..parsed.len() - 1]
                    .iter()
                    .any(|s| is_release_step(s)))
        {
            let server = parsed.pop().expect("more than one");
            let (release, other): (Vec<Vec<String>>, Vec<Vec<String>>) =
                parsed.into_iter().partition(|step| is_release_step(step));
            for step in &other {
                detection.notes.push(format!(
                    "`{}` ran before the server on every start; it looks like a build step, not a migration, so it is not run: a read-only container cannot write its output; add it to the image build, or to [app] release if it only changes the database",
                    super::command::join_command(step)
                ));
            }
            steps.extend(release);
            from.push(format!("the steps before the server in `{chain}`"));
            let origin = detection.command.origin.clone();
            detection.command = Detected {
                value: server,
                why: Some("the last command of the start chain, run alone in exec form".to_owned()),
                origin,
            };
            detection.notes.retain(|n| {
                !n.contains("needs a shell, so it runs under `sh -c`")
                    && !n.contains("does not run node directly")
            });
        }
    }
    if !steps.is_empty() {
        detection.runtime.release = Some(Detected::found(steps, from.join(" and ")));
    }
}

/// `FLASK_APP` for a `flask …` release step (`flask db upgrade`): the `flask` command finds the
/// app through `FLASK_APP`, which projects keep in `.flaskenv` (loaded by python-dotenv on a
/// developer's machine, but not a source copied into the image), or else only in `app.py` or
/// `wsgi.py`. Without it the step fails with "Could not locate a Flask application".
fn flask_app(detection: &mut Detection, files: &ProjectFiles) {
    if detection.stack.value != StackName::Python || detection.env.value.contains_key("FLASK_APP") {
        return;
    }
    let runs_flask = |step: &[String]| step.first().is_some_and(|p| p == "flask");
    let needs = detection
        .runtime
        .release
        .as_ref()
        .is_some_and(|r| r.value.iter().any(|s| runs_flask(s)));
    if !needs {
        return;
    }
    let from_flaskenv = files.read(".flaskenv").and_then(|text| {
        text.lines().find_map(|line| {
            let line = line.trim().trim_start_matches("export ").trim();
            let (key, value) = line.split_once('=')?;
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            (key.trim() == "FLASK_APP" && plain_flask_app(value)).then(|| value.to_owned())
        })
    });
    let (value, from) = match from_flaskenv {
        Some(value) => (value, ".flaskenv".to_owned()),
        None => {
            // Flask finds `app.py` and `wsgi.py` by itself; otherwise the module the server
            // serves (`gunicorn microblog:app` → `microblog:app`).
            if files.is_file("app.py") || files.is_file("wsgi.py") {
                return;
            }
            let command = &detection.command.value;
            let Some(target) = (command.first().map(String::as_str) == Some("gunicorn"))
                .then(|| {
                    command
                        .iter()
                        .skip(1)
                        .rev()
                        .find(|w| !w.starts_with('-') && w.contains(':'))
                })
                .flatten()
                .filter(|t| plain_flask_app(t) && !t.contains('('))
            else {
                return;
            };
            (target.clone(), "the app gunicorn serves".to_owned())
        }
    };
    detection
        .env
        .value
        .insert("FLASK_APP".to_owned(), value.clone());
    let note =
        format!("FLASK_APP = \"{value}\" ({from}) lets the release step's `flask` find the app");
    detection.env.why = Some(match detection.env.why.take() {
        Some(why) => format!("{why}; {note}"),
        None => note,
    });
}

/// A FLASK_APP value of a module path or file, with an optional `:app` or `:create_app()`.
fn plain_flask_app(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 200
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/()-".contains(c))
}

/// Whether a step before the server is a release step (it changes the database), rather than a
/// build step that writes files (collectstatic, translations, a compiler).
fn is_release_step(step: &[String]) -> bool {
    let text = step.join(" ").to_ascii_lowercase();
    [
        "migrat",
        "db upgrade",
        "db push",
        "alembic",
        "init-db",
        "init_db",
        "initdb",
        "create_db",
        "create-db",
        "createdb",
        "seed",
        "db:setup",
        "createcachetable",
    ]
    .iter()
    .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_split_outside_quotes() {
        assert_eq!(
            split_chain("flask db upgrade; flask translate compile; gunicorn app:app").unwrap(),
            vec![
                "flask db upgrade",
                "flask translate compile",
                "gunicorn app:app"
            ]
        );
        assert_eq!(
            split_chain("python manage.py migrate && gunicorn 'a;b' \"c && d\"").unwrap(),
            vec!["python manage.py migrate", "gunicorn 'a;b' \"c && d\""]
        );
        assert_eq!(split_chain("a | b"), None);
        assert_eq!(split_chain("a || b"), None);
        assert_eq!(split_chain("a > log"), None);
        assert_eq!(split_chain("a $(b)"), None);
        assert_eq!(split_chain("a & b"), None);
        assert_eq!(split_chain("'open"), None);
    }

    #[test]
    fn simple_commands_only() {
        assert_eq!(
            simple("exec gunicorn app:app").unwrap(),
            vec!["gunicorn", "app:app"]
        );
        assert_eq!(simple("echo $HOME"), None);
        assert!(is_set_e("set -e"));
        assert!(is_set_e("set -eu"));
        assert!(!is_set_e("settle"));
    }
}

//! `dgen check`: fail CI when generated files drift from their manifests.

use std::path::PathBuf;

use dgen::drift::{self, report};

use super::{ColorChoice, ExitStatus};

pub const AFTER_HELP: &str = "\
Examples:
  dgen check                          every dgen.toml under the current directory
  dgen check services/api/dgen.toml   one manifest
  dgen check --format github          annotations on the pull request
  dgen check --format sarif > drift.sarif

Formatting-only differences (whitespace, line continuations, comments, keyword case, key
order) do not fail unless --strict. A file rendered by another dgen version is a note, not
drift, unless --fail-on-version. Exit status: 0 current, 1 drift, 2 error.";

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    Human,
    /// JSON, format version 1 (see the README).
    Json,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// SARIF 2.1.0 for code-scanning upload.
    Sarif,
}

/// Arguments of `dgen check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifests, or directories searched for dgen.toml (honouring .gitignore).
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    /// Fail on formatting-only differences too.
    #[arg(long)]
    strict: bool,
    /// Also report manifests that are up to date.
    #[arg(short, long)]
    verbose: bool,
    /// The report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Template overrides to render with, instead of each manifest's `[templates] dir`.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Fail when a file was rendered by another dgen version (by default a note). Also set by
    /// the environment variable DGEN_FAIL_ON_VERSION=1.
    #[arg(long)]
    fail_on_version: bool,
}

/// Whether DGEN_FAIL_ON_VERSION asks to fail on another dgen version: `1`/`true`/`yes`.
fn fail_on_version_env() -> Result<bool, String> {
    match std::env::var("DGEN_FAIL_ON_VERSION") {
        Err(std::env::VarError::NotPresent) => Ok(false),
        Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
            "" | "0" | "false" | "no" => Ok(false),
            "1" | "true" | "yes" => Ok(true),
            _ => Err(format!(
                "DGEN_FAIL_ON_VERSION must be 1/true/yes or 0/false/no, not {value:?}"
            )),
        },
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("DGEN_FAIL_ON_VERSION is not valid UTF-8".to_owned())
        }
    }
}

pub fn run(args: Args, color: ColorChoice) -> ExitStatus {
    let fail_on_version = match fail_on_version_env() {
        Ok(from_env) => args.fail_on_version || from_env,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitStatus::Error;
        }
    };
    // Walk on past what cannot be read: each unreadable path becomes an error report (exit 2),
    // and every readable manifest is still judged.
    let found = drift::discover_all(&args.paths);
    if found.manifests.is_empty() && found.errors.is_empty() {
        eprintln!(
            "error: no dgen.toml found under {}",
            show_paths(&args.paths)
        );
        return ExitStatus::Error;
    }
    let mut reports = drift::check_all(&found.manifests, color.stderr(), args.templates.as_deref());
    if fail_on_version {
        drift::version::fail_on_version(&mut reports);
    }
    for (path, message) in found.errors {
        reports.push(drift::ManifestDrift {
            manifest: path.clone(),
            files: Vec::new(),
            error: Some(format!(
                "error: cannot read {}: {message}\n",
                path.display()
            )),
        });
    }
    let base = std::env::current_dir().unwrap_or_default();
    let text = match args.format {
        Format::Human => report::human(&reports, args.strict, args.verbose, &base),
        Format::Json => report::json(&reports, args.strict, &base),
        Format::Github => report::github(&reports, args.strict, &base),
        Format::Sarif => report::sarif(&reports, args.strict, &base),
    };
    print!("{text}");
    if !fail_on_version {
        match args.format {
            Format::Human => eprint!("{}", drift::version::human_notes(&reports, &base)),
            Format::Github => print!("{}", drift::version::github_notes(&reports, &base)),
            Format::Json | Format::Sarif => {}
        }
    }
    let mut status = ExitStatus::Success;
    for report in &reports {
        if let Some(error) = &report.error {
            if args.format == Format::Human {
                eprint!("{error}");
            }
            status = ExitStatus::Error;
        } else if report.fails(args.strict) && status == ExitStatus::Success {
            status = ExitStatus::Findings;
        }
    }
    if args.format == Format::Human && args.verbose {
        let drifted = reports.iter().filter(|r| r.fails(args.strict)).count();
        eprintln!("checked {} manifest(s): {drifted} drifted", reports.len());
    }
    status
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

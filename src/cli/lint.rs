//! `dgen lint`: the practice verdicts on any Dockerfile, no manifest needed.

use std::path::PathBuf;

use dgen::lint::{self, report};

use super::ExitStatus;
use super::check::Format;

pub const AFTER_HELP: &str = "\
Examples:
  dgen lint                       every Dockerfile under the current directory (honours .gitignore)
  dgen lint Dockerfile api/Dockerfile.prod
  dgen lint --format github       one annotation per practice per file, on the pull request
  dgen lint --format sarif > lint.sarif
  dgen explain user-root          why a rule matters and how to fix it (also: dgen explain P15)

Files named Dockerfile, Dockerfile.*, *.Dockerfile and Containerfile are judged. Exit status:
0 nothing found, 1 findings, 2 a path could not be read (every readable file is still judged).";

/// Arguments of `dgen lint`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dockerfiles, or directories searched for them.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    /// The report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(args: Args) -> ExitStatus {
    let targets = lint::walk(&args.paths);
    let reports = lint::lint_targets(&targets);
    let base = std::env::current_dir().unwrap_or_default();
    let text = match args.format {
        Format::Human => report::human(&reports, &base),
        Format::Json => report::json(&reports, &base),
        Format::Github => report::github(&reports, &base),
        Format::Sarif => report::sarif(&reports, &base),
    };
    print!("{text}");
    if reports.is_empty() {
        eprintln!("warning: no Dockerfile found");
    }
    if reports.iter().any(|r| r.error.is_some()) {
        ExitStatus::Error
    } else if reports.iter().any(lint::FileReport::has_findings) {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

//! `dgen explain RULE|PID`: why a rule or practice matters, and how to fix it.

use super::ExitStatus;

pub const AFTER_HELP: &str = "\
Examples:
  dgen explain user-root     a rule, as named in lint and check reports
  dgen explain P15           a practice, with every rule that checks it";

/// Arguments of `dgen explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule id (`user-root`) or a practice ID (`P15`).
    #[arg(value_name = "RULE|PID")]
    what: String,
}

pub fn run(args: Args) -> ExitStatus {
    match dgen::lint::explain::explain(&args.what) {
        Some(text) => {
            print!("{text}");
            ExitStatus::Success
        }
        None => {
            eprintln!(
                "error: unknown rule or practice `{}`; known: P01–P21, {}",
                args.what,
                dgen::lint::explain::known().join(", ")
            );
            ExitStatus::Error
        }
    }
}

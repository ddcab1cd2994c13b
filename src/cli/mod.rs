//! Argument parsing and dispatch.

mod check;
mod diff;
mod explain;
mod init;
mod lint;
mod lock;
mod render;
mod schema;
mod style;
mod templates;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use style::ColorChoice;

/// How `dgen` exits: 0 when all is well, 1 when it found something (drift), 2 on an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing to report.
    Success,
    /// Findings: drift, or files that differ.
    Findings,
    /// An error: a bad manifest, an unreadable file, a refused write.
    Error,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        })
    }
}

const AFTER_HELP: &str = "\
Examples:
  dgen init                        detect the project and write a commented dgen.toml
  dgen render                      write Dockerfile, .dockerignore and compose.yaml next to ./dgen.toml
  dgen render -m services/api/dgen.toml --stdout --only dockerfile
  dgen check                       fail (exit 1) when generated files drift from their manifests
  dgen diff                        show the drift as a unified diff
  dgen lint                        judge any Dockerfiles against the practices (no manifest)
  dgen explain P15                 why a practice or rule matters, and the fix
  dgen lock                        pin the base images by digest in dgen.lock
  dgen schema > dgen.schema.json   JSON Schema for editor completion

Exit status: 0 ok, 1 findings (drift), 2 error (bad manifest, I/O).";

/// Generate best-practice Dockerfile, .dockerignore and compose.yaml from dgen.toml, and keep
/// them from drifting.
#[derive(Debug, Parser)]
#[command(name = "dgen", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// When to colour output: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Detect the project and write a commented dgen.toml.
    #[command(after_help = init::AFTER_HELP)]
    Init(init::Args),
    /// Render the files a manifest describes.
    #[command(after_help = render::AFTER_HELP)]
    Render(render::Args),
    /// Fail when generated files drift from their manifests (for CI).
    #[command(after_help = check::AFTER_HELP)]
    Check(check::Args),
    /// Show how generated files on disk differ from what their manifest renders.
    #[command(after_help = diff::AFTER_HELP)]
    Diff(diff::Args),
    /// Pin the base images by digest in dgen.lock (resolved through their registries).
    #[command(after_help = lock::AFTER_HELP)]
    Lock(lock::Args),
    /// List or print the built-in templates, to start a team override from.
    #[command(after_help = templates::AFTER_HELP)]
    Templates(templates::Args),
    /// Judge any Dockerfiles against the practices (no manifest needed).
    #[command(after_help = lint::AFTER_HELP)]
    Lint(lint::Args),
    /// Explain a rule or a practice: why it matters and how to fix it.
    #[command(after_help = explain::AFTER_HELP)]
    Explain(explain::Args),
    /// Print the manifest's JSON Schema (for editors: taplo, Even Better TOML).
    #[command(after_help = schema::AFTER_HELP)]
    Schema(schema::Args),
}

/// The manifest option shared by commands.
#[derive(Debug, clap::Args)]
pub struct ManifestArg {
    /// The manifest to read.
    #[arg(short, long, value_name = "PATH", default_value = "dgen.toml")]
    manifest: PathBuf,
}

/// Parses the command line and runs the command.
pub fn run() -> ExitStatus {
    let cli = Cli::parse();
    let color = cli.color;
    match cli.command {
        Command::Init(args) => init::run(args, color),
        Command::Render(args) => render::run(args, color),
        Command::Schema(args) => schema::run(args),
        Command::Check(args) => check::run(args, color),
        Command::Templates(args) => templates::run(args),
        Command::Diff(args) => diff::run(args, color),
        Command::Lint(args) => lint::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Lock(args) => lock::run(args, color),
    }
}

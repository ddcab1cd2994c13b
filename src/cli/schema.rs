//! `dgen schema`: print the manifest's JSON Schema.

use super::ExitStatus;

pub const AFTER_HELP: &str = "\
Examples:
  dgen schema > schemas/dgen.schema.json
  # then, as the first line of dgen.toml, for taplo / Even Better TOML:
  #:schema ./schemas/dgen.schema.json";

/// Arguments of `dgen schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> ExitStatus {
    print!("{}", dgen::manifest::schema_text());
    ExitStatus::Success
}

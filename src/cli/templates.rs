//! `dgen templates`: the built-in templates, to start an override from.

use super::ExitStatus;

pub const AFTER_HELP: &str = "\
Examples:
  dgen templates list
  dgen templates show python/Dockerfile.j2 > team-templates/python/Dockerfile.j2

An override directory ([templates] dir in dgen.toml, or --templates) holds files under the same
names. A file there replaces the built-in one whole; or it extends it and replaces named blocks:

  {% extends \"builtin:python/Dockerfile.j2\" %}
  {% block healthcheck %}HEALTHCHECK CMD [\"python\", \"-m\", \"myapp.health\"]{% endblock %}";

/// Arguments of `dgen templates`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List the built-in templates.
    List,
    /// Print a built-in template.
    Show {
        /// The template's name, as `dgen templates list` prints it.
        name: String,
    },
}

pub fn run(args: Args) -> ExitStatus {
    match args.command {
        Command::List => {
            for name in dgen::render::builtin_templates() {
                println!("{name}");
            }
            ExitStatus::Success
        }
        Command::Show { name } => {
            let name = name.trim_start_matches("builtin:");
            match dgen::render::builtin_template(name) {
                Some(text) => {
                    print!("{text}");
                    ExitStatus::Success
                }
                None => {
                    eprintln!(
                        "error: no built-in template `{name}`; `dgen templates list` shows them"
                    );
                    ExitStatus::Error
                }
            }
        }
    }
}

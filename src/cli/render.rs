//! `dgen render`: write the generated files.

use std::io::Write;
use std::path::PathBuf;

use dgen::output;
use dgen::project::Project;
use dgen::render::FileKind;

use super::{ColorChoice, ExitStatus, ManifestArg};

pub const AFTER_HELP: &str = "\
Examples:
  dgen render                                  next to ./dgen.toml
  dgen render -m services/api/dgen.toml        next to that manifest
  dgen render --out build/docker               into a directory inside the project
  dgen render --stdout --only dockerfile       print the Dockerfile, write nothing
  dgen render --force                          also replace files dgen did not write

A file that exists without dgen's generated-by header was written by hand: render refuses to
replace it (exit 2, nothing written) unless --force; `dgen diff` shows the difference.";

/// Which output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    /// The Dockerfile.
    Dockerfile,
    /// The .dockerignore.
    Dockerignore,
    /// The compose.yaml.
    Compose,
    /// The compose.debug.yaml and .vscode/launch.json.
    Debug,
    /// The CI workflow.
    Ci,
    /// The README.Docker.md.
    Readme,
}

impl Only {
    fn matches(self, kind: FileKind) -> bool {
        match self {
            Only::Dockerfile => kind == FileKind::Dockerfile,
            Only::Dockerignore => kind == FileKind::DockerIgnore,
            Only::Compose => matches!(
                kind,
                FileKind::Compose | FileKind::ComposeBuild | FileKind::EnvExample
            ),
            Only::Debug => matches!(kind, FileKind::ComposeDebug | FileKind::VsCodeLaunch),
            Only::Ci => kind == FileKind::CiWorkflow,
            Only::Readme => kind == FileKind::ReadmeDocker,
        }
    }
}

/// Arguments of `dgen render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    /// Write into this directory (inside the project) instead of next to the manifest.
    #[arg(short, long, value_name = "DIR", conflicts_with = "stdout")]
    out: Option<PathBuf>,
    /// Print the files instead of writing them.
    #[arg(long)]
    stdout: bool,
    /// Only these files (repeat, or separate with commas).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Only>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
    /// Template overrides, instead of the manifest's `[templates] dir`.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Replace files that dgen did not write (without its generated-by header). See the
    /// difference first with `dgen diff`.
    #[arg(long, conflicts_with = "stdout")]
    force: bool,
}

pub fn run(args: Args, color: ColorChoice) -> ExitStatus {
    let err_color = color.stderr();
    let project = match Project::load(&args.manifest.manifest) {
        Ok(project) => project,
        Err(error) => {
            eprint!("{}", error.render(err_color));
            return ExitStatus::Error;
        }
    };
    if !project.loaded.warnings.is_empty() && !args.quiet {
        eprint!("{}", project.render_warnings(err_color));
    }
    let files = match project.render_with(args.templates.as_deref()) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Error;
        }
    };
    if !args.quiet
        && let Some(status) = project.lock_status(&files)
    {
        for message in status.messages() {
            eprintln!("warning: {message}");
        }
    }
    let files: Vec<_> = files
        .into_iter()
        .filter(|f| args.only.is_empty() || args.only.iter().any(|o| o.matches(f.kind)))
        .collect();
    if args.stdout {
        let mut stdout = std::io::stdout().lock();
        let many = files.len() > 1;
        for file in &files {
            if many {
                let _ = writeln!(stdout, "# ==> {} <==", file.path);
            }
            let _ = stdout.write_all(file.contents.as_bytes());
        }
        return ExitStatus::Success;
    }
    // Nothing is created or written until every target is known to be allowed: `--out` is not
    // created here, but with the files, by the same transaction.
    let out_dir = args.out.clone().unwrap_or_else(|| project.dir.clone());
    let pending: Vec<output::Pending<'_>> = files
        .iter()
        .map(|f| output::Pending {
            name: &f.path,
            contents: f.contents.as_bytes(),
        })
        .collect();
    match output::write_all(&project.dir, &out_dir, &pending, args.force) {
        Ok(done) => {
            if !args.quiet {
                for path in &done.cleaned {
                    eprintln!("removed {} (left by an interrupted render)", path.display());
                }
                for path in &done.written {
                    eprintln!("wrote {}", path.display());
                }
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Error;
        }
    }
    ExitStatus::Success
}

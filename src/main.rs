//! The `dgen` command line. All I/O and exit codes live here; the pipeline is in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run().into()
}

//! `dgen diff`: show how the files on disk differ from what the manifest renders.

use std::path::PathBuf;

use dgen::drift::{self, FileStatus, report};
use similar::{ChangeTag, TextDiff};

use super::{ColorChoice, ExitStatus};

pub const AFTER_HELP: &str = "\
Examples:
  dgen diff                          next to ./dgen.toml
  dgen diff services/               every manifest under services/
  dgen diff --color always | less -R

The diff goes from the file on disk (---) to what `dgen render` would write (+++).
Exit status: 0 no differences, 1 differences, 2 error.";

/// Arguments of `dgen diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A manifest, or a directory searched for dgen.toml.
    #[arg(value_name = "PATH", default_value = "dgen.toml")]
    path: PathBuf,
    /// Lines of context around each change.
    #[arg(short = 'U', long, default_value_t = 3)]
    context: usize,
    /// Template overrides to render with, instead of the manifest's `[templates] dir`.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

pub fn run(args: Args, color: ColorChoice) -> ExitStatus {
    let manifests = match drift::discover(std::slice::from_ref(&args.path)) {
        Ok(found) if !found.is_empty() => found,
        Ok(_) => {
            eprintln!("error: no dgen.toml found under {}", args.path.display());
            return ExitStatus::Error;
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Error;
        }
    };
    let paint = color.stdout();
    let base = std::env::current_dir().unwrap_or_default();
    let mut status = ExitStatus::Success;
    let mut out = String::new();
    for manifest in &manifests {
        let report = drift::check_manifest(manifest, color.stderr(), args.templates.as_deref());
        if let Some(error) = &report.error {
            eprint!("{error}");
            status = ExitStatus::Error;
            continue;
        }
        for file in &report.files {
            if file.status == FileStatus::Current {
                continue;
            }
            if status == ExitStatus::Success {
                status = ExitStatus::Findings;
            }
            let path = report::display_path(&file.path, &base);
            let summary: Vec<String> = file
                .findings
                .iter()
                .map(|f| match f.line {
                    Some(line) => format!("# {path}:{line}: {}", f.message),
                    None => format!("# {path}: {}", f.message),
                })
                .collect();
            for line in summary {
                push(&mut out, paint, CYAN, &line);
            }
            let actual = file.actual.as_deref().unwrap_or("");
            let diff = TextDiff::from_lines(actual, file.expected.as_str());
            let old_name = if file.actual.is_some() {
                format!("{path} (on disk)")
            } else {
                "/dev/null".to_owned()
            };
            let new_name = format!("{path} (from {})", report::display_path(manifest, &base));
            push(&mut out, paint, BOLD, &format!("--- {old_name}"));
            push(&mut out, paint, BOLD, &format!("+++ {new_name}"));
            for group in diff.grouped_ops(args.context) {
                let (first, last) = (group.first().unwrap(), group.last().unwrap());
                let old = first.old_range().start..last.old_range().end;
                let new = first.new_range().start..last.new_range().end;
                push(
                    &mut out,
                    paint,
                    CYAN,
                    &format!(
                        "@@ -{},{} +{},{} @@",
                        old.start + 1,
                        old.len(),
                        new.start + 1,
                        new.len()
                    ),
                );
                for op in &group {
                    for change in diff.iter_changes(op) {
                        let (sign, style) = match change.tag() {
                            ChangeTag::Delete => ('-', RED),
                            ChangeTag::Insert => ('+', GREEN),
                            ChangeTag::Equal => (' ', ""),
                        };
                        let text = change.value().trim_end_matches(['\n', '\r']);
                        push(&mut out, paint, style, &format!("{sign}{text}"));
                        if change.missing_newline() {
                            out.push_str("\\ No newline at end of file\n");
                        }
                    }
                }
            }
        }
    }
    print!("{out}");
    status
}

fn push(out: &mut String, paint: bool, style: &str, line: &str) {
    if paint && !style.is_empty() {
        out.push_str(style);
        out.push_str(line);
        out.push_str(RESET);
    } else {
        out.push_str(line);
    }
    out.push('\n');
}

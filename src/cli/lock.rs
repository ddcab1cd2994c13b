//! `dgen lock`: pin the base images by digest in `dgen.lock`.

use std::path::PathBuf;
use std::time::Duration;

use dgen::lock::reference::Reference;
use dgen::lock::registry::Client;
use dgen::lock::{self, Entry, LOCK_NAME, Lock};
use dgen::output;
use dgen::project::Project;
use dgen::render::FileKind;

use super::{ColorChoice, ExitStatus, ManifestArg};

pub const AFTER_HELP: &str = "\
Examples:
  dgen lock                  resolve the base images dgen.lock lacks, drop unused entries
  dgen lock --update         move every entry to its tag's current digest
  dgen lock --check          exit 1 when dgen.lock does not match dgen.toml (no network)

dgen.lock sits next to dgen.toml; `dgen render` then writes `FROM image:tag@sha256:…` from it,
without the network. Registries on this machine (localhost, 127.0.0.1, ::1) are spoken to over
plain HTTP, every other one over HTTPS, with anonymous bearer tokens.
Exit status: 0 ok, 1 (--check) lock out of date, 2 error (nothing written).";

/// Arguments of `dgen lock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    /// Resolve every image again and move entries whose tag now names another digest.
    #[arg(long, conflicts_with = "check")]
    update: bool,
    /// Only report whether dgen.lock matches dgen.toml; no network, nothing written.
    #[arg(long)]
    check: bool,
    /// Seconds each registry request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    timeout: f64,
    /// Template overrides, instead of the manifest's `[templates] dir`.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
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
    let files = match project.render_unpinned(args.templates.as_deref()) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Error;
        }
    };
    let Some(dockerfile) = files.iter().find(|f| f.kind == FileKind::Dockerfile) else {
        eprintln!("error: the manifest renders no Dockerfile");
        return ExitStatus::Error;
    };
    let images = lock::lockable_images(&dockerfile.contents);
    let old = match project.lock() {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Error;
        }
    };
    let lock_path = project.dir.join(LOCK_NAME);
    if args.check {
        let Some(old) = old else {
            eprintln!("{} is missing: run `dgen lock`", lock_path.display());
            return ExitStatus::Findings;
        };
        let status = lock::status(&dockerfile.contents, &old);
        for message in status.messages() {
            eprintln!("{message}");
        }
        return if status.is_current() {
            ExitStatus::Success
        } else {
            ExitStatus::Findings
        };
    }
    if !(args.timeout > 0.0 && args.timeout.is_finite() && args.timeout <= 3600.0) {
        eprintln!("error: --timeout must be between 0 and 3600 seconds");
        return ExitStatus::Error;
    }
    let old = old.unwrap_or_default();
    let client = Client::new(Duration::from_secs_f64(args.timeout));
    let platforms = !project.loaded.manifest.image.platforms.is_empty();
    let mut entries: Vec<Entry> = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for image in &images {
        let previous = old.images.iter().find(|e| &e.reference == image);
        if let Some(previous) = previous
            && !args.update
        {
            entries.push(previous.clone());
            continue;
        }
        let reference = match Reference::parse(image) {
            Ok(reference) => reference,
            Err(error) => {
                errors.push(format!("cannot resolve {image}: {error}"));
                continue;
            }
        };
        match client.resolve(&reference) {
            Ok(resolved) => {
                if platforms && !resolved.is_index() {
                    notes.push(format!(
                        "warning: {image} is a single-platform image ({}), but [image] platforms asks for several",
                        resolved.media_type
                    ));
                }
                match previous {
                    Some(p) if p.digest == resolved.digest => {
                        entries.push(p.clone());
                    }
                    Some(p) => {
                        notes.push(format!(
                            "moved {image}: {} -> {}",
                            p.digest, resolved.digest
                        ));
                        entries.push(Entry {
                            reference: image.clone(),
                            digest: resolved.digest,
                            resolved_at: lock::now_rfc3339(),
                        });
                    }
                    None => {
                        notes.push(format!("pinned {image}@{}", resolved.digest));
                        entries.push(Entry {
                            reference: image.clone(),
                            digest: resolved.digest,
                            resolved_at: lock::now_rfc3339(),
                        });
                    }
                }
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("error: {error}");
        }
        eprintln!("error: nothing was written to {}", lock_path.display());
        return ExitStatus::Error;
    }
    for entry in &old.images {
        if !images.contains(&entry.reference) {
            notes.push(format!("dropped {} (no longer used)", entry.reference));
        }
    }
    entries.sort_by(|a, b| a.reference.cmp(&b.reference));
    let new = Lock { images: entries };
    let text = new.to_text();
    let unchanged = std::fs::read_to_string(&lock_path).is_ok_and(|t| t == text);
    if !args.quiet {
        for note in &notes {
            eprintln!("{note}");
        }
    }
    if unchanged {
        if !args.quiet {
            eprintln!("{} is current", lock_path.display());
        }
        return ExitStatus::Success;
    }
    let target = match output::checked_target(&project.dir, &project.dir, LOCK_NAME) {
        Ok(target) => target,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitStatus::Error;
        }
    };
    if let Err(error) = output::write_atomic(&target, text.as_bytes()) {
        eprintln!("error: {error}");
        return ExitStatus::Error;
    }
    if !args.quiet {
        eprintln!(
            "wrote {} ({} image{}); run `dgen render` to pin the Dockerfile",
            lock_path.display(),
            new.images.len(),
            if new.images.len() == 1 { "" } else { "s" }
        );
    }
    ExitStatus::Success
}

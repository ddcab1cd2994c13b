//! Finding manifests: a path names a manifest file, or a directory searched for `dgen.toml`
//! files, honouring `.gitignore` (and `.ignore`) the way git does.

use std::io;
use std::path::{Path, PathBuf};

use crate::project::MANIFEST_NAME;

/// The manifests named by `paths`, sorted and without duplicates.
pub fn discover(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let found = discover_all(paths);
    match found.errors.into_iter().next() {
        Some((path, message)) => Err(io::Error::other(format!("{}: {message}", path.display()))),
        None => Ok(found.manifests),
    }
}

/// What [`discover_all`] found: every manifest it could reach, and every path it could not read.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The manifests, sorted and without duplicates.
    pub manifests: Vec<PathBuf>,
    /// Paths that could not be read (a missing argument, an unreadable directory), with why.
    pub errors: Vec<(PathBuf, String)>,
}

/// Like [`discover`], but walks on past what it cannot read: an unreadable directory is
/// reported in [`Discovered::errors`] and every readable manifest is still found. A `dgen.toml`
/// that is a symlink is listed too (reading it then says whether it can be read).
pub fn discover_all(paths: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => out.manifests.push(path.clone()),
            Ok(_) => walk_on(path, &mut out),
            Err(e) => out.errors.push((path.clone(), e.to_string())),
        }
    }
    out.manifests.sort();
    out.manifests.dedup();
    out
}

fn walk_on(dir: &Path, out: &mut Discovered) {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| e.file_name() != "node_modules" && e.file_name() != "target")
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let kind = entry.file_type();
                if entry.file_name() == MANIFEST_NAME
                    && kind.is_some_and(|t| t.is_file() || t.is_symlink())
                {
                    out.manifests.push(entry.into_path());
                }
            }
            Err(error) => {
                let path = error_path(&error).unwrap_or_else(|| dir.to_owned());
                out.errors.push((path, error.to_string()));
            }
        }
    }
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_manifests_and_honours_gitignore() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path();
        for dir in ["a", "b/c", "ignored", "node_modules/x"] {
            std::fs::create_dir_all(p.join(dir)).unwrap();
            std::fs::write(p.join(dir).join("dgen.toml"), "").unwrap();
        }
        std::fs::write(p.join(".gitignore"), "ignored/\n").unwrap();
        let found = discover(&[p.to_owned()]).unwrap();
        let rel: Vec<_> = found
            .iter()
            .map(|f| f.strip_prefix(p).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a/dgen.toml", "b/c/dgen.toml"]);
    }
}

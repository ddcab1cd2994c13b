//! Finding manifests: a path names a manifest file, or a directory searched for `dgen.toml`
//! files, honouring `.gitignore` (and `.ignore`) the way git does.

use std::io;
use std::path::{Path, PathBuf};

use crate::project::MANIFEST_NAME;

/// The manifests named by `paths`, sorted and without duplicates.
pub fn discover(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        if meta.is_file() {
            found.push(path.clone());
            continue;
        }
        walk(path, &mut found)?;
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| e.file_name() != "node_modules" && e.file_name() != "target")
        .build();
    for entry in walker {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_name() == MANIFEST_NAME && entry.file_type().is_some_and(|t| t.is_file()) {
            found.push(entry.into_path());
        }
    }
    Ok(())
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

//! Writing generated files safely: only inside the project directory, never through a symlink
//! that leads out of it, and atomically (a temporary file renamed into place), so an interrupted
//! render never leaves a half-written file.

use std::fmt;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Why a file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The target is outside the project directory.
    Outside {
        /// The path asked for.
        path: PathBuf,
        /// The project directory.
        root: PathBuf,
    },
    /// An I/O error.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Outside { path, root } => write!(
                f,
                "refusing to write {}: it is outside the project directory {} (or reached through a symlink that leads out of it)",
                path.display(),
                root.display()
            ),
            WriteError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for WriteError {}

/// Whether a relative path stays below its base (no absolute part, no `..` above it).
fn stays_below(relative: &Path) -> bool {
    let mut depth = 0i64;
    for component in relative.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Resolves `dir/name` for writing and checks that it stays inside `root` once every symlink
/// on the way (the file itself included) is followed.
pub fn checked_target(root: &Path, dir: &Path, name: &str) -> Result<PathBuf, WriteError> {
    let io_err = |path: &Path, source| WriteError::Io {
        path: path.to_owned(),
        source,
    };
    let outside = |path: PathBuf| WriteError::Outside {
        path,
        root: root.to_owned(),
    };
    let root_real = root.canonicalize().map_err(|e| io_err(root, e))?;
    if !stays_below(Path::new(name)) {
        return Err(outside(dir.join(name)));
    }
    let dir_real = dir.canonicalize().map_err(|e| io_err(dir, e))?;
    if !dir_real.starts_with(&root_real) {
        return Err(outside(dir.join(name)));
    }
    // A file in a subdirectory (`.vscode/launch.json`): create the directories, then make sure
    // none of them is a symlink that leads out.
    let (parent_real, file_name) = match Path::new(name).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            let parent_path = dir_real.join(parent);
            std::fs::create_dir_all(&parent_path).map_err(|e| io_err(&parent_path, e))?;
            let real = parent_path
                .canonicalize()
                .map_err(|e| io_err(&parent_path, e))?;
            if !real.starts_with(&root_real) {
                return Err(outside(dir.join(name)));
            }
            let file = Path::new(name).file_name().unwrap_or_default().to_owned();
            (real, file)
        }
        _ => (dir_real.clone(), std::ffi::OsString::from(name)),
    };
    let target = parent_real.join(file_name);
    // A symlink at the target is followed by readers; refuse one that leads out of the project.
    if let Ok(meta) = std::fs::symlink_metadata(&target)
        && meta.file_type().is_symlink()
    {
        let resolved = target.canonicalize().ok();
        match resolved {
            Some(real) if real.starts_with(&root_real) => return Ok(real),
            _ => return Err(outside(target)),
        }
    }
    Ok(target)
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed,
/// then renamed over the target. Keeps the target's permissions when it exists.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".dgen-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err)?;
    temp.write_all(contents).map_err(io_err)?;
    temp.as_file().sync_all().map_err(io_err)?;
    if let Ok(meta) = std::fs::metadata(path) {
        temp.as_file()
            .set_permissions(meta.permissions())
            .map_err(io_err)?;
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(io_err)?;
        }
    }
    temp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_project() {
        let root = tempfile::tempdir().unwrap();
        assert!(matches!(
            checked_target(root.path(), root.path(), "../x"),
            Err(WriteError::Outside { .. })
        ));
        assert!(checked_target(root.path(), root.path(), "Dockerfile").is_ok());
        let nested = checked_target(root.path(), root.path(), ".github/workflows/x.yml").unwrap();
        assert!(nested.ends_with(".github/workflows/x.yml"));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlink_that_leads_out() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("t"), root.path().join("Dockerfile"))
            .unwrap();
        assert!(matches!(
            checked_target(root.path(), root.path(), "Dockerfile"),
            Err(WriteError::Outside { .. })
        ));
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join(".vscode")).unwrap();
        assert!(matches!(
            checked_target(root.path(), root.path(), ".vscode/launch.json"),
            Err(WriteError::Outside { .. })
        ));
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("out")).unwrap();
        assert!(matches!(
            checked_target(root.path(), &root.path().join("out"), "Dockerfile"),
            Err(WriteError::Outside { .. })
        ));
    }

    #[test]
    fn atomic_write_replaces_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }
}

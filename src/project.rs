//! A project: a manifest file on disk and the directory it governs. Loading reads the file and
//! runs the validation pipeline; rendering produces the files that belong next to it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::{self, Diagnostic};
use crate::manifest::{self, Loaded};
use crate::render::{RenderError, RenderedFile, Renderer};

/// The default manifest file name.
pub const MANIFEST_NAME: &str = "dgen.toml";

/// A manifest file that passed validation.
#[derive(Debug, Clone)]
pub struct Project {
    /// The manifest's path, as given.
    pub manifest_path: PathBuf,
    /// The directory holding the manifest: the project (and build context) directory.
    pub dir: PathBuf,
    /// The manifest text.
    pub text: String,
    /// The validated manifest and its warnings.
    pub loaded: Loaded,
}

/// Why a project could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The manifest could not be read.
    Io {
        /// Its path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The manifest has problems.
    Invalid {
        /// Its path.
        path: PathBuf,
        /// Its text.
        text: String,
        /// Every problem found.
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// The error as text: diagnostics with file, line, column and caret.
    pub fn render(&self, color: bool) -> String {
        match self {
            LoadError::Io { path, source } => {
                format!("error: cannot read {}: {source}\n", path.display())
            }
            LoadError::Invalid {
                path,
                text,
                diagnostics,
            } => {
                let mut out =
                    diagnostic::render(&path.display().to_string(), text, diagnostics, color);
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                out.push_str(&format!(
                    "error: {} has {errors} problem{}; nothing was written\n",
                    path.display(),
                    if errors == 1 { "" } else { "s" }
                ));
                out
            }
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for LoadError {}

impl Project {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Project, LoadError> {
        let bytes = read_limited(path, manifest::MAX_MANIFEST_BYTES as u64).map_err(|source| {
            LoadError::Io {
                path: path.to_owned(),
                source,
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|e| LoadError::Io {
            path: path.to_owned(),
            source: io::Error::new(io::ErrorKind::InvalidData, e.utf8_error()),
        })?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        match manifest::parse(&text, Some(&dir)) {
            Ok(loaded) => Ok(Project {
                manifest_path: path.to_owned(),
                dir,
                text,
                loaded,
            }),
            Err(diagnostics) => Err(LoadError::Invalid {
                path: path.to_owned(),
                text,
                diagnostics,
            }),
        }
    }

    /// The manifest's file name, as the generated headers name it.
    pub fn manifest_name(&self) -> String {
        self.manifest_path.file_name().map_or_else(
            || MANIFEST_NAME.to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// The warnings, rendered.
    pub fn render_warnings(&self, color: bool) -> String {
        diagnostic::render(
            &self.manifest_path.display().to_string(),
            &self.text,
            &self.loaded.warnings,
            color,
        )
    }

    /// Renders the project's files, with the manifest's template overrides if it names some.
    pub fn render(&self) -> Result<Vec<RenderedFile>, RenderError> {
        self.render_with(None)
    }

    /// Renders the project's files; `templates` (a directory of overrides) wins over the
    /// manifest's `[templates] dir`.
    /// A `dgen.lock` next to the manifest pins the Dockerfile's base images by digest.
    pub fn render_with(&self, templates: Option<&Path>) -> Result<Vec<RenderedFile>, RenderError> {
        let mut files = self.render_unpinned(templates)?;
        let lock = self.lock().map_err(|e| RenderError {
            template: e.path.display().to_string(),
            line: None,
            message: e.message,
        })?;
        if let Some(lock) = lock {
            for file in files
                .iter_mut()
                .filter(|f| f.kind == crate::render::FileKind::Dockerfile)
            {
                file.contents = crate::lock::pin(&file.contents, &lock);
            }
        }
        Ok(files)
    }

    /// The `dgen.lock` next to the manifest, if there is one.
    pub fn lock(&self) -> Result<Option<crate::lock::Lock>, crate::lock::LockError> {
        crate::lock::Lock::read(&self.dir)
    }

    /// How `dgen.lock` compares with the base images of the rendered (pinned) `files`; `None`
    /// without a lock.
    pub fn lock_status(&self, files: &[RenderedFile]) -> Option<crate::lock::Status> {
        let lock = self.lock().ok()??;
        let dockerfile = files
            .iter()
            .find(|f| f.kind == crate::render::FileKind::Dockerfile)?;
        Some(crate::lock::status(&dockerfile.contents, &lock))
    }

    /// Renders the project's files without pinning base images from `dgen.lock`.
    pub fn render_unpinned(
        &self,
        templates: Option<&Path>,
    ) -> Result<Vec<RenderedFile>, RenderError> {
        let overrides = templates.map(Path::to_owned).or_else(|| {
            self.loaded
                .manifest
                .templates
                .dir
                .as_ref()
                .map(|dir| self.dir.join(dir))
        });
        let name = self.manifest_name();
        if templates.is_none()
            && let Some(dir) = &overrides
        {
            // The manifest's template folder must resolve inside the project: a symlink that
            // leads out would read host files into the output.
            let inside = match (self.dir.canonicalize(), dir.canonicalize()) {
                (Ok(root), Ok(real)) => real.starts_with(root),
                _ => false,
            };
            if !inside {
                return Err(RenderError {
                    template: dir.display().to_string(),
                    line: None,
                    message: "the templates directory is not inside the project (a symlink that leads out of it, or missing); refusing to read templates from it".to_owned(),
                });
            }
        }
        match overrides {
            Some(dir) => Renderer::with_overrides(&dir).render(&self.loaded.manifest, &name),
            None => Renderer::builtin().render(&self.loaded.manifest, &name),
        }
    }
}

/// Reads at most `limit` bytes of `path`; a longer file is an error, without reading the rest.
fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the manifest is larger than the limit of {limit} bytes"),
        ));
    }
    Ok(bytes)
}

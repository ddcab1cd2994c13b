//! Drift: what the files on disk say compared with what the manifest renders now, explained in
//! terms a developer acts on, and named by practice where a change breaks one.
//!
//! [`check_manifest`] compares one project; [`check_paths`] finds every `dgen.toml` under the
//! given paths (honouring `.gitignore`) and checks them in parallel. Each file kind has its own
//! semantic comparison: formatting-only differences are told apart from real ones.

mod compose;
mod discover;
mod dockerfile;
mod dockerignore;
pub mod report;
mod text;
pub mod version;
mod workflow;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use discover::{Discovered, discover, discover_all};

use crate::project::Project;
use crate::render::FileKind;

/// How a file on disk compares with what the manifest renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Byte for byte what the manifest renders.
    Current,
    /// Differs only in formatting (whitespace, layout, comments, keyword case, order that does
    /// not matter): not drift unless `--strict`.
    FormattingOnly,
    /// Differs in substance.
    Drifted,
    /// Not on disk.
    Missing,
}

/// What kind of difference a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Present on disk, not in the rendered file.
    Added,
    /// In the rendered file, not on disk.
    Removed,
    /// Present in both, with another value.
    Changed,
    /// Present in both, in another place.
    Moved,
    /// A practice the file on disk breaks (judged on the image it builds), that the rendering
    /// does not.
    Practice,
    /// A formatting-only difference.
    Formatting,
    /// The whole file is missing.
    Missing,
}

/// One difference, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of difference.
    pub kind: FindingKind,
    /// The line in the file on disk it concerns (1-based), when there is one.
    pub line: Option<usize>,
    /// The explanation.
    pub message: String,
    /// The practice it breaks (`P15`), when it breaks one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice: Option<&'static str>,
    /// The rule that found it (`user-root`), when a rule did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// Every line involved, when more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<usize>,
}

impl Finding {
    fn new(kind: FindingKind, line: Option<usize>, message: impl Into<String>) -> Finding {
        Finding {
            kind,
            line,
            message: message.into(),
            practice: None,
            rule: None,
            lines: Vec::new(),
        }
    }

    fn rule(mut self, id: &'static str) -> Finding {
        self.rule = Some(id);
        self
    }

    fn practice(mut self, id: Option<&'static str>) -> Finding {
        self.practice = id;
        self
    }
}

/// One generated file compared.
#[derive(Debug, Clone, Serialize)]
pub struct FileDrift {
    /// Its path.
    pub path: PathBuf,
    /// Which file it is.
    pub kind: FileKind,
    /// How it compares.
    pub status: FileStatus,
    /// The differences, explained.
    pub findings: Vec<Finding>,
    /// What the manifest renders.
    #[serde(skip)]
    pub expected: String,
    /// What is on disk, when it is there.
    #[serde(skip)]
    pub actual: Option<String>,
    /// The dgen version that rendered the file on disk, when it is not this one
    /// ([`version::UNRECORDED`] when its header records none). Not drift: a note, unless
    /// `--fail-on-version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered_by: Option<String>,
}

impl FileDrift {
    /// Whether this file fails `dgen check`.
    pub fn fails(&self, strict: bool) -> bool {
        match self.status {
            FileStatus::Current => false,
            FileStatus::FormattingOnly => strict,
            FileStatus::Drifted | FileStatus::Missing => true,
        }
    }
}

/// One manifest checked.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestDrift {
    /// The manifest's path.
    pub manifest: PathBuf,
    /// Its files, or nothing when it could not be checked.
    pub files: Vec<FileDrift>,
    /// Why it could not be checked (a bad manifest, an unreadable file), rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ManifestDrift {
    /// Whether any file fails `dgen check`.
    pub fn fails(&self, strict: bool) -> bool {
        self.files.iter().any(|f| f.fails(strict))
    }
}

/// Compares one file's on-disk text with what the manifest renders.
pub fn compare(kind: FileKind, expected: &str, actual: &[u8]) -> (FileStatus, Vec<Finding>) {
    if expected.as_bytes() == actual {
        return (FileStatus::Current, Vec::new());
    }
    let findings = match kind {
        FileKind::Dockerfile => dockerfile::compare(expected, actual),
        FileKind::DockerIgnore => dockerignore::compare(expected, &String::from_utf8_lossy(actual)),
        FileKind::Compose | FileKind::ComposeDebug | FileKind::ComposeBuild => {
            compose::compare(kind.label(), expected, &String::from_utf8_lossy(actual))
        }
        FileKind::CiWorkflow => workflow::compare(expected, &String::from_utf8_lossy(actual)),
        FileKind::VsCodeLaunch => text::compare_json(expected, &String::from_utf8_lossy(actual)),
        FileKind::ReadmeDocker | FileKind::EnvExample => {
            text::compare_text(expected, &String::from_utf8_lossy(actual))
        }
    };
    let status = if findings.iter().all(|f| f.kind == FindingKind::Formatting) {
        FileStatus::FormattingOnly
    } else {
        FileStatus::Drifted
    };
    let mut findings = findings;
    if findings.is_empty() {
        findings.push(Finding::new(
            FindingKind::Formatting,
            None,
            "the file differs only in formatting",
        ));
    }
    (status, findings)
}

/// Checks one manifest: renders it in memory (with `templates` overriding the built-in
/// templates, when given) and compares every file it renders. `color` only affects how a bad
/// manifest's diagnostics are rendered.
pub fn check_manifest(manifest: &Path, color: bool, templates: Option<&Path>) -> ManifestDrift {
    let project = match Project::load(manifest) {
        Ok(project) => project,
        Err(error) => {
            return ManifestDrift {
                manifest: manifest.to_owned(),
                files: Vec::new(),
                error: Some(error.render(color)),
            };
        }
    };
    let rendered = match project.render_with(templates) {
        Ok(files) => files,
        Err(error) => {
            return ManifestDrift {
                manifest: manifest.to_owned(),
                files: Vec::new(),
                error: Some(format!("error: {error}\n")),
            };
        }
    };
    let mut files = Vec::new();
    for file in rendered {
        let path = project.dir.join(&file.path);
        let drift = match std::fs::read(&path) {
            Ok(actual) => {
                let aligned = version::align(&file.contents, &actual);
                let (status, findings) = compare(file.kind, &file.contents, &aligned.text);
                FileDrift {
                    path,
                    kind: file.kind,
                    status,
                    findings,
                    expected: file.contents,
                    actual: Some(String::from_utf8_lossy(&actual).into_owned()),
                    rendered_by: aligned.rendered_by,
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => FileDrift {
                findings: vec![Finding::new(
                    FindingKind::Missing,
                    None,
                    format!("{} is missing: run `dgen render`", file.path),
                )],
                path,
                kind: file.kind,
                status: FileStatus::Missing,
                expected: file.contents,
                actual: None,
                rendered_by: None,
            },
            Err(error) => {
                return ManifestDrift {
                    manifest: manifest.to_owned(),
                    files: Vec::new(),
                    error: Some(format!("error: cannot read {}: {error}\n", path.display())),
                };
            }
        };
        files.push(drift);
    }
    // A lock that no longer matches the manifest (an image it lacks, an entry no longer used)
    // fails the check on the Dockerfile, whose FROM lines it pins.
    if let Some(status) = project.lock_status(
        &files
            .iter()
            .map(|f| crate::render::RenderedFile {
                kind: f.kind,
                path: String::new(),
                contents: f.expected.clone(),
            })
            .collect::<Vec<_>>(),
    ) && !status.is_current()
        && let Some(dockerfile) = files.iter_mut().find(|f| f.kind == FileKind::Dockerfile)
    {
        for message in status.messages() {
            dockerfile
                .findings
                .push(Finding::new(FindingKind::Changed, None, message).practice(Some("P05")));
        }
        if dockerfile.status != FileStatus::Missing {
            dockerfile.status = FileStatus::Drifted;
        }
    }
    ManifestDrift {
        manifest: manifest.to_owned(),
        files,
        error: None,
    }
}

/// Checks every manifest, on every core, in the order given.
pub fn check_all(
    manifests: &[PathBuf],
    color: bool,
    templates: Option<&Path>,
) -> Vec<ManifestDrift> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(manifests.len().max(1));
    if threads <= 1 {
        return manifests
            .iter()
            .map(|m| check_manifest(m, color, templates))
            .collect();
    }
    let chunk = manifests.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = manifests
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|m| check_manifest(m, color, templates))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a drift worker panicked"))
            .collect()
    })
}

//! `dgen.lock`: the base images a manifest's Dockerfile uses, pinned by digest.
//!
//! `dgen lock` resolves every tagged `FROM` image through the registry ([`registry`]) and
//! writes the lock next to the manifest; `dgen render` (and so `check` and `diff`) pins each
//! `FROM image:tag` it renders to `image:tag@sha256:…` from the lock, without touching the
//! network. A lock entry is matched by the reference exactly as the Dockerfile names it.

pub mod reference;
pub mod registry;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use reference::is_digest;

/// The lock file's name, next to the manifest.
pub const LOCK_NAME: &str = "dgen.lock";

/// One pinned image.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The reference as the Dockerfile names it, e.g. `python:3.12-slim`.
    pub reference: String,
    /// The digest it resolved to: the multi-platform index's, when the tag has one.
    pub digest: String,
    /// When it was resolved, RFC 3339 UTC.
    pub resolved_at: String,
}

/// A lock file's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// The entries, sorted by reference.
    pub images: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    version: u32,
    #[serde(default)]
    image: Vec<Entry>,
}

/// Why a lock file cannot be used.
#[derive(Debug)]
pub struct LockError {
    /// The lock file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LockError {}

impl Lock {
    /// Parses lock text. Every entry must carry a valid digest and a reference without spaces,
    /// so nothing read from a lock can add to a Dockerfile beyond a digest.
    pub fn parse(text: &str) -> Result<Lock, String> {
        let file: LockFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        if file.version != 1 {
            return Err(format!(
                "lock format version {} is not known to this dgen (it writes version 1)",
                file.version
            ));
        }
        let mut images = file.image;
        for entry in &images {
            if !is_digest(&entry.digest) {
                return Err(format!(
                    "the entry for `{}` has `{}`, not a sha256 digest",
                    entry.reference, entry.digest
                ));
            }
            if entry.reference.is_empty()
                || entry
                    .reference
                    .chars()
                    .any(|ch| ch.is_whitespace() || ch.is_control() || ch == '@')
            {
                return Err(format!(
                    "`{}` is not an image reference",
                    entry.reference.escape_debug()
                ));
            }
        }
        images.sort_by(|a, b| a.reference.cmp(&b.reference));
        if let Some(pair) = images.windows(2).find(|w| w[0].reference == w[1].reference) {
            return Err(format!("`{}` is locked twice", pair[0].reference));
        }
        Ok(Lock { images })
    }

    /// Reads the lock next to the manifest in `dir`; `None` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Lock>, LockError> {
        let path = dir.join(LOCK_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Lock::parse(&text)
                .map(Some)
                .map_err(|message| LockError { path, message }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(LockError {
                message: format!("cannot read it: {error}"),
                path,
            }),
        }
    }

    /// The digest pinned for `reference`.
    pub fn digest(&self, reference: &str) -> Option<&str> {
        self.images
            .iter()
            .find(|e| e.reference == reference)
            .map(|e| e.digest.as_str())
    }

    /// The lock as written to disk.
    pub fn to_text(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let mut out = String::from(
            "# Written by `dgen lock`: the base images of dgen.toml, pinned by digest. `dgen render`\n\
             # pins each FROM to its digest here; `dgen lock --update` moves them to their tags'\n\
             # current digests. Commit this file.\n\
             version = 1\n",
        );
        for entry in &self.images {
            let _ = write!(
                out,
                "\n[[image]]\nreference = {}\ndigest = {}\nresolved_at = {}\n",
                q(&entry.reference),
                q(&entry.digest),
                q(&entry.resolved_at)
            );
        }
        out
    }
}

/// A `FROM` line's image: where it is in the text and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FromImage {
    /// Where the image word ends in the Dockerfile text (a byte offset).
    end: usize,
    /// The image word.
    image: String,
}

/// The `FROM` images of a Dockerfile that name a registry image: not `scratch`, not an earlier
/// stage, not a build argument.
fn from_images(dockerfile: &str) -> Vec<FromImage> {
    let mut stages: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut offset = 0;
    for line in dockerfile.split_inclusive('\n') {
        let start_of_line = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let mut words = Vec::new();
        let mut pos = start_of_line + indent;
        for word in trimmed.split_inclusive(char::is_whitespace) {
            let w = word.trim_end();
            if !w.is_empty() {
                words.push((pos, w));
            }
            pos += word.len();
        }
        let Some((_, keyword)) = words.first() else {
            continue;
        };
        if !keyword.eq_ignore_ascii_case("FROM") {
            continue;
        }
        let mut rest = words[1..].iter().skip_while(|(_, w)| w.starts_with("--"));
        let Some(&(at, image)) = rest.next() else {
            continue;
        };
        let alias = match (rest.next(), rest.next()) {
            (Some((_, kw)), Some((_, name))) if kw.eq_ignore_ascii_case("AS") => {
                Some(name.to_ascii_lowercase())
            }
            _ => None,
        };
        let is_stage = stages.iter().any(|s| s.eq_ignore_ascii_case(image));
        if !is_stage && !image.eq_ignore_ascii_case("scratch") && !image.contains('$') {
            out.push(FromImage {
                end: at + image.len(),
                image: image.to_owned(),
            });
        }
        if let Some(alias) = alias {
            stages.push(alias);
        }
    }
    out
}

/// The tagged images a Dockerfile's `FROM` lines name that a lock can pin (those without a
/// digest), each once, in order of appearance.
pub fn lockable_images(dockerfile: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for from in from_images(dockerfile) {
        if !from.image.contains('@') && !out.contains(&from.image) {
            out.push(from.image);
        }
    }
    out
}

/// The Dockerfile with every `FROM` image the lock has pinned to its digest.
pub fn pin(dockerfile: &str, lock: &Lock) -> String {
    let mut out = String::with_capacity(dockerfile.len() + 200);
    let mut last = 0;
    for from in from_images(dockerfile) {
        if from.image.contains('@') {
            continue;
        }
        if let Some(digest) = lock.digest(&from.image) {
            out.push_str(&dockerfile[last..from.end]);
            out.push('@');
            out.push_str(digest);
            last = from.end;
        }
    }
    out.push_str(&dockerfile[last..]);
    out
}

/// How a lock compares with the images a Dockerfile uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Images the Dockerfile uses that the lock lacks.
    pub missing: Vec<String>,
    /// Lock entries for images the Dockerfile no longer uses.
    pub stale: Vec<String>,
}

impl Status {
    /// Whether the lock matches the manifest.
    pub fn is_current(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty()
    }

    /// One line per problem, each naming `dgen lock`.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for image in &self.missing {
            out.push(format!(
                "base image {image} is not in {LOCK_NAME}, so it is not pinned by digest: run `dgen lock`"
            ));
        }
        for image in &self.stale {
            out.push(format!(
                "{LOCK_NAME} pins {image}, which dgen.toml no longer uses: run `dgen lock`"
            ));
        }
        out
    }
}

/// Compares `lock` with the images of `dockerfile` (unpinned or pinned).
pub fn status(dockerfile: &str, lock: &Lock) -> Status {
    let froms = from_images(dockerfile);
    let mut used: Vec<String> = Vec::new();
    let mut missing = Vec::new();
    for from in &froms {
        let bare = from.image.split('@').next().unwrap_or("").to_owned();
        let pinned_by_lock = lock.digest(&bare).is_some();
        if !from.image.contains('@') && !pinned_by_lock && !missing.contains(&from.image) {
            missing.push(from.image.clone());
        }
        used.push(bare);
    }
    let stale = lock
        .images
        .iter()
        .filter(|e| !used.contains(&e.reference))
        .map(|e| e.reference.clone())
        .collect();
    Status { missing, stale }
}

/// Now, as RFC 3339 UTC with seconds (`2026-01-31T08:00:00Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn lock(entries: &[(&str, &str)]) -> Lock {
        Lock {
            images: entries
                .iter()
                .map(|(r, d)| Entry {
                    reference: (*r).to_owned(),
                    digest: (*d).to_owned(),
                    resolved_at: "2026-01-01T00:00:00Z".to_owned(),
                })
                .collect(),
        }
    }

    const DOCKERFILE: &str = "# FROM commented:1\n\
        FROM --platform=$BUILDPLATFORM golang:1.23 AS build\n\
        RUN echo FROM x:1\n\
        FROM build AS debug\n\
        from gcr.io/distroless/static-debian12:nonroot\n\
        FROM scratch\n\
        FROM $BASE\n";

    #[test]
    fn finds_registry_images_only() {
        assert_eq!(
            lockable_images(DOCKERFILE),
            ["golang:1.23", "gcr.io/distroless/static-debian12:nonroot"]
        );
    }

    #[test]
    fn pins_what_the_lock_has() {
        let pinned = pin(DOCKERFILE, &lock(&[("golang:1.23", D1)]));
        assert!(pinned.contains(&format!(
            "FROM --platform=$BUILDPLATFORM golang:1.23@{D1} AS build\n"
        )));
        assert!(pinned.contains("from gcr.io/distroless/static-debian12:nonroot\n"));
        assert!(pinned.contains("RUN echo FROM x:1\n"));
        let s = status(
            &pinned,
            &lock(&[("golang:1.23", D1), ("python:3.12-slim", D2)]),
        );
        assert_eq!(s.missing, ["gcr.io/distroless/static-debian12:nonroot"]);
        assert_eq!(s.stale, ["python:3.12-slim"]);
        assert!(s.messages().iter().all(|m| m.contains("dgen lock")));
    }

    #[test]
    fn lock_text_round_trips_and_refuses_hostile_entries() {
        let l = lock(&[("python:3.12-slim", D1), ("node:22-slim", D2)]);
        let mut sorted = l.clone();
        sorted.images.sort_by(|a, b| a.reference.cmp(&b.reference));
        assert_eq!(Lock::parse(&l.to_text()).unwrap(), sorted);
        let bad_digest = l.to_text().replace(D1, "sha256:abc\nRUN evil");
        assert!(Lock::parse(&bad_digest).is_err());
        let bad_ref = l
            .to_text()
            .replace("python:3.12-slim", "python:3.12-slim AS x\\nRUN evil");
        assert!(Lock::parse(&bad_ref).is_err());
        assert!(Lock::parse("version = 2\n").is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}

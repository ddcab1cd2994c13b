//! Dockerfile parsing and semantic comparison, for `dgen check` and `dgen diff`.
//!
//! [`parse`] reads a Dockerfile the way BuildKit does — parser directives (`# syntax=`,
//! `# escape=`, `# check=`), comments (kept as trivia), line continuations (with comment and
//! empty lines inside them), heredocs (`RUN <<EOF`, `<<-EOF`, `<<'EOF'`, several per line,
//! `COPY <<EOF /dst`, under `ONBUILD` too), flags (`--mount` repeatable, `--from`, `--chown`,
//! `--chmod`, `--link`, `--platform`, `--network`, `--security`, `--exclude`, `--parents`,
//! HEALTHCHECK's `--interval` …), JSON (exec) and shell forms, `HEALTHCHECK NONE`, `ONBUILD`,
//! `ENV`/`LABEL`/`ARG` in `k=v` and legacy `k v` forms, any keyword case — into [`Stage`]s of
//! [`Instruction`]s. It accepts any bytes and never panics: a BOM, CRLF, UTF-16 or invalid
//! UTF-8, a 10 MB file (about 0.3 s in a release build). What it cannot parse is a
//! [`Problem`] with its line, and parsing goes on.
//!
//! [`diff`] compares what the manifest renders (`expected`) with the file on disk (`actual`)
//! and returns a [`DockerfileDiff`]: per stage (matched by name, else by position), the
//! instructions added, removed, changed or moved, aligned by a weighted LCS of their
//! normalized forms, each with [`Explanation`]s: the findings of the practice rules
//! ([`RULES`]; practice IDs from `PRACTICES.md`), or a plain description. Separately, the
//! differences that do not change the build ([`FormattingDiff`]).
//!
//! ```
//! use dgen::dockerfile::{diff, parse};
//!
//! let rendered = "FROM python:3.12-slim\nUSER app\nCMD [\"python\", \"app.py\"]\n";
//! let on_disk = "from python:3.12-slim\r\nCMD [\"python\", \"app.py\"]\r\n";
//! let report = diff(&parse(rendered.as_bytes()), &parse(on_disk.as_bytes()));
//! assert!(report.has_changes());
//! let (_, change) = report.changes().next().unwrap();
//! assert_eq!(change.line, 2);
//! assert_eq!(
//!     change.explanations[0].to_string(),
//!     "USER app removed: the container now runs as root (P15)"
//! );
//! assert_eq!(report.practices(), ["P15"]);
//! // CRLF and the keyword case are reported apart, as formatting.
//! assert_eq!(report.formatting.len(), 2);
//! ```
//!
//! # What counts as formatting
//!
//! Instructions are compared by [`Instruction::normalized`]: keyword case, flag order (and
//! field order inside `--mount`), `--link` vs `--link=true`, runs of whitespace outside
//! quotes, quotes in `k=v` values and paths, JSON vs shell form of COPY/ADD/VOLUME paths,
//! `/tcp` and port order in EXPOSE, the legacy `ENV k v` form, continuation layout and
//! comment lines do not count. File-level differences are formatting too: line endings, a
//! BOM, the encoding, blank lines, comments, and parser directives (a file without
//! `# syntax=` builds the same instructions). Whitespace inside quotes, heredoc bodies,
//! exec vs shell form of RUN/CMD/ENTRYPOINT, `'$X'` vs `"$X"` do count.
//! [`DockerfileDiff::is_clean`] is true only for identical files;
//! [`DockerfileDiff::formatting_only`] when only formatting differs.
//!
//! # Rules
//!
//! A rule fires when the on-disk file newly breaks its practice (not when the rendering
//! already did). Rules are a table, [`RULES`]; a change no rule explains gets one plain
//! description with rule id [`DRIFT_RULE`].
//!
//! | rule | practice | fires when, on disk |
//! |---|---|---|
//! | `user-root` | P15 | the final stage now runs as root (USER removed, changed or added; a new final stage) |
//! | `fixed-uid` | P16 | `USER 1000`, or `useradd -u 1000` |
//! | `healthcheck-removed` | P18 | the final stage lost its HEALTHCHECK (removed, `NONE`, a new final stage) |
//! | `ssh-port` | P06 | `EXPOSE 22` |
//! | `extra-port` | P06 | a port that the rendering does not expose |
//! | `port-removed` | – | a port the rendering exposes is gone |
//! | `base-latest` | P05 | base image untagged or `:latest` |
//! | `base-digest` | P05 | a digest pin dropped |
//! | `base-not-slim` | P03 | final stage leaves a slim/alpine/distroless base |
//! | `add-for-copy` | P11 | ADD of local files (not URLs, not archives) |
//! | `copy-context` | P12 | `COPY . .` (or `*`, `./`) |
//! | `copy-secret` | P14 | COPY of `.env`, keys, credentials |
//! | `secret-env` | P14 | ENV/ARG with a secret-looking name (`*_PASSWORD`, `*_TOKEN`, `API_KEY`, …) |
//! | `copy-before-install` | P09 | a source COPY now before the dependency install (pip, uv, poetry, npm, yarn, pnpm, go mod, cargo fetch, mvn, gradle, …) |
//! | `pip-cache` | P10 | `pip install` without `--no-cache-dir` (or a cache mount) |
//! | `apk-cache` | P10 | `apk add` without `--no-cache` |
//! | `apt-recommends` | P13 | `apt-get install` without `--no-install-recommends` |
//! | `apt-lists` | P13 | apt used without removing `/var/lib/apt/lists` in the same RUN |
//! | `run-layers` | P13 | a RUN added next to another RUN |
//! | `chown` | P17 | `COPY --chown=app` or `chown app …` in the final stage |
//! | `python-bytecode` | P07 | `PYTHONDONTWRITEBYTECODE` no longer set |
//! | `python-unbuffered` | P08 | `PYTHONUNBUFFERED` no longer set |
//! | `shell-form` | – | CMD/ENTRYPOINT in shell form (DL3025) |
//! | `relative-workdir` | – | a relative WORKDIR (DL3000) |
//!
//! # JSON
//!
//! Every report type is `Serialize`; field and variant names (snake_case) are the stable
//! contract: `{"global": [Change], "stages": [{"name", "expected_index", "actual_index",
//! "line", "changes": [{"kind": "added|removed|changed|moved", "keyword", "line", "before":
//! {"line_start", "line_end", "text"}|null, "after": …, "explanations": [{"rule", "practice",
//! "message"}]}]}], "formatting": [{"kind", "lines", "message"}], "problems": [{"line",
//! "message"}]}`. `before` lines are in the rendered text, every other line in the file on
//! disk.

mod align;
pub(crate) mod facts;
mod formatting;
mod lcs;
mod model;
pub(crate) mod normalize;
mod parse;
mod report;
pub(crate) mod rules;
pub(crate) mod shell;
mod source;
pub(crate) mod words;

#[cfg(test)]
mod scenarios;

/// Serializes the tests that time large inputs, so that they do not slow each other down
/// on a small machine.
#[cfg(test)]
pub(crate) static HEAVY_TEST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` and returns its result with the CPU time this thread spent on it (from
/// `/proc/thread-self/schedstat`, so that a busy machine does not fail a timing test; wall
/// time where that file does not exist).
#[cfg(test)]
pub(crate) fn cpu_timed<T>(f: impl FnOnce() -> T) -> (T, std::time::Duration) {
    fn cpu_ns() -> Option<u64> {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        s.split_whitespace().next()?.parse().ok()
    }
    let (c0, w0) = (cpu_ns(), std::time::Instant::now());
    let out = f();
    let spent = match (c0, cpu_ns()) {
        (Some(a), Some(b)) => std::time::Duration::from_nanos(b.saturating_sub(a)),
        _ => w0.elapsed(),
    };
    (out, spent)
}

pub use align::diff;
pub use model::{
    Args, Comment, Directive, Dockerfile, Encoding, Flag, Heredoc, Instruction, KeyValue, Layout,
    LineEnding, Problem, Stage,
};
pub use parse::{KEYWORDS, parse, parse_str};
pub use report::{
    Change, ChangeKind, DockerfileDiff, Explanation, FormattingDiff, FormattingKind,
    InstructionRef, StageDiff,
};
pub use rules::{DRIFT_RULE, RULES, Rule, rule_by_id};

#[cfg(test)]
mod tests {
    #[test]
    fn every_rule_is_documented() {
        let docs = include_str!("mod.rs");
        for r in super::RULES {
            let row = format!("| `{}` | {} |", r.id, r.practice.unwrap_or("–"));
            assert!(docs.contains(&row), "document {row}");
        }
    }
}

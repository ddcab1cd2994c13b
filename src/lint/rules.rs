//! The practice verdicts: what the image a Dockerfile builds does wrong, judged on the file
//! alone (its effective final image), whatever any other file says.
//!
//! A verdict rule is ONE function over the [`Image`] and ONE row of [`VERDICTS`] with its
//! id, practice, level, summary and doc. `dgen lint` runs them on any Dockerfile; `dgen check`
//! runs the same ones on the file on disk (and leaves out the rules the rendered file breaks
//! too). The instruction-level predicates they use (`pip install` without `--no-cache-dir`, a
//! secret-looking ENV …) live in `dockerfile::rules` and are shared with the drift rules, so
//! no check is written twice.

use serde::Serialize;

use crate::dockerfile::facts::{self, Facts};
use crate::dockerfile::rules as pred;
use crate::dockerfile::{Args, Dockerfile, Instruction, Stage};

/// How bad a verdict is (SARIF `level`; GitHub annotation kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// One verdict rule: data, plus its check.
#[derive(Debug, Serialize)]
pub struct VerdictRule {
    /// Stable id (SARIF `ruleId`), shared with the drift rule of the same meaning.
    pub id: &'static str,
    /// The practice in `PRACTICES.md`, when the rule enforces one.
    pub practice: Option<&'static str>,
    pub level: Level,
    /// One line (SARIF `shortDescription`).
    pub summary: &'static str,
    /// Why it matters (SARIF `fullDescription`, `dgen explain`).
    pub rationale: &'static str,
    /// What to do instead (`dgen explain`, SARIF `help`).
    pub fix: &'static str,
    #[serde(skip)]
    check: fn(&Image) -> Vec<Hit>,
}

/// Where a rule fires and what it says there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Lines involved (1-based, on disk), the first one being where to point.
    pub lines: Vec<usize>,
    pub message: String,
}

fn hit(lines: Vec<usize>, message: impl Into<String>) -> Hit {
    Hit {
        lines,
        message: message.into(),
    }
}

use Level::{Error, Note, Warning};

/// Every verdict rule, in report order.
#[rustfmt::skip]
pub static VERDICTS: &[VerdictRule] = &[
    v("user-root", Some("P15"), Error, "The container runs as root",
      "A process running as root in the container is root on the host if it escapes, and can rewrite the app and its libraries.",
      "Create a system user (`useradd --system --no-create-home app`) and end the final stage with `USER app` (or use an image's own non-root user, e.g. `USER node`).",
      user_root),
    v("fixed-uid", Some("P16"), Note, "The runtime user is bound to a fixed UID",
      "A hard-coded UID can collide with host or volume owners and ties the image to one environment; a system user gets a free UID.",
      "Create the user with `useradd --system` and no `-u`; when Kubernetes `runAsNonRoot` needs a numeric USER, set `[user] uid` in dgen.toml to make it explicit.",
      fixed_uid),
    v("no-healthcheck", Some("P18"), Warning, "The image has no HEALTHCHECK",
      "Without a HEALTHCHECK, Docker and compose only know that the process exists, not that the app answers; a hung app stays 'running'.",
      "Add `HEALTHCHECK CMD [\"python\", \"-c\", \"…urlopen('http://127.0.0.1:8000/health')\"]` (a probe with the runtime's own tools; slim images have no curl).",
      no_healthcheck),
    v("world-writable", Some("P17"), Error, "App files are writable by every user",
      "`chmod 777` (or `o+w`) lets the runtime user, and anything it runs, rewrite the app's code: an exploit becomes persistent.",
      "Leave app files owned by root and read-only; give the app one writable directory (a volume or tmpfs) for its data.",
      world_writable),
    v("chown", Some("P17"), Warning, "App files are owned by the runtime user",
      "A runtime user that owns the app's files can modify the code it runs.",
      "COPY without `--chown` (files stay root-owned) before `USER`; chown only a data directory the app must write.",
      chown),
    v("add-for-copy", Some("P11"), Warning, "ADD used for local files instead of COPY",
      "ADD also unpacks archives and fetches URLs; for local files COPY says what it does and nothing more.",
      "Replace `ADD src dst` with `COPY src dst`.",
      add_for_copy),
    v("add-url", Some("P11"), Warning, "ADD downloads a URL without a checksum",
      "A file fetched at build time without a checksum can change under the same Dockerfile; the image is not reproducible or verified.",
      "Use `ADD --checksum=sha256:… URL dst`, or download with curl in a RUN and verify the checksum.",
      add_url),
    v("copy-context", Some("P12"), Warning, "The whole build context is copied into the image",
      "`COPY . .` brings everything .dockerignore does not exclude (tests, docs, local config, sometimes secrets) into the image, and any edit busts the layer cache.",
      "Copy only what the app needs: `COPY app.py .`, `COPY src/ ./src/`, or the output of a build stage.",
      copy_context),
    v("copy-secret", Some("P14"), Error, "A secret file is copied into the image",
      "A `.env`, key or credentials file copied into a layer stays readable by anyone who pulls the image, even if a later layer deletes it.",
      "Pass secrets at run time (env file, compose secrets) or at build time with `RUN --mount=type=secret`; keep them in .dockerignore.",
      copy_secret),
    v("secret-env", Some("P14"), Error, "ENV or ARG holds a secret",
      "ENV values are stored in the image config and ARG values in its build history: `docker inspect` or `docker history` shows them.",
      "Remove the value from the Dockerfile and pass it at run time (`--env-file`, compose `env_file`/secrets) or with `RUN --mount=type=secret`.",
      secret_env),
    v("copy-before-install", Some("P09"), Warning, "Sources are copied before the dependencies are installed",
      "Docker reuses a layer only while everything before it is unchanged: with the sources copied first, every code edit reinstalls every dependency.",
      "Copy only the dependency manifests (`requirements.txt`, `package*.json`, `go.mod go.sum`…), install, then copy the sources.",
      copy_before_install),
    v("pip-cache", Some("P10"), Warning, "pip install keeps its download cache",
      "pip's cache in /root/.cache is dead weight in the image layer.",
      "Add `--no-cache-dir`, set `PIP_NO_CACHE_DIR=1`, or use `RUN --mount=type=cache,target=/root/.cache/pip`.",
      pip_cache),
    v("npm-cache", Some("P10"), Warning, "npm or yarn install keeps its package cache",
      "npm keeps every downloaded tarball in ~/.npm (yarn in its cache folder): dead weight in the final image.",
      "Use `RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev` (or `/usr/local/share/.cache/yarn`), or end the RUN with `npm cache clean --force` / `yarn cache clean`.",
      npm_cache),
    v("apk-cache", Some("P10"), Warning, "apk add keeps the package index",
      "The apk index in /var/cache/apk stays in the layer.",
      "Use `apk add --no-cache …`.",
      apk_cache),
    v("apt-lists", Some("P13"), Warning, "apt lists are not removed in the same RUN",
      "`apt-get update` leaves tens of MB in /var/lib/apt/lists; removed in a later RUN they still ship in the earlier layer, and a cached `apt-get update` layer installs stale versions.",
      "`RUN apt-get update && apt-get install -y --no-install-recommends … && rm -rf /var/lib/apt/lists/*` in one RUN.",
      apt_lists),
    v("apt-recommends", Some("P13"), Warning, "apt-get install without --no-install-recommends",
      "Recommended packages are not needed to run the app and add size and attack surface.",
      "Add `--no-install-recommends` to `apt-get install`.",
      apt_recommends),
    v("run-consecutive", Some("P13"), Note, "Consecutive RUN instructions in the final image",
      "Each RUN is a layer; files a later RUN deletes still ship in the earlier one.",
      "Join consecutive RUNs with `&&` (and line continuations) into one.",
      run_consecutive),
    v("base-latest", Some("P05"), Error, "Untagged or :latest image (FROM, COPY --from, RUN --mount from=)",
      "`latest` (or no tag) is whatever was pushed last: builds are not reproducible and can break or change silently.",
      "Pin a version: `FROM python:3.12-slim` (and a digest with `@sha256:…` for full reproducibility).",
      base_latest),
    v("base-floating", Some("P05"), Warning, "Base image tag names no version",
      "Tags such as `lts`, `alpine`, `buster` or `stable` move to new versions (even new major versions) without any change to the Dockerfile.",
      "Use a tag with a version: `node:22-slim`, `rust:1.83-slim-bookworm`.",
      base_floating),
    v("base-unofficial", Some("P05"), Warning, "Base image is not an official or well-known vendor image",
      "A third-party all-in-one image ships whatever its author put in it, is updated on its author's schedule, and is a supply-chain risk.",
      "Start from the official image (`python:3.12-slim`, `node:22-slim`, `eclipse-temurin:21-jre`) and install what the app needs.",
      base_unofficial),
    v("base-not-slim", Some("P03"), Warning, "The final image is built on a full (non-slim) base",
      "Full images carry compilers, headers and tools the app does not run with: hundreds of MB and many more CVEs to patch.",
      "Use the slim variant for the final stage (`python:3.12-slim`, `node:22-slim`, distroless), and a full image only in a build stage.",
      base_not_slim),
    v("ssh-port", Some("P06"), Error, "Port 22 (SSH) is exposed",
      "An SSH server in an app container is a second way in, with its own keys to manage; use `docker exec` instead.",
      "Remove `EXPOSE 22` and the SSH server.",
      ssh_port),
    v("extra-port", Some("P06"), Warning, "The image exposes ports that are not the app's",
      "Every exposed port is documented as an entry point; ports the app does not serve mislead and invite publishing them.",
      "EXPOSE only the ports the app listens on (the manifest's `[app] ports`).",
      extra_port),
    v("shell-form", None, Warning, "CMD or ENTRYPOINT in shell form (hadolint DL3025)",
      "In shell form the app runs under `/bin/sh -c`: it is not PID 1, does not get SIGTERM, and is killed after the stop timeout.",
      "Use the JSON (exec) form: `CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]`.",
      shell_form),
    v("relative-workdir", None, Note, "Relative WORKDIR (hadolint DL3000)",
      "A relative WORKDIR depends on the one before it, and on the base image's.",
      "Use an absolute path: `WORKDIR /app`.",
      relative_workdir),
];

#[allow(clippy::too_many_arguments)]
const fn v(
    id: &'static str,
    practice: Option<&'static str>,
    level: Level,
    summary: &'static str,
    rationale: &'static str,
    fix: &'static str,
    check: fn(&Image) -> Vec<Hit>,
) -> VerdictRule {
    VerdictRule {
        id,
        practice,
        level,
        summary,
        rationale,
        fix,
        check,
    }
}

/// The verdict rule with this id.
pub fn verdict_rule(id: &str) -> Option<&'static VerdictRule> {
    VERDICTS.iter().find(|r| r.id == id)
}

/// What the manifest says, when there is one: verdicts about ports compare with it.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// The app's ports (normalized: `8000`, `53/udp`), when a manifest declares them.
    pub ports: Option<Vec<String>>,
    /// The paths the manifest lets the runtime user own (`[app] writable`, as the rendered file
    /// chowns them). Without a manifest, a RUN may chown the folders it creates itself, except
    /// the working directory and the folders above it.
    pub writable: Option<Vec<String>>,
}

/// The image `docker build` produces from a file, as the rules see it.
pub(crate) struct Image<'a> {
    pub df: &'a Dockerfile,
    /// Facts per stage (effective: inherited along `FROM stage`).
    pub facts: Vec<Facts>,
    /// The stage built (the last one, or `--target`), then the stages it is built on.
    pub chain: Vec<usize>,
    /// Global ARG defaults, to read `FROM python:${PY}`.
    pub args: Vec<(String, String)>,
    pub expect: &'a Expectations,
}

impl<'a> Image<'a> {
    /// Builds the view of the image for `target` (a stage name), or the last stage.
    pub fn new(df: &'a Dockerfile, target: Option<&str>, expect: &'a Expectations) -> Self {
        let facts = facts::all(df);
        let start = target
            .and_then(|t| df.stage(t).map(|s| s.index))
            .or_else(|| df.stages.len().checked_sub(1));
        let chain = start.map(|s| chain_from(df, s)).unwrap_or_default();
        let mut args = Vec::new();
        for kv in df.preamble.iter().flat_map(|i| i.key_values()) {
            if let Some(v) = &kv.value {
                args.push((kv.key.clone(), v.clone()));
            }
        }
        Image {
            df,
            facts,
            chain,
            args,
            expect,
        }
    }

    /// The stage the build produces.
    pub fn final_stage(&self) -> Option<&'a Stage> {
        self.chain.first().map(|&i| &self.df.stages[i])
    }

    /// The effective facts of the final image.
    pub fn final_facts(&self) -> Option<&Facts> {
        self.chain.first().map(|&i| &self.facts[i])
    }

    /// The stages whose layers end up in the image (final first).
    pub fn final_stages(&self) -> impl Iterator<Item = &'a Stage> + '_ {
        self.chain.iter().map(|&i| &self.df.stages[i])
    }

    /// The instructions of the stages in the image, in build order.
    fn final_instructions(&self) -> impl Iterator<Item = &'a Instruction> + '_ {
        self.chain
            .iter()
            .rev()
            .flat_map(|&i| self.df.stages[i].instructions.iter())
    }

    /// Every instruction of every stage.
    fn all_instructions(&self) -> impl Iterator<Item = &'a Instruction> + '_ {
        self.df.stages.iter().flat_map(|s| s.instructions.iter())
    }

    /// The image the chain starts from (the root of the final stage's `FROM` chain).
    fn root_stage(&self) -> Option<&'a Stage> {
        self.chain.last().map(|&i| &self.df.stages[i])
    }

    /// An image reference with global ARG defaults substituted.
    fn resolve(&self, image: &str) -> String {
        let mut out = image.to_string();
        for (k, v) in &self.args {
            out = out.replace(&format!("${{{k}}}"), v);
            out = out.replace(&format!("${k}"), v);
        }
        out
    }

    /// The external image of a stage (`None` for a stage built on an earlier stage,
    /// `scratch`, or a reference that still holds a variable).
    fn external_base(&self, k: usize) -> Option<String> {
        let s = &self.df.stages[k];
        if self.facts.get(k).is_some_and(|f| f.base_is_stage) {
            return None;
        }
        let image = self.resolve(s.base());
        (!image.is_empty() && !image.eq_ignore_ascii_case("scratch") && !image.contains('$'))
            .then_some(image)
    }
}

/// The stage `start` and the stages it is built `FROM`, transitively.
pub fn chain_from(df: &Dockerfile, start: usize) -> Vec<usize> {
    df.chain_from(start)
}

/// Runs every verdict rule on an image.
pub(crate) fn evaluate(image: &Image) -> Vec<(&'static VerdictRule, Hit)> {
    if image.chain.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for rule in VERDICTS {
        for h in (rule.check)(image) {
            out.push((rule, h));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The checks

fn lines_of<'a>(it: impl Iterator<Item = &'a Instruction>) -> Vec<usize> {
    let mut v: Vec<usize> = it.map(|i| i.line_start).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn show(i: &Instruction) -> String {
    crate::dockerfile::words::truncate(&i.display(), 60)
}

/// Images known to run as a non-root user by default.
fn non_root_base(image: &str) -> bool {
    let (repo, tag, _) = crate::reference::split(image);
    let tag = tag.unwrap_or("");
    tag.contains("nonroot")
        || repo.ends_with("nginx-unprivileged")
        || repo.starts_with("cgr.dev/chainguard/") && !tag.contains("dev")
        || repo.starts_with("bitnami/")
}

fn user_root(im: &Image) -> Vec<Hit> {
    let (Some(f), Some(stage)) = (im.final_facts(), im.final_stage()) else {
        return Vec::new();
    };
    if !f.runs_as_root() {
        return Vec::new();
    }
    let users: Vec<&Instruction> = im
        .final_instructions()
        .filter(|i| i.keyword == "USER")
        .collect();
    if let Some(last) = users.last() {
        return vec![hit(
            vec![last.line_start],
            format!("{}: the container runs as root", show(last)),
        )];
    }
    let root_base = im.root_stage().and_then(|s| {
        let k = s.index;
        im.external_base(k)
    });
    if root_base.as_deref().is_some_and(non_root_base) {
        return Vec::new();
    }
    vec![hit(
        vec![stage.from.line_start],
        "no USER in the final image: the container runs as root",
    )]
}

fn fixed_uid(im: &Image) -> Vec<Hit> {
    let mut out = Vec::new();
    for i in im.final_instructions() {
        if pred::user_numeric(i) {
            out.push(hit(
                vec![i.line_start],
                format!("{}: the runtime user is bound to a fixed UID", show(i)),
            ));
        } else if let Some(uid) = pred::useradd_uid(i) {
            out.push(hit(
                vec![i.line_start],
                format!("user created with UID {uid}: the runtime user is bound to a fixed UID"),
            ));
        }
    }
    out.truncate(1);
    out
}

fn no_healthcheck(im: &Image) -> Vec<Hit> {
    let (Some(f), Some(stage)) = (im.final_facts(), im.final_stage()) else {
        return Vec::new();
    };
    match f.healthcheck {
        Some(true) => Vec::new(),
        Some(false) => {
            let line = im
                .final_instructions()
                .filter(|i| matches!(i.args, Args::HealthcheckNone))
                .map(|i| i.line_start)
                .last()
                .unwrap_or(stage.from.line_start);
            vec![hit(
                vec![line],
                "HEALTHCHECK NONE: nothing tells Docker whether the app is healthy",
            )]
        }
        None => vec![hit(
            vec![stage.from.line_start],
            "no HEALTHCHECK: nothing tells Docker whether the app is healthy",
        )],
    }
}

/// One hit for all instructions of the final image matching `detail`.
fn each_final(im: &Image, detail: impl Fn(&Instruction) -> Option<String>, what: &str) -> Vec<Hit> {
    let found: Vec<(&Instruction, String)> = im
        .final_instructions()
        .filter_map(|i| detail(i).map(|d| (i, d)))
        .collect();
    match found.first() {
        None => Vec::new(),
        Some((_, d)) => vec![hit(
            lines_of(found.iter().map(|(i, _)| *i)),
            format!("{d}: {what}"),
        )],
    }
}

fn world_writable(im: &Image) -> Vec<Hit> {
    each_final(
        im,
        pred::world_writable,
        "files writable by every user, the runtime user included",
    )
}

fn chown(im: &Image) -> Vec<Hit> {
    let workdir = im.final_facts().and_then(|f| f.workdir.clone());
    let data_dir = |path: &str| match &workdir {
        Some(w) => {
            let w = w.trim_end_matches('/');
            let p = path.trim_end_matches('/');
            !p.is_empty() && p != w && !w.starts_with(&format!("{p}/"))
        }
        None => !path.trim_end_matches('/').is_empty(),
    };
    each_final(
        im,
        |i| {
            let allowed: Vec<String> = match &im.expect.writable {
                Some(paths) => paths.clone(),
                None if i.keyword == "COPY" => empty_folder_copy(im, i)
                    .filter(|dest| data_dir(dest))
                    .into_iter()
                    .collect(),
                None => pred::made_dirs(i)
                    .into_iter()
                    .filter(|p| data_dir(p))
                    .collect(),
            };
            pred::chown_detail_except(i, &allowed)
        },
        "app files owned by a non-root user, who can modify them",
    )
}

/// Without a manifest: the destination of a `COPY --from=STAGE --chown=… SRC DEST` whose SRC is
/// a folder STAGE made with `mkdir` and copied nothing into (the way an image without a shell
/// gets a writable folder), else None.
fn empty_folder_copy(im: &Image, i: &Instruction) -> Option<String> {
    let dest = pred::copied_writable(i)?;
    let stage = im.df.stage_ref(i.flag("from")?.value.as_deref()?)?;
    let source = i.words().first()?.trim_end_matches('/').to_owned();
    let made = stage
        .instructions
        .iter()
        .filter(|x| x.keyword == "RUN")
        .any(|x| pred::made_dirs(x).contains(&source));
    let filled = stage.instructions.iter().any(|x| {
        matches!(&*x.keyword, "COPY" | "ADD")
            && x.words().last().is_some_and(|d| {
                let d = d.trim_end_matches('/');
                d == source
                    || d.starts_with(&format!("{source}/"))
                    || source.starts_with(&format!("{d}/"))
            })
    });
    (made && !filled).then_some(dest)
}

fn add_for_copy(im: &Image) -> Vec<Hit> {
    let found: Vec<&Instruction> = im
        .all_instructions()
        .filter(|i| pred::add_local(i))
        .collect();
    if found.is_empty() {
        return Vec::new();
    }
    vec![hit(
        lines_of(found.iter().copied()),
        format!(
            "{}: ADD used for local files instead of COPY",
            show(found[0])
        ),
    )]
}

fn add_url(im: &Image) -> Vec<Hit> {
    let found: Vec<&Instruction> = im
        .all_instructions()
        .filter(|i| {
            i.keyword == "ADD"
                && i.flag("checksum").is_none()
                && facts::sources(i).iter().any(|s| facts::is_remote(s))
        })
        .collect();
    if found.is_empty() {
        return Vec::new();
    }
    vec![hit(
        lines_of(found.iter().copied()),
        format!("{}: downloaded without a checksum", show(found[0])),
    )]
}

fn copy_context(im: &Image) -> Vec<Hit> {
    each_final(
        im,
        |i| pred::copies_context(i).then(|| show(i)),
        "copies the whole build context into the image",
    )
}

fn copy_secret(im: &Image) -> Vec<Hit> {
    let found: Vec<(&Instruction, String)> = im
        .all_instructions()
        .filter_map(|i| pred::copied_secret(i).map(|s| (i, s)))
        .collect();
    match found.first() {
        None => Vec::new(),
        Some((_, s)) => vec![hit(
            lines_of(found.iter().map(|(i, _)| *i)),
            format!("secret file {s} copied into the image"),
        )],
    }
}

fn secret_env(im: &Image) -> Vec<Hit> {
    let mut keys: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    let preamble = im.df.preamble.iter();
    for i in preamble.chain(im.all_instructions()) {
        let found = pred::secret_settings(i);
        if !found.is_empty() {
            lines.push(i.line_start);
            for k in found {
                let k = format!("{} {k}", i.keyword);
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
    }
    if keys.is_empty() {
        return Vec::new();
    }
    lines.sort_unstable();
    lines.dedup();
    vec![hit(
        lines,
        format!(
            "{}: secret-looking setting baked into the image or its history",
            keys.join(", ")
        ),
    )]
}

fn copy_before_install(im: &Image) -> Vec<Hit> {
    let mut out = Vec::new();
    for (k, stage) in im.df.stages.iter().enumerate() {
        if let Some((copy, run)) = im.facts[k].copy_before_install {
            let (c, r) = (&stage.instructions[copy], &stage.instructions[run]);
            out.push(hit(
                vec![c.line_start, r.line_start],
                format!(
                    "{} comes before the dependency install {}: every source edit reinstalls dependencies",
                    show(c),
                    crate::dockerfile::words::truncate(&r.display(), 40)
                ),
            ));
        }
    }
    out
}

fn pip_cache(im: &Image) -> Vec<Hit> {
    let off = im
        .final_facts()
        .and_then(|f| f.env("PIP_NO_CACHE_DIR"))
        .is_some_and(|v| !v.is_empty());
    if off {
        return Vec::new();
    }
    each_final(
        im,
        |i| pred::pip_cache_kept(i).then(|| "pip install without --no-cache-dir".to_string()),
        "the download cache stays in the image",
    )
}

fn npm_cache(im: &Image) -> Vec<Hit> {
    each_final(
        im,
        |i| {
            let cmds = pred::commands(i);
            let installs = crate::dockerfile::shell::invocations(&cmds, &["npm", "yarn"])
                .into_iter()
                .any(|a| {
                    matches!(
                        crate::dockerfile::shell::subcommand(a),
                        Some("install" | "i" | "ci" | "add") | None
                    )
                });
            let text = i.command_text();
            let cleaned = text.contains("cache clean")
                || text.contains(".npm")
                || text.contains("/.cache/yarn");
            let mounted = i.flags.iter().any(|f| {
                f.name == "mount" && f.value.as_deref().is_some_and(|v| v.contains("type=cache"))
            });
            (installs && !cleaned && !mounted)
                .then(|| "npm/yarn install without a cache mount or cache clean".to_string())
        },
        "the package cache stays in the image",
    )
}

fn apk_cache(im: &Image) -> Vec<Hit> {
    each_final(
        im,
        |i| pred::apk_cache_kept(i).then(|| "apk add without --no-cache".to_string()),
        "the package index stays in the image",
    )
}

fn apt_lists(im: &Image) -> Vec<Hit> {
    each_final(
        im,
        |i| pred::apt_lists_kept(i).then(|| "apt lists not removed in the same RUN".to_string()),
        "/var/lib/apt/lists stays in the image",
    )
}

fn apt_recommends(im: &Image) -> Vec<Hit> {
    each_final(
        im,
        |i| {
            pred::apt_recommends_installed(i)
                .then(|| "apt-get install without --no-install-recommends".to_string())
        },
        "unneeded packages in the image",
    )
}

fn run_consecutive(im: &Image) -> Vec<Hit> {
    let mut lines = Vec::new();
    for stage in im.final_stages() {
        for w in stage.instructions.windows(2) {
            if w[0].keyword == "RUN" && w[1].keyword == "RUN" && w[0].flags == w[1].flags {
                lines.push(w[0].line_start);
                lines.push(w[1].line_start);
            }
        }
    }
    lines.sort_unstable();
    lines.dedup();
    if lines.is_empty() {
        return Vec::new();
    }
    vec![hit(
        lines.clone(),
        format!(
            "{} consecutive RUN instructions: one layer each (join them with &&)",
            lines.len()
        ),
    )]
}

/// Every external image the Dockerfile pulls: stage bases (`FROM`), `COPY --from=` and
/// `RUN --mount=…,from=` sources that name an image rather than a stage, as (line, what the
/// line says, resolved image).
fn external_images(im: &Image) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (k, stage) in im.df.stages.iter().enumerate() {
        if let Some(base) = im.external_base(k) {
            out.push((stage.from.line_start, format!("FROM {base}"), base));
        }
        for ins in &stage.instructions {
            let sources: Vec<(String, String)> = match ins.keyword.as_ref() {
                "COPY" => ins
                    .flag("from")
                    .and_then(|f| f.value.clone())
                    .map(|v| (v.clone(), format!("COPY --from={v}")))
                    .into_iter()
                    .collect(),
                "RUN" => ins
                    .flags
                    .iter()
                    .filter(|f| f.name == "mount")
                    .filter_map(|f| f.value.as_deref())
                    .filter_map(|v| {
                        v.split(',')
                            .find_map(|kv| kv.strip_prefix("from="))
                            .map(|from| (from.to_owned(), format!("RUN --mount=…,from={from}")))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (source, said) in sources {
                let image = im.resolve(&source);
                if im.df.stage_ref(&image).is_none() && !image.is_empty() && !image.contains('$') {
                    out.push((ins.line_start, said, image));
                }
            }
        }
    }
    out
}

/// One hit on every line whose external image `bad` flags, named after the first.
fn bases_where(im: &Image, bad: fn(&str) -> bool, why: &str) -> Vec<Hit> {
    let lines: Vec<(usize, String, String)> = external_images(im)
        .into_iter()
        .filter(|(_, _, image)| bad(image))
        .collect();
    match lines.first() {
        None => Vec::new(),
        Some((_, said, _)) => vec![hit(
            lines.iter().map(|(line, _, _)| *line).collect(),
            format!("{said}: {why}"),
        )],
    }
}

fn base_latest(im: &Image) -> Vec<Hit> {
    bases_where(im, pred::untagged_or_latest, "untagged or latest image")
}

/// A tag that names no version: `lts`, `alpine`, `buster`, `stable`, `current-slim`.
fn floating_tag(image: &str) -> bool {
    let (repo, tag, digest) = crate::reference::split(image);
    // `distroless/static-debian12:nonroot` carries its version in the repository name.
    let repo_versioned = repo
        .rsplit('/')
        .next()
        .is_some_and(|b| b.bytes().any(|c| c.is_ascii_digit()));
    // A distribution's own codename (`debian:bookworm-slim`, `ubuntu:noble`) is its version.
    let distro = matches!(repo.rsplit('/').next().unwrap_or(repo), "debian" | "ubuntu");
    match (tag, digest) {
        (Some(t), None) => {
            t != "latest" && !repo_versioned && !distro && !t.bytes().any(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn base_floating(im: &Image) -> Vec<Hit> {
    bases_where(im, floating_tag, "the tag names no version and moves")
}

/// A Docker Hub image from a user namespace that is not a well-known vendor's.
fn unofficial(image: &str) -> bool {
    let (repo, _, _) = crate::reference::split(image);
    let repo = repo
        .strip_prefix("docker.io/")
        .or_else(|| repo.strip_prefix("index.docker.io/"))
        .unwrap_or(repo);
    let mut parts = repo.split('/');
    let first = parts.next().unwrap_or("");
    let Some(_) = parts.next() else {
        return false; // an official library image
    };
    if first.contains('.') || first.contains(':') || first == "localhost" {
        return false; // another registry: the team's own, or a vendor's
    }
    const VENDORS: &[&str] = &[
        "library",
        "nginxinc",
        "bitnami",
        "hashicorp",
        "grafana",
        "prom",
        "docker",
        "moby",
        "amazon",
        "amazoncorretto",
        "mcr",
        "microsoft",
        "redhat",
        "cimg",
        "circleci",
        "envoyproxy",
        "oven",
        "denoland",
        "chainguard",
        "ubuntu",
        "elastic",
        "confluentinc",
        "paketobuildpacks",
        "gradle",
        "curlimages",
    ];
    !VENDORS.contains(&first.to_ascii_lowercase().as_str())
}

fn base_unofficial(im: &Image) -> Vec<Hit> {
    bases_where(im, unofficial, "a third-party image, not an official one")
}

/// Is this final base small enough: slim, alpine, distroless, a JRE, nginx-unprivileged …?
fn slim_enough(image: &str) -> bool {
    if pred::is_slim(image) {
        return true;
    }
    let (repo, tag, _) = crate::reference::split(image);
    let tag = tag.unwrap_or("").to_ascii_lowercase();
    let base = repo.rsplit('/').next().unwrap_or(repo);
    tag.contains("jre")
        || tag.contains("nonroot")
        || base.contains("unprivileged")
        || matches!(
            base,
            "busybox" | "static" | "base" | "cc" | "scratch" | "caddy" | "traefik"
        )
        || (base == "nginx" || base == "httpd" || base == "redis" || base == "postgres")
        // PHP's web server variant has no slim tag; .NET's runtime images are its slim ones.
        || (base == "php" && tag.contains("apache"))
        || repo.ends_with("dotnet/aspnet")
        || repo.ends_with("dotnet/runtime")
}

fn base_not_slim(im: &Image) -> Vec<Hit> {
    let Some(root) = im.root_stage() else {
        return Vec::new();
    };
    let Some(b) = im.external_base(root.index) else {
        return Vec::new();
    };
    if slim_enough(&b) || pred::untagged_or_latest(&b) && b.contains('/') {
        return Vec::new();
    }
    vec![hit(
        vec![root.from.line_start],
        format!("FROM {b}: the final image is built on a full, not a slim, base"),
    )]
}

fn expose_instructions<'a>(im: &'a Image) -> Vec<&'a Instruction> {
    im.final_instructions()
        .filter(|i| i.keyword == "EXPOSE")
        .collect()
}

fn ssh_port(im: &Image) -> Vec<Hit> {
    let ssh: Vec<&Instruction> = expose_instructions(im)
        .into_iter()
        .filter(|i| i.words().iter().any(|p| p == "22" || p.starts_with("22/")))
        .collect();
    if ssh.is_empty() {
        return Vec::new();
    }
    vec![hit(
        lines_of(ssh.into_iter()),
        "EXPOSE 22: the SSH port is exposed",
    )]
}

fn extra_port(im: &Image) -> Vec<Hit> {
    let (Some(app), Some(f)) = (&im.expect.ports, im.final_facts()) else {
        return Vec::new();
    };
    let extra: Vec<&String> = f
        .ports
        .iter()
        .filter(|p| !app.contains(p) && !p.starts_with("22") && !p.contains('$'))
        .collect();
    if extra.is_empty() {
        return Vec::new();
    }
    let lines = lines_of(expose_instructions(im).into_iter().filter(|i| {
        i.words()
            .iter()
            .any(|w| extra.contains(&&crate::dockerfile::normalize::normalize_port(w)))
    }));
    let list: Vec<&str> = extra.iter().map(|s| s.as_str()).collect();
    let why = if app.is_empty() {
        "the app declares no port".to_string()
    } else {
        format!("the app's are {}", app.join(", "))
    };
    vec![hit(
        lines,
        format!("port {} exposed: {why}", list.join(", ")),
    )]
}

fn shell_form(im: &Image) -> Vec<Hit> {
    // Only the CMD and ENTRYPOINT in force count: the last of each kind in the image.
    let mut last_cmd = None;
    let mut last_ep = None;
    for i in im.final_instructions() {
        match &*i.keyword {
            "CMD" => last_cmd = Some(i),
            "ENTRYPOINT" => {
                last_ep = Some(i);
                last_cmd = None;
            }
            _ => {}
        }
    }
    let bad: Vec<&Instruction> = [last_ep, last_cmd]
        .into_iter()
        .flatten()
        .filter(|i| pred::is_shell_form(i))
        .collect();
    if bad.is_empty() {
        return Vec::new();
    }
    vec![hit(
        lines_of(bad.iter().copied()),
        format!(
            "{} in shell form: the app runs under /bin/sh -c and does not get SIGTERM",
            bad[0].keyword
        ),
    )]
}

fn relative_workdir(im: &Image) -> Vec<Hit> {
    let bad: Vec<&Instruction> = im
        .all_instructions()
        .filter(|i| pred::is_relative_workdir(i))
        .collect();
    if bad.is_empty() {
        return Vec::new();
    }
    vec![hit(
        lines_of(bad.iter().copied()),
        format!("{}: a relative WORKDIR", show(bad[0])),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse_str;

    fn ids(text: &str) -> Vec<&'static str> {
        let df = parse_str(text);
        let e = Expectations::default();
        let im = Image::new(&df, None, &e);
        let mut v: Vec<&str> = evaluate(&im).iter().map(|(r, _)| r.id).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn images_pulled_by_copy_and_mount_are_judged_like_bases() {
        let text = "FROM php:8.3-apache AS app\nCOPY --from=composer:latest /usr/bin/composer /usr/bin/\nUSER 1000\n";
        assert!(ids(text).contains(&"base-latest"), "{:?}", ids(text));
        let text = "FROM php:8.3-apache\nRUN --mount=type=bind,from=composer,source=/usr/bin/composer,target=/c true\nUSER 1000\n";
        assert!(ids(text).contains(&"base-latest"));
        let text =
            "FROM python:3.12-slim\nCOPY --from=someone/uv-tools:stable /uv /bin/\nUSER 1000\n";
        let found = ids(text);
        assert!(
            found.contains(&"base-floating") && found.contains(&"base-unofficial"),
            "{found:?}"
        );
        // Stages, by name or number, and pinned images are not.
        let text = "FROM rust:1.90-slim AS build\nRUN true\nFROM debian:bookworm-slim\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nRUN --mount=type=bind,from=BUILD,target=/m true\nCOPY --from=composer:2.8 /usr/bin/composer /c\nUSER 1000\n";
        let found = ids(text);
        assert!(
            !found.iter().any(|id| id.starts_with("base-latest")
                || id.starts_with("base-floating")
                || id.starts_with("base-unofficial")),
            "{found:?}"
        );
    }

    #[test]
    fn table_is_consistent() {
        let mut seen: Vec<&str> = VERDICTS.iter().map(|r| r.id).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), VERDICTS.len());
        for r in VERDICTS {
            if let Some(p) = r.practice {
                assert!(crate::practices::get(p).is_some(), "{p}");
            }
            assert!(!r.rationale.is_empty() && !r.fix.is_empty() && !r.summary.is_empty());
        }
    }

    #[test]
    fn modes_and_tags() {
        for m in [
            "777", "0777", "666", "o+w", "a+rwx", "+w", "u+x,o+w", "1777",
        ] {
            assert!(pred_mode(m), "{m}");
        }
        for m in ["755", "0644", "u+w", "g+w", "o-w", "750"] {
            assert!(!pred_mode(m), "{m}");
        }
        for t in ["node:lts", "rust:buster", "node:lts-alpine", "python:slim"] {
            assert!(floating_tag(t), "{t}");
        }
        for t in ["node:22", "python:3.12-slim", "python", "x@sha256:ab"] {
            assert!(!floating_tag(t), "{t}");
        }
        assert!(unofficial("tiangolo/uvicorn-gunicorn-fastapi:python3.11"));
        assert!(!unofficial("python:3.12"));
        assert!(!unofficial("registry.example.com/team/python:3.12"));
        assert!(!unofficial("nginxinc/nginx-unprivileged:1.27-alpine"));
    }

    fn pred_mode(m: &str) -> bool {
        let df = parse_str(&format!("FROM x\nRUN chmod {m} /app\n"));
        pred::world_writable(&df.stages[0].instructions[0]).is_some()
    }

    #[test]
    fn a_typical_hand_written_file() {
        let got = ids(
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nEXPOSE 8000\nCMD python app.py\n",
        );
        assert_eq!(
            got,
            [
                "base-not-slim",
                "copy-before-install",
                "copy-context",
                "no-healthcheck",
                "pip-cache",
                "shell-form",
                "user-root"
            ]
        );
    }

    #[test]
    fn inherited_state_counts() {
        let got = ids(
            "FROM python:3.12-slim AS base\nRUN useradd --system app\nUSER app\nHEALTHCHECK CMD [\"true\"]\nFROM base\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
        );
        assert!(got.is_empty(), "{got:?}");
        // A builder's root user does not matter; the final stage's does.
        let got = ids(
            "FROM golang:1.22 AS build\nRUN go build -o /x .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /x /x\nHEALTHCHECK CMD [\"/x\", \"-health\"]\nENTRYPOINT [\"/x\"]\n",
        );
        assert!(got.is_empty(), "{got:?}");
    }
}

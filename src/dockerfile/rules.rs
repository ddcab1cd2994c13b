//! The practice rules: what a drift breaks, in words a developer acts on.
//!
//! Each rule looks at one change (an instruction added, removed, changed or moved on disk
//! compared with what the manifest renders) and returns a message when the change breaks
//! its practice. A rule fires only for what the on-disk file newly does wrong: a violation
//! already present in the rendered file is not the drift's fault. To add a rule, write a
//! `fn(&RuleCtx) -> Option<String>` and add a line to [`RULES`].

use serde::Serialize;

use super::facts::{self, Facts};
use super::model::{Args, Instruction, Stage};
use super::normalize::normalize_port;
use super::report::{ChangeKind, Explanation};
use super::shell;
use super::words::truncate;

/// One practice rule.
#[derive(Debug, Serialize)]
pub struct Rule {
    /// Stable identifier, e.g. `user-root` (SARIF `ruleId`).
    pub id: &'static str,
    /// The practice in `PRACTICES.md` (`P15`), if the rule enforces one of them.
    pub practice: Option<&'static str>,
    /// One line for rule listings (SARIF `shortDescription`).
    pub summary: &'static str,
    #[serde(skip)]
    check: fn(&RuleCtx) -> Option<String>,
}

/// The rule id of the plain description given to a change no practice rule explains.
pub const DRIFT_RULE: &str = "drift";

/// All practice rules, in the order their messages are listed for one change.
#[rustfmt::skip]
pub static RULES: &[Rule] = &[
    //   id                     practice      summary (SARIF shortDescription), check
    rule("user-root",           Some("P15"),  "The container runs as root", user_root),
    rule("fixed-uid",           Some("P16"),  "The runtime user is bound to a fixed UID", fixed_uid),
    rule("healthcheck-removed", Some("P18"),  "HEALTHCHECK removed or disabled", healthcheck_removed),
    rule("ssh-port",            Some("P06"),  "Port 22 (SSH) exposed", ssh_port),
    rule("extra-port",          Some("P06"),  "A port that is not one of the app's is exposed", extra_port),
    rule("port-removed",        None,         "An app port is no longer exposed", port_removed),
    rule("base-latest",         Some("P05"),  "Untagged or :latest base image", base_latest),
    rule("base-digest",         Some("P05"),  "Base image digest pin removed", base_digest),
    rule("base-not-slim",       Some("P03"),  "Base image is not a slim variant", base_not_slim),
    rule("add-for-copy",        Some("P11"),  "ADD used for local files instead of COPY", add_for_copy),
    rule("copy-context",        Some("P12"),  "The whole build context is copied", copy_context),
    rule("copy-secret",         Some("P14"),  "A secret file is copied into the image", copy_secret),
    rule("secret-env",          Some("P14"),  "ENV or ARG with a secret-looking name", secret_env),
    rule("copy-before-install", Some("P09"),  "Source copied before the dependency install", copy_before_install),
    rule("pip-cache",           Some("P10"),  "pip install without --no-cache-dir", pip_cache),
    rule("apk-cache",           Some("P10"),  "apk add without --no-cache", apk_cache),
    rule("apt-recommends",      Some("P13"),  "apt-get install without --no-install-recommends", apt_recommends),
    rule("apt-lists",           Some("P13"),  "apt lists not removed in the same RUN", apt_lists),
    rule("run-layers",          Some("P13"),  "A RUN added next to another RUN", run_layers),
    rule("chown",               Some("P17"),  "App files chowned to the runtime user", chown),
    rule("python-bytecode",     Some("P07"),  "PYTHONDONTWRITEBYTECODE no longer set", python_bytecode),
    rule("python-unbuffered",   Some("P08"),  "PYTHONUNBUFFERED no longer set", python_unbuffered),
    rule("shell-form",          None,         "CMD or ENTRYPOINT in shell form (hadolint DL3025)", shell_form),
    rule("relative-workdir",    None,         "Relative WORKDIR (hadolint DL3000)", relative_workdir),
];

const fn rule(
    id: &'static str,
    practice: Option<&'static str>,
    summary: &'static str,
    check: fn(&RuleCtx) -> Option<String>,
) -> Rule {
    Rule {
        id,
        practice,
        summary,
        check,
    }
}

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Everything a rule may look at for one change.
pub(crate) struct RuleCtx<'a> {
    pub kind: ChangeKind,
    /// The instruction as the manifest renders it (None when added).
    pub before: Option<&'a Instruction>,
    /// The instruction on disk (None when removed).
    pub after: Option<&'a Instruction>,
    /// The change is to the stage's FROM.
    pub is_from: bool,
    /// Index of `after` among the on-disk stage's instructions.
    pub after_index: Option<usize>,
    pub actual_stage: Option<&'a Stage>,
    pub expected_facts: Option<&'a Facts>,
    pub actual_facts: Option<&'a Facts>,
    /// The stage is part of the image `docker build` produces: the last one on disk, or a stage
    /// the last one is built `FROM`.
    pub is_final: bool,
    pub final_expected: Option<&'a Facts>,
    pub final_actual: Option<&'a Facts>,
    /// The on-disk instruction index that carries this stage's P09 message.
    pub p09_anchor: Option<usize>,
}

/// Runs every rule on one change: what each rule that fires explains.
pub(crate) fn evaluate(c: &RuleCtx) -> Vec<Explanation> {
    RULES
        .iter()
        .filter_map(|r| {
            (r.check)(c).map(|message| Explanation {
                rule: r.id,
                practice: r.practice,
                message,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Helpers

const SHOW: usize = 60;

fn show(i: &Instruction) -> String {
    truncate(&i.display(), SHOW)
}

fn kw(i: Option<&Instruction>) -> &str {
    i.map_or("", |i| &i.keyword)
}

fn involves(c: &RuleCtx, keyword: &str) -> bool {
    kw(c.before) == keyword || kw(c.after) == keyword
}

/// `pred` holds on disk but not in the rendering of the same instruction.
fn newly<'a>(c: &RuleCtx<'a>, pred: impl Fn(&Instruction) -> bool) -> Option<&'a Instruction> {
    let after = c.after?;
    (pred(after) && !c.before.is_some_and(&pred)).then_some(after)
}

pub(crate) fn commands(i: &Instruction) -> Vec<Vec<String>> {
    if i.keyword == "RUN" {
        shell::commands(&i.command_text())
    } else {
        Vec::new()
    }
}

fn has_cache_mount(i: &Instruction, target: &str) -> bool {
    i.flags.iter().any(|f| {
        f.name == "mount"
            && f.value.as_deref().is_some_and(|v| {
                v.split(',').any(|p| p == "type=cache")
                    && v.split(',').any(|p| {
                        p.split_once('=').is_some_and(|(k, val)| {
                            matches!(k, "target" | "dst" | "destination") && val.starts_with(target)
                        })
                    })
            })
    })
}

fn verb(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
        ChangeKind::Moved => "moved",
    }
}

// ---------------------------------------------------------------------------------------
// USER

/// A new stage on disk that is now the last one: it is what the image is.
fn new_final_stage(c: &RuleCtx) -> Option<String> {
    (c.is_final && c.is_from && c.kind == ChangeKind::Added).then(|| {
        let label = c
            .actual_stage
            .map_or_else(String::new, |s| format!("stage {} ", s.label()));
        format!("{label}added as the final stage")
    })
}

fn user_root(c: &RuleCtx) -> Option<String> {
    if let Some(what) = new_final_stage(c) {
        let (fe, fa) = (c.final_expected?, c.final_actual?);
        return (!fe.runs_as_root() && fa.runs_as_root())
            .then(|| format!("{what}: the container now runs as root"));
    }
    if !c.is_final || !involves(c, "USER") {
        return None;
    }
    let (fe, fa) = (c.final_expected?, c.final_actual?);
    if fe.runs_as_root() || !fa.runs_as_root() {
        return None;
    }
    // Only a change to a non-root USER can be what makes the container run as root.
    let root_user = |i: Option<&Instruction>| {
        i.is_some_and(|i| {
            i.keyword == "USER"
                && Facts {
                    user: i.text().map(str::to_string),
                    ..Facts::default()
                }
                .runs_as_root()
        })
    };
    if c.kind == ChangeKind::Removed && root_user(c.before) {
        return None;
    }
    const WHY: &str = "the container now runs as root";
    Some(match (c.kind, c.before, c.after) {
        (ChangeKind::Changed, Some(b), Some(a)) => format!(
            "USER changed from {} to {}: {WHY}",
            b.text().unwrap_or(""),
            a.text().unwrap_or("")
        ),
        (ChangeKind::Removed, Some(b), _) => format!("{} removed: {WHY}", show(b)),
        (kind, _, Some(a)) => format!("{} {}: {WHY}", show(a), verb(kind)),
        _ => return None,
    })
}

pub(crate) fn numeric_uid(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s != "0"
}

/// `USER 1000` (a numeric, non-root user).
pub(crate) fn user_numeric(i: &Instruction) -> bool {
    i.keyword == "USER" && numeric_uid(i.text().unwrap_or("").split(':').next().unwrap_or(""))
}

/// The fixed UID given to `useradd`/`adduser` (`-u 1000`, `--uid=1000`), if any.
pub(crate) fn useradd_uid(i: &Instruction) -> Option<String> {
    shell::invocations(&commands(i), &["useradd", "adduser"])
        .into_iter()
        .find_map(|args| {
            args.iter().enumerate().find_map(|(k, a)| {
                let v = match a.as_str() {
                    "-u" | "--uid" => args.get(k + 1).map(String::as_str),
                    _ => a
                        .strip_prefix("--uid=")
                        .or_else(|| a.strip_prefix("-u").filter(|r| !r.is_empty())),
                }?;
                numeric_uid(v).then(|| v.to_string())
            })
        })
}

fn fixed_uid(c: &RuleCtx) -> Option<String> {
    if let Some(a) = newly(c, user_numeric) {
        return Some(format!(
            "{}: the runtime user is bound to a fixed UID",
            show(a)
        ));
    }
    let a = newly(c, |i| useradd_uid(i).is_some())?;
    Some(format!(
        "useradd with UID {}: the runtime user is bound to a fixed UID",
        useradd_uid(a)?
    ))
}

// ---------------------------------------------------------------------------------------
// HEALTHCHECK, EXPOSE

fn healthcheck_removed(c: &RuleCtx) -> Option<String> {
    const WHY: &str = "nothing tells Docker whether the app is healthy";
    let lost = |c: &RuleCtx| -> Option<bool> {
        Some(
            c.final_expected?.healthcheck == Some(true)
                && c.final_actual?.healthcheck != Some(true),
        )
    };
    if let Some(what) = new_final_stage(c) {
        return lost(c)?.then(|| format!("{what} without a HEALTHCHECK: {WHY}"));
    }
    if !c.is_final || !involves(c, "HEALTHCHECK") || !lost(c)? {
        return None;
    }
    Some(match c.after {
        Some(a) if matches!(a.args, Args::HealthcheckNone) => {
            format!("HEALTHCHECK disabled (HEALTHCHECK NONE): {WHY}")
        }
        _ => format!("HEALTHCHECK removed: {WHY}"),
    })
}

fn ports(i: Option<&Instruction>) -> Vec<String> {
    match i {
        Some(i) if i.keyword == "EXPOSE" => i.words().iter().map(|p| normalize_port(p)).collect(),
        _ => Vec::new(),
    }
}

fn is_ssh(port: &str) -> bool {
    port == "22" || port.starts_with("22/")
}

fn ssh_port(c: &RuleCtx) -> Option<String> {
    let (before, after) = (ports(c.before), ports(c.after));
    let new_ssh = after.iter().any(|p| is_ssh(p)) && !before.iter().any(|p| is_ssh(p));
    new_ssh.then(|| "EXPOSE 22 added: SSH port exposed".to_string())
}

fn app_ports(c: &RuleCtx) -> Vec<String> {
    c.expected_facts
        .or(c.final_expected)
        .map(|f| f.ports.clone())
        .unwrap_or_default()
}

fn extra_port(c: &RuleCtx) -> Option<String> {
    let (before, after) = (ports(c.before), ports(c.after));
    let app = app_ports(c);
    let extra: Vec<&String> = after
        .iter()
        .filter(|p| !is_ssh(p) && !p.contains('$') && !before.contains(p) && !app.contains(p))
        .collect();
    if extra.is_empty() {
        return None;
    }
    let list = extra
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let noun = if extra.len() == 1 { "port" } else { "ports" };
    Some(if app.is_empty() {
        format!("{noun} {list} exposed: the app exposes no port")
    } else {
        format!("{noun} {list} exposed: not the app's ({})", app.join(", "))
    })
}

fn port_removed(c: &RuleCtx) -> Option<String> {
    let (before, after) = (ports(c.before), ports(c.after));
    let still = c.actual_facts.map(|f| f.ports.clone()).unwrap_or_default();
    let gone: Vec<&String> = before
        .iter()
        .filter(|p| !after.contains(p) && !still.contains(p))
        .collect();
    if gone.is_empty() {
        return None;
    }
    let list = gone
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Some(if gone.len() == 1 {
        format!("port {list} no longer exposed: the app's port is not declared")
    } else {
        format!("ports {list} no longer exposed: the app's ports are not declared")
    })
}

// ---------------------------------------------------------------------------------------
// FROM

/// The FROM image, unless it is an earlier stage, `scratch` or a variable.
fn base_image<'a>(i: Option<&'a Instruction>, facts: Option<&Facts>) -> Option<&'a str> {
    let Args::From { image, .. } = &i?.args else {
        return None;
    };
    let is_stage = facts.is_some_and(|f| f.base_is_stage);
    (!is_stage
        && !image.eq_ignore_ascii_case("scratch")
        && !image.starts_with('$')
        && !image.is_empty())
    .then_some(image.as_str())
}

pub(crate) fn untagged_or_latest(image: &str) -> bool {
    let (_, tag, digest) = crate::reference::split(image);
    digest.is_none() && tag.is_none_or(|t| t == "latest")
}

fn from_to(c: &RuleCtx, after: &str) -> String {
    match base_image(c.before, c.expected_facts) {
        Some(b) => format!("base image changed from {b} to {after}"),
        None => format!("base image {after}"),
    }
}

fn base_latest(c: &RuleCtx) -> Option<String> {
    if !c.is_from {
        return None;
    }
    let after = base_image(c.after, c.actual_facts)?;
    let before_bad = base_image(c.before, c.expected_facts).is_some_and(untagged_or_latest);
    (untagged_or_latest(after) && !before_bad)
        .then(|| format!("{}: untagged/latest base", from_to(c, after)))
}

fn base_digest(c: &RuleCtx) -> Option<String> {
    if !c.is_from {
        return None;
    }
    let before = base_image(c.before, c.expected_facts)?;
    let after = base_image(c.after, c.actual_facts)?;
    (crate::reference::split(before).2.is_some()
        && crate::reference::split(after).2.is_none()
        && !untagged_or_latest(after))
    .then(|| format!("base image digest pin removed: {before} → {after}"))
}

pub(crate) fn is_slim(image: &str) -> bool {
    let (repo, tag, _) = crate::reference::split(image);
    let tag = tag.unwrap_or("");
    [
        "slim",
        "alpine",
        "distroless",
        "minimal",
        "micro",
        "chiseled",
    ]
    .iter()
    .any(|s| tag.contains(s) || repo.contains(s))
}

fn base_not_slim(c: &RuleCtx) -> Option<String> {
    if !c.is_from || !c.is_final {
        return None;
    }
    let before = base_image(c.before, c.expected_facts)?;
    let after = base_image(c.after, c.actual_facts)?;
    (is_slim(before) && !is_slim(after) && !untagged_or_latest(after))
        .then(|| format!("base image changed from {before} to {after}: not a slim image"))
}

// ---------------------------------------------------------------------------------------
// COPY / ADD

/// ADD of local files that are not archives (COPY does the same, without surprises).
pub(crate) fn add_local(i: &Instruction) -> bool {
    const ARCHIVES: &[&str] = &[
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ];
    i.keyword == "ADD"
        && i.heredocs.is_empty()
        && facts::sources(i).iter().any(|s| {
            let s = s.to_ascii_lowercase();
            !facts::is_remote(&s) && !ARCHIVES.iter().any(|a| s.ends_with(a))
        })
}

fn add_for_copy(c: &RuleCtx) -> Option<String> {
    newly(c, add_local).map(|_| "ADD used instead of COPY".to_string())
}

pub(crate) fn copies_context(i: &Instruction) -> bool {
    matches!(&*i.keyword, "COPY" | "ADD")
        && i.flag("from").is_none()
        && facts::sources(i)
            .iter()
            .any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*" | "/"))
}

fn copy_context(c: &RuleCtx) -> Option<String> {
    newly(c, copies_context).map(|a| format!("{} copies the whole context", show(a)))
}

/// The secret file (`.env`, a key) a COPY/ADD brings from the build context, if any.
pub(crate) fn copied_secret(i: &Instruction) -> Option<String> {
    if !matches!(&*i.keyword, "COPY" | "ADD") || i.flag("from").is_some() {
        return None;
    }
    facts::sources(i)
        .iter()
        .find(|s| crate::secrets::file(s))
        .cloned()
}

fn copy_secret(c: &RuleCtx) -> Option<String> {
    let secret = copied_secret;
    let a = newly(c, |i| secret(i).is_some())?;
    Some(format!(
        "{} copies a secret file ({}) into the image",
        show(a),
        secret(a)?
    ))
}

/// Does an ENV/ARG name look like it holds a secret? Asks the one secret detector.
pub(crate) fn secret_key(key: &str) -> bool {
    crate::secrets::name(key).is_some()
}

/// THE secret decision for an ENV/ARG entry (name and value, when there is one): every rule
/// that judges a setting asks the one secret detector (`crate::secrets`) through here.
pub(crate) fn is_secret_setting(key: &str, value: Option<&str>) -> bool {
    match value {
        Some(v) => crate::secrets::env(key, v).is_some(),
        None => crate::secrets::name(key).is_some(),
    }
}

/// The ENV/ARG keys of an instruction that hold secrets.
pub(crate) fn secret_settings(i: &Instruction) -> Vec<&str> {
    if !matches!(&*i.keyword, "ENV" | "ARG") {
        return Vec::new();
    }
    i.key_values()
        .iter()
        .filter(|kv| is_secret_setting(&kv.key, kv.value.as_deref()))
        .map(|kv| kv.key.as_str())
        .collect()
}

fn secret_env(c: &RuleCtx) -> Option<String> {
    let after = c.after?;
    if !matches!(&*after.keyword, "ENV" | "ARG") {
        return None;
    }
    let before_keys: Vec<&str> = c
        .before
        .filter(|b| b.keyword == after.keyword)
        .map(|b| b.key_values().iter().map(|kv| kv.key.as_str()).collect())
        .unwrap_or_default();
    let before_values: Vec<(&str, Option<&str>)> = c
        .before
        .filter(|b| b.keyword == after.keyword)
        .map(|b| {
            b.key_values()
                .iter()
                .map(|kv| (kv.key.as_str(), kv.value.as_deref()))
                .collect()
        })
        .unwrap_or_default();
    let keys: Vec<&str> = after
        .key_values()
        .iter()
        .filter(|kv| {
            let by_name = secret_key(&kv.key) && !before_keys.contains(&kv.key.as_str());
            let by_value = kv
                .value
                .as_deref()
                .is_some_and(|v| crate::secrets::value(v).is_some())
                && !before_values.contains(&(kv.key.as_str(), kv.value.as_deref()));
            by_name || by_value
        })
        .map(|kv| kv.key.as_str())
        .collect();
    if keys.is_empty() {
        return None;
    }
    let why = if after.keyword == "ENV" {
        "the value is baked into the image"
    } else {
        "build arguments stay in the image history"
    };
    Some(format!(
        "{} with secret-looking key {}: {why}",
        after.keyword,
        keys.join(", ")
    ))
}

fn copy_before_install(c: &RuleCtx) -> Option<String> {
    if c.kind == ChangeKind::Removed || c.after_index.is_none() || c.after_index != c.p09_anchor {
        return None;
    }
    let stage = c.actual_stage?;
    let (copy_i, run_i) = c.actual_facts?.copy_before_install?;
    let copy = show(stage.instructions.get(copy_i)?);
    const WHY: &str = "every source edit reinstalls dependencies";
    Some(if c.after_index == Some(copy_i) {
        match c.kind {
            ChangeKind::Moved => format!("{copy} moved above the dependency install: {WHY}"),
            ChangeKind::Added => format!("{copy} added above the dependency install: {WHY}"),
            _ => format!("{copy} now comes before the dependency install: {WHY}"),
        }
    } else {
        let run = show(stage.instructions.get(run_i)?);
        format!(
            "dependency install {run} {} below {copy}: {WHY}",
            verb(c.kind)
        )
    })
}

// ---------------------------------------------------------------------------------------
// RUN

/// `pip install` that keeps its download cache in the layer.
pub(crate) fn pip_cache_kept(i: &Instruction) -> bool {
    !has_cache_mount(i, "/root/.cache")
        && shell::pip_installs(&commands(i)).iter().any(|args| {
            !args
                .iter()
                .any(|a| a == "--no-cache-dir" || a.starts_with("--no-cache-dir="))
        })
        && !i.command_text().contains("PIP_NO_CACHE_DIR")
}

fn pip_cache(c: &RuleCtx) -> Option<String> {
    let env_off = c
        .actual_facts
        .and_then(|f| f.env("PIP_NO_CACHE_DIR"))
        .is_some_and(|v| !v.is_empty());
    let bad = pip_cache_kept;
    if env_off {
        return None;
    }
    newly(c, bad).map(|_| {
        "pip install without --no-cache-dir: the download cache stays in the image".to_string()
    })
}

/// `apk add` that keeps the package index in the layer.
pub(crate) fn apk_cache_kept(i: &Instruction) -> bool {
    !has_cache_mount(i, "/var/cache/apk")
        && shell::invocations(&commands(i), &["apk"])
            .iter()
            .any(|a| shell::subcommand(a) == Some("add") && !a.iter().any(|w| w == "--no-cache"))
        && !i.command_text().contains("/var/cache/apk")
}

fn apk_cache(c: &RuleCtx) -> Option<String> {
    newly(c, apk_cache_kept)
        .map(|_| "apk add without --no-cache: the package index stays in the image".to_string())
}

/// `apt-get install` without `--no-install-recommends`.
pub(crate) fn apt_recommends_installed(i: &Instruction) -> bool {
    shell::invocations(&commands(i), &["apt-get", "apt"])
        .iter()
        .any(|a| {
            shell::subcommand(a) == Some("install")
                && !a.iter().any(|w| {
                    w == "--no-install-recommends"
                        || w.contains("Install-Recommends=false")
                        || w.contains("Install-Recommends=0")
                })
        })
}

fn apt_recommends(c: &RuleCtx) -> Option<String> {
    newly(c, apt_recommends_installed).map(|_| {
        "apt-get install without --no-install-recommends: unneeded packages in the image"
            .to_string()
    })
}

/// apt used without removing `/var/lib/apt/lists` in the same RUN.
pub(crate) fn apt_lists_kept(i: &Instruction) -> bool {
    shell::invocations(&commands(i), &["apt-get", "apt"])
        .iter()
        .any(|a| matches!(shell::subcommand(a), Some("update" | "install")))
        && !i.command_text().contains("/var/lib/apt/lists")
        && !has_cache_mount(i, "/var/lib/apt")
}

fn apt_lists(c: &RuleCtx) -> Option<String> {
    newly(c, apt_lists_kept).map(|_| {
        "apt lists not removed: /var/lib/apt/lists stays in the image (rm -rf /var/lib/apt/lists/* in the same RUN)".to_string()
    })
}

fn run_layers(c: &RuleCtx) -> Option<String> {
    if c.kind != ChangeKind::Added || kw(c.after) != "RUN" {
        return None;
    }
    let (stage, i) = (c.actual_stage?, c.after_index?);
    let neighbour_run = |k: Option<usize>| {
        k.and_then(|k| stage.instructions.get(k))
            .is_some_and(|n| n.keyword == "RUN")
    };
    (neighbour_run(i.checked_sub(1)) || neighbour_run(Some(i + 1)))
        .then(|| "RUN added next to another RUN: one more layer (group the commands)".to_string())
}

/// Is a `chown` owner (`app`, `app:app`, `1000.1000`) someone other than root?
fn not_root(owner: &str) -> bool {
    let user = owner.split([':', '.']).next().unwrap_or("");
    !user.is_empty() && user != "root" && user != "0"
}

/// The `chown` invocations of a RUN that hand paths to a non-root user: the paths, and the
/// command as shown in a report.
fn chowned(i: &Instruction) -> Vec<(Vec<String>, String)> {
    shell::invocations(&commands(i), &["chown"])
        .into_iter()
        .filter_map(|args| {
            let mut words = args.iter().filter(|a| !a.starts_with('-'));
            let owner = words.next()?;
            not_root(owner).then(|| {
                let mut shown = vec!["chown".to_string()];
                shown.extend(args.iter().cloned());
                (words.cloned().collect(), truncate(&shown.join(" "), SHOW))
            })
        })
        .collect()
}

/// Every path a RUN hands to a non-root user with `chown`.
pub(crate) fn chowned_paths(i: &Instruction) -> Vec<String> {
    chowned(i)
        .into_iter()
        .flat_map(|(paths, _)| paths)
        .collect()
}

/// The folders a RUN creates with `mkdir`.
pub(crate) fn made_dirs(i: &Instruction) -> Vec<String> {
    shell::invocations(&commands(i), &["mkdir"])
        .into_iter()
        .flat_map(|args| {
            args.iter()
                .filter(|a| !a.starts_with('-'))
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `COPY --chown=app` or `chown app …`: app files owned by a non-root user (the detail).
pub(crate) fn chown_detail(i: &Instruction) -> Option<String> {
    chown_detail_except(i, &[])
}

/// As [`chown_detail`], but a RUN that chowns only `allowed` paths (the manifest's declared
/// `[app] writable` folders, which the runtime user may own) is not app files.
pub(crate) fn chown_detail_except(i: &Instruction, allowed: &[String]) -> Option<String> {
    if matches!(&*i.keyword, "COPY" | "ADD") {
        let v = i.flag("chown")?.value.as_deref()?;
        // A folder made in a build stage and copied to a declared writable path: how an image
        // without a shell (distroless, scratch) gets one, not app files.
        if copied_writable(i).is_some_and(|dest| allowed.contains(&dest)) {
            return None;
        }
        return not_root(v).then(|| format!("--chown={v}"));
    }
    chowned(i).into_iter().find_map(|(paths, shown)| {
        let extra = paths.is_empty() || paths.iter().any(|p| !allowed.contains(p));
        extra.then_some(shown)
    })
}

/// The destination of a `COPY --from=STAGE --chown=… SRC DEST` of one path from another stage
/// (how an image without a shell gets a writable folder), else None.
pub(crate) fn copied_writable(i: &Instruction) -> Option<String> {
    if i.keyword != "COPY" || i.flag("from").is_none() || i.flag("chown").is_none() {
        return None;
    }
    match i.words() {
        [_, dest] => Some(dest.trim_end_matches('/').to_owned()).filter(|d| !d.is_empty()),
        _ => None,
    }
}

/// `chmod 777`, `chmod -R o+w`, `chmod a+rwx`: files writable by every user (the detail).
pub(crate) fn world_writable(i: &Instruction) -> Option<String> {
    let from_copy = matches!(&*i.keyword, "COPY" | "ADD")
        .then(|| i.flag("chmod").and_then(|f| f.value.clone()))
        .flatten()
        .filter(|m| mode_world_writable(m))
        .map(|m| format!("--chmod={m}"));
    from_copy.or_else(|| {
        shell::invocations(&commands(i), &["chmod"])
            .into_iter()
            .find_map(|args| {
                let mode = args
                    .iter()
                    .find(|a| !a.starts_with('-') || a.starts_with("-w"))?;
                // `mkdir -p dir && chmod 1777 dir` (not recursive) makes a sticky scratch
                // folder like /tmp, where each user can remove only their own files: not app
                // files. A folder the RUN did not make itself stays a finding.
                let made = made_dirs(i);
                let targets: Vec<&String> = args
                    .iter()
                    .filter(|a| !a.starts_with('-') && *a != mode)
                    .collect();
                let sticky_dir = mode.len() == 4
                    && mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
                    && (mode.as_bytes()[0] - b'0') & 1 != 0
                    && !args.iter().any(|a| {
                        a == "--recursive"
                            || (a.starts_with('-') && !a.starts_with("--") && a.contains('R'))
                    })
                    && !targets.is_empty()
                    && targets.iter().all(|t| made.contains(*t));
                (mode_world_writable(mode) && !sticky_dir).then(|| {
                    let mut words = vec!["chmod".to_string()];
                    words.extend(args.iter().cloned());
                    truncate(&words.join(" "), SHOW)
                })
            })
    })
}

/// Does a chmod mode give write permission to others (`777`, `0666`, `o+w`, `a+rwx`, `+w`)?
fn mode_world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let last = mode.as_bytes()[mode.len() - 1] - b'0';
        return mode.len() >= 3 && last & 2 != 0;
    }
    mode.split(',').any(|clause| {
        let Some(op) = clause.find(['+', '=']) else {
            return false;
        };
        let (who, perms) = (&clause[..op], &clause[op + 1..]);
        (who.is_empty() || who.contains('o') || who.contains('a')) && perms.contains('w')
    })
}

fn chown(c: &RuleCtx) -> Option<String> {
    if !c.is_final {
        return None;
    }
    // What the manifest renders as a chown are the declared writable paths; any other is code.
    let allowed: Vec<String> = c
        .before
        .map(|b| match &*b.keyword {
            "RUN" => chowned_paths(b),
            _ => copied_writable(b).into_iter().collect(),
        })
        .unwrap_or_default();
    let found = chown_detail_except(c.after?, &allowed)?;
    if c.before.is_some_and(|b| {
        chown_detail(b).is_some() && b.keyword != "RUN" && copied_writable(b).is_none()
    }) {
        return None;
    }
    Some(format!(
        "chown of app files ({found}): the runtime user can modify the app"
    ))
}

// ---------------------------------------------------------------------------------------
// ENV

fn env_dropped(c: &RuleCtx, key: &str) -> bool {
    // Python honours any non-empty value, even "0".
    let set = |f: Option<&Facts>| f.and_then(|f| f.env(key)).is_some_and(|v| !v.is_empty());
    c.before
        .is_some_and(|b| b.keyword == "ENV" && b.key_values().iter().any(|kv| kv.key == key))
        && c.kind != ChangeKind::Moved
        && set(c.expected_facts)
        && !set(c.actual_facts)
}

fn python_bytecode(c: &RuleCtx) -> Option<String> {
    env_dropped(c, "PYTHONDONTWRITEBYTECODE").then(|| {
        "PYTHONDONTWRITEBYTECODE no longer set: Python writes .pyc files into the container"
            .to_string()
    })
}

fn python_unbuffered(c: &RuleCtx) -> Option<String> {
    env_dropped(c, "PYTHONUNBUFFERED")
        .then(|| "PYTHONUNBUFFERED no longer set: logs can get stuck in a buffer".to_string())
}

// ---------------------------------------------------------------------------------------
// Form

/// CMD/ENTRYPOINT in shell form.
pub(crate) fn is_shell_form(i: &Instruction) -> bool {
    matches!(&*i.keyword, "CMD" | "ENTRYPOINT") && matches!(i.args, Args::Shell(_))
}

fn shell_form(c: &RuleCtx) -> Option<String> {
    let a = newly(c, is_shell_form)?;
    Some(format!(
        "{} in shell form: the app runs under /bin/sh -c and does not get signals (use the JSON form)",
        a.keyword
    ))
}

/// A relative WORKDIR.
pub(crate) fn is_relative_workdir(i: &Instruction) -> bool {
    i.keyword == "WORKDIR"
        && i.text().is_some_and(|t| {
            let t = t.trim_matches(['"', '\'']);
            !t.starts_with(['/', '$', '\\']) && t.as_bytes().get(1).is_none_or(|&b| b != b':')
        })
}

fn relative_workdir(c: &RuleCtx) -> Option<String> {
    let a = newly(c, is_relative_workdir)?;
    Some(format!(
        "WORKDIR {} is relative: it depends on the WORKDIR before it",
        a.text().unwrap_or("")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_practices_exist() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert!(!ids.contains(&DRIFT_RULE));
        for r in RULES {
            if let Some(p) = r.practice {
                let n: u32 = p[1..].parse().unwrap();
                assert!(p.starts_with('P') && (1..=21).contains(&n), "{p}");
            }
        }
        assert_eq!(rule_by_id("user-root").unwrap().practice, Some("P15"));
    }

    #[test]
    fn sticky_scratch_folders_are_not_world_writable_app_files() {
        let run = |text: &str| {
            let df = crate::dockerfile::parse_str(&format!("FROM debian:12-slim\nRUN {text}\n"));
            world_writable(&df.stages[0].instructions[0])
        };
        assert_eq!(run("mkdir -p /app/logs && chmod 1777 /app/logs"), None);
        assert!(run("chmod -R 1777 /app").is_some());
        assert!(run("chmod 777 /app/logs").is_some());
        assert!(run("chmod 0777 /app").is_some());
        assert!(run("chmod 1777 /app").is_some());
        assert!(run("chmod o+w /app").is_some());
    }

    #[test]
    fn image_references() {
        assert!(untagged_or_latest("python"));
        assert!(untagged_or_latest("python:latest"));
        assert!(!untagged_or_latest("python@sha256:ab"));
        assert!(!untagged_or_latest("python:3.12"));
        assert!(is_slim("python:3.12-slim"));
        assert!(is_slim("gcr.io/distroless/static"));
        assert!(!is_slim("python:3.12"));
    }

    #[test]
    fn secret_keys() {
        for k in [
            "DB_PASSWORD",
            "API_KEY",
            "GITHUB_TOKEN",
            "aws_secret_access_key",
            "AUTH",
            "Private-Key",
            "npm.auth.token",
        ] {
            assert!(secret_key(k), "{k}");
        }
        for k in [
            "PATH",
            "PUBLIC_KEY",
            "TOKENIZER_PARALLELISM",
            "KEYBOARD",
            "PASSENGER_ENV",
            "LOG_LEVEL",
        ] {
            assert!(!secret_key(k), "{k}");
        }
    }

    #[test]
    fn secret_files() {
        for f in [
            ".env",
            "./.env.production",
            "certs/server.key",
            "id_rsa",
            "conf/tls.pem",
        ] {
            assert!(crate::secrets::file(f), "{f}");
        }
        for f in [".env.example", "app.py", "keys.py", "environment.yml"] {
            assert!(!crate::secrets::file(f), "{f}");
        }
    }
}

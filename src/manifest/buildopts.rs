//! Build options beyond the base image: build secrets (`[secrets.ID]`) and target platforms
//! (`[image] platforms`), with their rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::Manifest;
use super::validate::Checker;

/// A build secret: a credential the dependency install needs, such as a private package index.
/// BuildKit mounts it into the install step only (`RUN --mount=type=secret`); it never reaches an
/// `ENV`, an `ARG`, a layer or `docker history`. Give exactly one of `env` and `file`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildSecret {
    /// What the secret holds, and so how the install step uses it: `netrc` (a netrc file with
    /// the private index's machine, login and password; pip, uv and poetry), `index-url` (pip's
    /// index URL with the credentials in it) or `npmrc` (an `.npmrc` with the registry and its
    /// `_authToken`; npm, yarn and pnpm).
    pub kind: SecretKind,
    /// The environment variable the build reads the secret from (`docker build --secret
    /// id=ID,env=VAR`, compose `environment:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// The file the build reads the secret from (`docker build --secret id=ID,src=FILE`, compose
    /// `file:`): absolute, or relative to the manifest's directory. A relative file is kept out
    /// of the build context by `.dockerignore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// How the install step uses a build secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// A netrc file, mounted as the builder's `~/.netrc` (pip, uv, poetry).
    Netrc,
    /// pip's index URL with credentials (`https://user:password@host/simple`), read into
    /// `PIP_INDEX_URL` for the install command only.
    IndexUrl,
    /// An `.npmrc` with the registry and its token, mounted as the builder's `~/.npmrc` (npm,
    /// yarn, pnpm).
    Npmrc,
}

impl SecretKind {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Netrc => "netrc",
            SecretKind::IndexUrl => "index-url",
            SecretKind::Npmrc => "npmrc",
        }
    }
}

/// The platforms `[image] platforms` accepts: what official images and Go/Rust cross-compilers
/// commonly provide.
pub const PLATFORMS: &[&str] = &[
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
];

fn is_secret_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `[secrets.*]` and `[image] platforms`.
pub fn validate(m: &Manifest, c: &mut Checker<'_>) {
    secrets(m, c);
    platforms(m, c);
    if let Some(cron) = m.ci.as_ref().and_then(|ci| ci.lock_update.as_ref()) {
        let fields: Vec<&str> = cron.split(' ').collect();
        let ok = fields.len() == 5
            && fields.iter().all(|f| {
                !f.is_empty()
                    && f.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "*/,-".contains(ch))
            });
        if !ok {
            c.error(
                "ci-cron",
                &["ci".into(), "lock_update".into()],
                format!("`{cron}` is not a cron schedule"),
                "five fields separated by single spaces, e.g. `0 6 * * 1`",
            );
        }
    }
}

fn secrets(m: &Manifest, c: &mut Checker<'_>) {
    let mut seen_kinds: Vec<SecretKind> = Vec::new();
    for (id, secret) in &m.secrets {
        let at = |field: &'static str| -> Vec<super::spans::Seg<'_>> {
            vec!["secrets".into(), id.as_str().into(), field.into()]
        };
        if !is_secret_id(id) {
            c.key_error(
                "secret-id",
                &["secrets".into(), id.as_str().into()],
                format!("`{id}` is not a usable secret id"),
                "letters, digits, `_`, `.` and `-`, starting with a letter or digit",
            );
        }
        match (&secret.env, &secret.file) {
            (Some(_), Some(_)) | (None, None) => {
                c.key_error(
                    "secret-source",
                    &["secrets".into(), id.as_str().into()],
                    format!("secret `{id}` needs exactly one source: `env` or `file`"),
                    "give `env = \"VAR\"` or `file = \"path\"`",
                );
            }
            (Some(env), None) if !is_env_name(env) => {
                c.error(
                    "secret-env",
                    &at("env"),
                    format!("`{env}` is not an environment variable name"),
                    "letters, digits and `_`, not starting with a digit",
                );
            }
            (None, Some(file))
                if file.is_empty()
                    || file.starts_with('~')
                    || file.contains([',', '"', '\'', '$', '\\', '`', '*', '?', '[', '!', '#']) =>
            {
                c.error(
                    "secret-file",
                    &at("file"),
                    format!("`{file}` cannot be used as a secret file"),
                    "a plain path: no `~`, `$`, quotes, backslashes, commas, `#` or glob characters",
                )
                .help = Some(
                    "write the path relative to dgen.toml or absolute, or take the secret from an environment variable (`env`)"
                        .to_owned(),
                );
            }
            _ => {}
        }
        let supported = crate::stacks::get(m.stack)
            .build_secret(m, secret.kind)
            .unwrap_or_else(|| {
                Err(format!(
                    "a `{}` secret is for {}, not the {} stack",
                    secret.kind.as_str(),
                    match secret.kind {
                        SecretKind::Npmrc => "npm, yarn and pnpm installs (node, static)",
                        _ => "Python installs",
                    },
                    m.stack.as_str()
                ))
            });
        if let Err(why) = supported {
            c.error(
                "secret-kind",
                &at("kind"),
                format!("secret `{id}`: {why}"),
                "not used by this stack's install step",
            );
        }
        if seen_kinds.contains(&secret.kind) {
            c.error(
                "secret-kind",
                &at("kind"),
                format!(
                    "more than one `{}` secret: the install step can use one",
                    secret.kind.as_str()
                ),
                "a second secret of this kind",
            );
        }
        seen_kinds.push(secret.kind);
    }
}

fn platforms(m: &Manifest, c: &mut Checker<'_>) {
    let mut seen = Vec::new();
    for (i, platform) in m.image.platforms.iter().enumerate() {
        let path = ["image".into(), "platforms".into(), i.into()];
        if !PLATFORMS.contains(&platform.as_str()) {
            c.error(
                "platform",
                &path,
                format!("`{platform}` is not a platform dgen can build for"),
                "unknown platform",
            )
            .help = Some(format!("use one of {}", PLATFORMS.join(", ")));
        } else if seen.contains(platform) {
            c.error(
                "platform",
                &path,
                format!("`{platform}` is listed twice"),
                "duplicate",
            );
        }
        seen.push(platform.clone());
    }
}

/// What the templates need to mount a manifest's build secrets into the install step.
#[derive(Debug, Clone, Serialize)]
pub struct SecretContext {
    /// The secret's id.
    pub id: String,
    /// Its kind, as the manifest spells it.
    pub kind: &'static str,
    /// The `--mount=type=secret,…` flag of the install `RUN`.
    pub mount: String,
    /// The environment variable the build reads it from, if so.
    pub env: Option<String>,
    /// The file the build reads it from, if so.
    pub file: Option<String>,
    /// The `.dockerignore` pattern that keeps a relative secret file out of the build context.
    pub ignore: Option<String>,
    /// The `docker build` flag that passes it, e.g. `--secret id=pypi,env=PIP_INDEX_URL`.
    pub flag: String,
    /// The environment variable CI passes it in: `env`, or `BUILD_SECRET_<ID>` for a file.
    pub ci_env: String,
}

/// The template variables for the manifest's secrets, sorted by id.
pub fn secret_contexts(m: &Manifest) -> Vec<SecretContext> {
    m.secrets
        .iter()
        .map(|(id, s)| {
            let target = match s.kind {
                SecretKind::Netrc => ",target=/root/.netrc",
                SecretKind::Npmrc => ",target=/root/.npmrc",
                SecretKind::IndexUrl => "",
            };
            let ci_env = s.env.clone().unwrap_or_else(|| {
                "BUILD_SECRET_".to_owned()
                    + &id
                        .chars()
                        .map(|ch| {
                            if ch.is_ascii_alphanumeric() {
                                ch.to_ascii_uppercase()
                            } else {
                                '_'
                            }
                        })
                        .collect::<String>()
            });
            let flag = match (&s.env, &s.file) {
                (Some(env), _) => format!("--secret id={id},env={env}"),
                (None, Some(file)) => {
                    format!("--secret id={id},src={}", crate::render::shell_quote(file))
                }
                (None, None) => format!("--secret id={id}"),
            };
            SecretContext {
                flag,
                ci_env,
                id: id.clone(),
                kind: s.kind.as_str(),
                mount: format!("--mount=type=secret,id={id}{target},required=true"),
                env: s.env.clone(),
                file: s.file.clone(),
                ignore: s
                    .file
                    .as_deref()
                    .filter(|f| !f.starts_with('/') && !f.starts_with(".."))
                    .map(|f| f.trim_start_matches("./").to_owned()),
            }
        })
        .collect()
}

//! The typed manifest: every field of `dgen.toml`.
//!
//! Doc comments on these types become the descriptions in `schemas/dgen.schema.json`, which
//! editors show on hover, so they are written for the people who edit manifests.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Duration;

// The manifest's settings tables, one per stack, come from the stacks' registry
// ([`crate::stacks::with_stacks`]): a stack's table is its `Stack::Settings`.
macro_rules! manifest_with_stack_tables {
    ($(($variant:ident, $table:ident, $name:tt, $module:ident :: $stack:ident, $doc:tt, $table_doc:tt)),* $(,)?) => {
/// A dgen manifest (`dgen.toml`): what an app needs in its container image, from which dgen
/// generates a best-practice `Dockerfile`, `.dockerignore` and `compose.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "dgen manifest")]
pub struct Manifest {
    /// The app's name: the compose service and the image name. Lower-case letters, digits,
    /// `.`, `_` and `-`, starting with a letter or digit.
    pub name: String,
    /// The stack that builds and runs the app; its settings live in the table of the same name.
    pub stack: StackName,
    /// What runs in the container: command, ports, sources, environment.
    #[serde(default)]
    pub app: App,
    $(
    #[doc = $table_doc]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub $table: Option<<crate::stacks::$module::$stack as crate::stacks::Stack>::Settings>,
    )*
    /// The container's HEALTHCHECK (P18), also used by compose.
    #[serde(default)]
    pub healthcheck: Healthcheck,
    /// The non-root user the app runs as (P15, P16).
    #[serde(default)]
    pub user: User,
    /// The base image and image metadata (P03, P05).
    #[serde(default)]
    pub image: Image,
    /// Extra `.dockerignore` patterns (P04).
    #[serde(default)]
    pub dockerignore: DockerIgnore,
    /// The generated `compose.yaml`: hardening, limits and backing services.
    #[serde(default)]
    pub compose: Compose,
    /// Debugging from VS Code (P20): present means `compose.debug.yaml` and
    /// `.vscode/launch.json` are generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<super::extras::Debug>,
    /// A CI workflow that checks drift, lints, builds and scans the image (P19); present means
    /// it is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<super::extras::Ci>,
    /// Where the image is pushed, for the generated run instructions (`README.Docker.md`, P21).
    #[serde(default)]
    pub publish: super::extras::Publish,
    /// Team templates that override dgen's built-in ones, whole or block by block.
    #[serde(default)]
    pub templates: super::extras::Templates,
    /// Build secrets, by id: credentials the dependency install needs (a private package
    /// index), mounted only into the install step (`RUN --mount=type=secret`), never in an
    /// `ENV`, `ARG`, layer or the image history.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, super::buildopts::BuildSecret>,
}
    };
}
crate::stacks::with_stacks!(manifest_with_stack_tables);

pub use crate::stacks::StackName;

/// What runs in the container.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct App {
    /// The command the container runs, in exec form (a list: program and arguments), e.g.
    /// `["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]`. Becomes `CMD` (exec form: signals
    /// reach the app, no shell in between). Required, except with `stack = "static"`, whose
    /// nginx image brings its own.
    pub command: Vec<String>,
    /// The TCP ports the app listens on (1–65535; 22 is refused). Empty for a worker. Each
    /// becomes an `EXPOSE` and a compose port (P06).
    pub ports: Vec<u32>,
    /// The paths copied into the image, relative to the manifest's directory: only what the app
    /// needs, never the whole directory (P12). Each is copied to the same relative path under
    /// `workdir`, owned by root (P17). With a build step (`[node] build`, `[static] build`)
    /// they are the build's inputs instead, and only the build's output reaches the image; so
    /// with the compiled stacks (Go, Rust, Java), whose runtime files are `[go]`/`[rust] assets`.
    pub sources: Vec<String>,
    /// Non-secret environment variables set in the image (`ENV`) and in compose. Keys that look
    /// like secrets (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, …) are refused: pass secrets
    /// at run time through the compose `env_file` or compose secrets (P14).
    pub env: BTreeMap<String, String>,
    /// The absolute working directory of the app in the image.
    pub workdir: String,
    /// Debian packages the app needs at run time (for example `libpq5`), as name = version
    /// pattern, e.g. `{ libpq5 = "15.*" }`. Installed with `--no-install-recommends`, lists
    /// removed (P13).
    pub system_packages: BTreeMap<String, String>,
    /// Debian packages needed only to build dependencies (for example `gcc`, `libpq-dev`), as
    /// name = version pattern. Installed in the builder stage only; they never reach the final
    /// image.
    pub build_packages: BTreeMap<String, String>,
    /// The paths the app writes at run time (an `instance/` folder, uploads, a sqlite file's
    /// folder, logs), relative to `workdir` or absolute. The image creates exactly these,
    /// owned by the runtime user; everything else stays root-owned and read-only (P17). A plain
    /// path keeps its data in a compose named volume; `{ path = "logs", persist = false }` is
    /// scratch space (a compose tmpfs, emptied at every start).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub writable: Vec<Writable>,
    /// Environment variables the app needs and has no default for (e.g. `SECRET_KEY`,
    /// `ALLOWED_HOSTS`). They are never set in the image: `dgen render` writes `.env.example`
    /// with empty placeholders, and compose refuses to start until `.env` sets each of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_required: Vec<String>,
    /// One-off steps run before the app starts, once per `docker compose up` (database
    /// migrations, e.g. `[["flask", "db", "upgrade"]]` or a Procfile's `release:` line), each in
    /// exec form. They become a one-shot compose service `migrate` that the app waits for
    /// (`service_completed_successfully`); the image's `CMD` stays the app alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub release: Vec<Vec<String>>,
}

/// A path the app may write at run time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Writable {
    /// A path whose data persists: a compose named volume.
    Path(String),
    /// A path with its settings.
    Spec(WritableSpec),
}

/// A writable path with its settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WritableSpec {
    /// The path, relative to `workdir` or absolute.
    pub path: String,
    /// `true` (default): the data persists in a compose named volume (uploads, a sqlite
    /// database). `false`: scratch space, a tmpfs emptied at every start (logs, caches).
    #[serde(default = "persist_default")]
    pub persist: bool,
}

fn persist_default() -> bool {
    true
}

impl Writable {
    /// The path as written.
    pub fn path(&self) -> &str {
        match self {
            Writable::Path(path) => path,
            Writable::Spec(spec) => &spec.path,
        }
    }

    /// Whether its data persists (a named volume) rather than being scratch (a tmpfs).
    pub fn persist(&self) -> bool {
        match self {
            Writable::Path(_) => true,
            Writable::Spec(spec) => spec.persist,
        }
    }
}

impl Default for App {
    fn default() -> Self {
        App {
            command: Vec::new(),
            ports: Vec::new(),
            sources: Vec::new(),
            env: BTreeMap::new(),
            workdir: "/app".to_owned(),
            system_packages: BTreeMap::new(),
            build_packages: BTreeMap::new(),
            writable: Vec::new(),
            env_required: Vec::new(),
            release: Vec::new(),
        }
    }
}

/// The container's health check.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Healthcheck {
    /// Set to false to leave out the health check (Kubernetes, for one, ignores it and uses
    /// probes). On by default (P18).
    pub enabled: bool,
    /// An HTTP path probed with a GET on `port`, using the runtime's own tools (slim images have
    /// no curl), e.g. `/healthz`. Without `path` and `command` the check is a TCP connect to
    /// `port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The port probed; defaults to the first of `app.ports`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// A command (exec form) that exits 0 when the app is healthy, instead of a probe. Needed
    /// for a worker with no ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Time between checks, e.g. `30s`, `1m30s`.
    pub interval: Duration,
    /// Time one check may take.
    pub timeout: Duration,
    /// Grace period after start during which failures do not count.
    pub start_period: Duration,
    /// Consecutive failures before the container is unhealthy.
    pub retries: u32,
}

impl Default for Healthcheck {
    fn default() -> Self {
        Healthcheck {
            enabled: true,
            path: None,
            port: None,
            command: None,
            interval: Duration::from("30s"),
            timeout: Duration::from("5s"),
            start_period: Duration::from("10s"),
            retries: 3,
        }
    }
}

/// The runtime user.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct User {
    /// The name of the non-root system user the app runs as (P15).
    pub name: String,
    /// A fixed numeric UID. Leave it out to let the system pick one (P16); set it when
    /// Kubernetes `runAsNonRoot` must verify the user, which needs a numeric `USER`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
}

impl Default for User {
    fn default() -> Self {
        User {
            name: "app".to_owned(),
            uid: None,
        }
    }
}

/// The base image and image metadata.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Image {
    /// Overrides the stack's slim official base image, e.g. `python:3.12-slim-bookworm`. Must
    /// carry a tag other than `latest`, unless `digest` pins it (P05).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Pins the base image by digest (`sha256:` and 64 hex digits) for reproducible builds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// OCI labels (`org.opencontainers.image.*` and your own), written as `LABEL`.
    pub labels: BTreeMap<String, String>,
    /// The platforms the image is built for, e.g. `["linux/amd64", "linux/arm64"]`. Builder
    /// stages then run on the build machine's platform (`$BUILDPLATFORM`) and cross-compile for
    /// the target where the toolchain can (Go, Rust, Java); compose gets `build.platforms` and
    /// the CI workflow builds every platform with buildx.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
}

/// Extra `.dockerignore` patterns.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DockerIgnore {
    /// Patterns added after the built-in ones (VCS, caches, virtualenvs, secrets, editor files,
    /// Docker files).
    pub extra: Vec<String>,
}

/// The generated `compose.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Compose {
    /// Set to false to not generate `compose.yaml`.
    pub enabled: bool,
    /// Where `dgen render` writes the variables `.env` must set (the settings the app requires,
    /// service passwords), when there are any: `cp <it> .env`, then fill in the values. `dgen
    /// init` picks `docker.env.example` when the project has a `.env.example` of its own.
    pub env_example: String,
    /// The host address published ports bind to. `127.0.0.1` keeps the app off the network;
    /// `0.0.0.0` publishes it on every interface.
    pub bind: String,
    /// Env files read at run time (one path or a list): where secrets (passwords, tokens) go,
    /// never in the manifest (P14). Compose refuses to start when a listed file is missing:
    /// create it (`touch .env`). An empty list leaves env files out.
    pub env_file: OneOrMany,
    /// The restart policy.
    pub restart: RestartPolicy,
    /// Run with a read-only root filesystem; `tmpfs` paths stay writable.
    pub read_only: bool,
    /// Writable in-memory mounts for a read-only container.
    pub tmpfs: Vec<String>,
    /// Memory limit, e.g. `512m`, `1g`.
    pub memory: String,
    /// CPU limit, in CPUs (e.g. 0.5).
    pub cpus: f64,
    /// Maximum number of processes (fork-bomb guard).
    pub pids: u32,
    /// A PostgreSQL backing service; present means enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres: Option<Postgres>,
    /// A Redis backing service; present means enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis: Option<Redis>,
    /// A MySQL-compatible backing service (MariaDB); present means enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mysql: Option<Mysql>,
    /// A MongoDB backing service; present means enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mongodb: Option<Mongodb>,
}

impl Default for Compose {
    fn default() -> Self {
        Compose {
            enabled: true,
            env_example: ".env.example".to_owned(),
            bind: "127.0.0.1".to_owned(),
            env_file: OneOrMany::One(".env".to_owned()),
            restart: RestartPolicy::UnlessStopped,
            read_only: true,
            tmpfs: vec!["/tmp".to_owned()],
            memory: "512m".to_owned(),
            cpus: 1.0,
            pids: 256,
            postgres: None,
            redis: None,
            mysql: None,
            mongodb: None,
        }
    }
}

/// One string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings, as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one.clone()],
            OneOrMany::Many(many) => many.clone(),
        }
    }
}

/// A compose restart policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Never restart.
    No,
    /// Always restart.
    Always,
    /// Restart when the process exits non-zero.
    OnFailure,
    /// Restart unless stopped by hand.
    UnlessStopped,
}

impl RestartPolicy {
    /// The compose spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::Always => "always",
            RestartPolicy::OnFailure => "on-failure",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }
}

/// A PostgreSQL service. Its password (`POSTGRES_PASSWORD`) comes from the env file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Postgres {
    /// The official `postgres` image tag, e.g. `17`.
    pub version: String,
    /// The database created on first start and passed to the app as `POSTGRES_DB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The variable the app reads the connection URL from.
    pub url_env: String,
    /// The URL's scheme, e.g. `postgresql`, `postgres` or SQLAlchemy's `postgresql+psycopg`.
    pub url_scheme: String,
}

impl Default for Postgres {
    fn default() -> Self {
        Postgres {
            version: "17".to_owned(),
            database: None,
            url_env: "DATABASE_URL".to_owned(),
            url_scheme: "postgresql".to_owned(),
        }
    }
}

/// A Redis service.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Redis {
    /// The official `redis` image tag, e.g. `7`.
    pub version: String,
    /// The variable the app reads the connection URL from.
    pub url_env: String,
}

impl Default for Redis {
    fn default() -> Self {
        Redis {
            version: "7".to_owned(),
            url_env: "REDIS_URL".to_owned(),
        }
    }
}

/// A MariaDB service (MySQL-compatible). Its passwords (`MARIADB_PASSWORD`,
/// `MARIADB_ROOT_PASSWORD`) come from `.env`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Mysql {
    /// The official `mariadb` image tag, e.g. `11`.
    pub version: String,
    /// The database created on first start; defaults to the app's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The variable the app reads the connection URL from.
    pub url_env: String,
    /// The URL's scheme, e.g. `mysql`, or SQLAlchemy's `mysql+pymysql`.
    pub url_scheme: String,
}

impl Default for Mysql {
    fn default() -> Self {
        Mysql {
            version: "11".to_owned(),
            database: None,
            url_env: "DATABASE_URL".to_owned(),
            url_scheme: "mysql".to_owned(),
        }
    }
}

/// A MongoDB service. Its root password (`MONGO_INITDB_ROOT_PASSWORD`) comes from `.env`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Mongodb {
    /// The official `mongo` image tag, e.g. `8`.
    pub version: String,
    /// The database named in the URL; defaults to the app's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The variable the app reads the connection URL from.
    pub url_env: String,
}

impl Default for Mongodb {
    fn default() -> Self {
        Mongodb {
            version: "8".to_owned(),
            database: None,
            url_env: "MONGODB_URL".to_owned(),
        }
    }
}

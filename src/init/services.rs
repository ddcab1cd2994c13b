//! Backing services. For Python and Node.js apps, [`detect`] enables PostgreSQL, MariaDB
//! (MySQL), MongoDB and Redis when the dependencies (or a Prisma schema) show the app needs them,
//! wired to the variable the app reads its URL from. For the other stacks, [`suggestions`] writes
//! `[compose.postgres]`/`[compose.redis]` commented out: the app may reach a database of its own.

use super::runtime::{Found, Service};
use super::{ProjectFiles, Suggestion};
use crate::manifest::{Mongodb, Mysql, Postgres, Redis, StackName};

/// PostgreSQL drivers, in every ecosystem dgen detects (normalized names, or Go module paths).
const POSTGRES: [&str; 13] = [
    "psycopg",
    "psycopg2",
    "psycopg2-binary",
    "psycopg-binary",
    "asyncpg",
    "pg8000",
    "pg",
    "postgres",
    "github.com/jackc/pgx/v5",
    "github.com/lib/pq",
    "tokio-postgres",
    "org.postgresql:postgresql",
    "postgresql",
];

/// Redis clients.
const REDIS: [&str; 11] = [
    "redis",
    "rq",
    "django-redis",
    "celery",
    "aioredis",
    "ioredis",
    "github.com/redis/go-redis/v9",
    "github.com/go-redis/redis/v8",
    "deadpool-redis",
    "spring-boot-starter-data-redis",
    "jedis",
];

/// The suggestions for `dependencies` (names as the ecosystem writes them), declared in `from`.
pub fn suggestions(dependencies: &[String], from: &str) -> Vec<Suggestion> {
    let find = |list: &[&str]| {
        dependencies
            .iter()
            .find(|d| list.contains(&d.as_str()))
            .cloned()
    };
    let mut out = Vec::new();
    if let Some(driver) = find(&POSTGRES) {
        out.push(Suggestion {
            why: format!(
                "{driver} is in {from}: to run PostgreSQL next to the app in compose (the app gets POSTGRES_HOST, POSTGRES_PORT and POSTGRES_DB; put POSTGRES_PASSWORD in .env), uncomment:"
            ),
            lines: vec![
                "[compose.postgres]".to_owned(),
                format!("version = \"{}\"", Postgres::default().version),
            ],
        });
    }
    if let Some(client) = find(&REDIS) {
        out.push(Suggestion {
            why: format!(
                "{client} is in {from}: to run Redis next to the app in compose (the app gets REDIS_URL), uncomment:"
            ),
            lines: vec![
                "[compose.redis]".to_owned(),
                format!("version = \"{}\"", Redis::default().version),
            ],
        });
    }
    out
}

/// Backing services that are enabled, not merely suggested, when the dependencies (or a Prisma
/// schema's provider) show the app needs them: `(table, Python packages, npm packages, Prisma
/// provider)`.
const ENABLED: [(&str, &[&str], &[&str], &str); 4] = [
    (
        "compose.postgres",
        &[
            "psycopg",
            "psycopg2",
            "psycopg2-binary",
            "psycopg-binary",
            "psycopg-c",
            "asyncpg",
            "pg8000",
        ],
        &["pg", "postgres", "pg-promise", "@neondatabase/serverless"],
        "postgresql",
    ),
    (
        "compose.mysql",
        &[
            "pymysql",
            "mysqlclient",
            "aiomysql",
            "asyncmy",
            "mysql-connector-python",
        ],
        &["mysql", "mysql2"],
        "mysql",
    ),
    (
        "compose.mongodb",
        &[
            "pymongo",
            "motor",
            "mongoengine",
            "beanie",
            "odmantic",
            "djongo",
        ],
        &["mongoose", "mongodb"],
        "mongodb",
    ),
    (
        "compose.redis",
        &[
            "redis",
            "rq",
            "django-redis",
            "aioredis",
            "hiredis",
            "celery",
            "arq",
            "dramatiq",
        ],
        &[
            "redis",
            "ioredis",
            "bull",
            "bullmq",
            "bee-queue",
            "connect-redis",
        ],
        "",
    ),
];

/// The variables an app commonly reads each service's URL from, in order of preference.
const URL_NAMES: [(&str, &[&str]); 4] = [
    (
        "compose.postgres",
        &[
            "DATABASE_URL",
            "POSTGRES_URL",
            "DB_URL",
            "SQLALCHEMY_DATABASE_URI",
            "DATABASE_URI",
            "PG_URL",
        ],
    ),
    (
        "compose.mysql",
        &[
            "DATABASE_URL",
            "MYSQL_URL",
            "DB_URL",
            "SQLALCHEMY_DATABASE_URI",
            "DATABASE_URI",
        ],
    ),
    (
        "compose.mongodb",
        &[
            "MONGODB_URL",
            "MONGODB_URI",
            "MONGO_URL",
            "MONGO_URI",
            "MONGODB_CONNECTION_STRING",
            "DATABASE_URL",
            "DB_URL",
        ],
    ),
    (
        "compose.redis",
        &[
            "REDIS_URL",
            "REDIS_URI",
            "CELERY_BROKER_URL",
            "BROKER_URL",
            "CACHE_REDIS_URL",
            "RQ_REDIS_URL",
        ],
    ),
];

/// Normalized dependency names (lower case, `_` as `-`, extras and versions dropped) and where
/// each was declared.
fn dependencies(files: &ProjectFiles, stack: StackName) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, from: &str| {
        let name: String = name
            .trim()
            .split(['[', '=', '<', '>', '~', '!', ';', ' ', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace('_', "-");
        if !name.is_empty() && !out.iter().any(|(n, _)| *n == name) {
            out.push((name, from.to_owned()));
        }
    };
    if stack == StackName::Python {
        let mut requirement_files: Vec<String> = files
            .top()
            .filter(|(n, d)| !d && n.starts_with("requirements") && n.ends_with(".txt"))
            .map(|(n, _)| n.to_owned())
            .filter(|n| {
                !n.contains("dev")
                    && !n.contains("test")
                    && !n.contains("lint")
                    && !n.contains("doc")
            })
            .collect();
        for dir in ["requirements"] {
            if files.is_dir(dir) {
                requirement_files.extend(
                    files
                        .walk(dir, ".txt", 0)
                        .into_iter()
                        .filter(|n| !n.contains("dev") && !n.contains("test")),
                );
            }
        }
        for file in requirement_files {
            if let Some(text) = files.read(&file) {
                for line in text.lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with(['#', '-']) {
                        continue;
                    }
                    add(line, &file);
                }
            }
        }
        if let Some(Ok(pyproject)) = files.read_toml("pyproject.toml") {
            if let Some(deps) = pyproject
                .get("project")
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.as_array())
            {
                for dep in deps.iter().filter_map(|d| d.as_str()) {
                    add(dep, "pyproject.toml");
                }
            }
            if let Some(deps) = pyproject
                .get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.as_table())
            {
                for name in deps.keys() {
                    add(name, "pyproject.toml");
                }
            }
        }
        if let Some(Ok(pipfile)) = files.read_toml("Pipfile")
            && let Some(deps) = pipfile.get("packages").and_then(|d| d.as_table())
        {
            for name in deps.keys() {
                add(name, "Pipfile");
            }
        }
    } else if let Some(Ok(package)) = files
        .read("package.json")
        .map(|t| serde_json::from_str::<serde_json::Value>(&t))
        && let Some(deps) = package.get("dependencies").and_then(|d| d.as_object())
    {
        for name in deps.keys() {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), "package.json".to_owned()));
            }
        }
    }
    out
}

/// The Prisma schema's datasource provider, if the project has one.
fn prisma_provider(files: &ProjectFiles) -> Option<(String, &'static str)> {
    for path in ["prisma/schema.prisma", "schema.prisma"] {
        if let Some(text) = files.read(path) {
            let datasource = text.find("datasource")?;
            let block = &text[datasource..];
            let block = &block[..block.find('}').unwrap_or(block.len())];
            for line in block.lines() {
                let line = line.trim();
                if let Some(rest) = line.strip_prefix("provider")
                    && let Some(value) = rest.trim().strip_prefix('=')
                {
                    return Some((value.trim().trim_matches('"').to_owned(), path));
                }
            }
        }
    }
    None
}

/// The backing services to enable: what the dependencies show, each with the variable the app
/// reads its URL from (`read`: every variable name the code reads; `required`: those it needs).
pub fn detect(
    files: &ProjectFiles,
    stack: StackName,
    read: &[String],
    required: &[Found<String>],
) -> Vec<Service> {
    let deps = dependencies(files, stack);
    let prisma = if stack == StackName::Node {
        prisma_provider(files)
    } else {
        None
    };
    let has = |name: &str| deps.iter().find(|(n, _)| n == name).map(|(_, f)| f.clone());
    let mut out = Vec::new();
    for (table, python, node, provider) in ENABLED {
        let list = if stack == StackName::Python {
            python
        } else {
            node
        };
        let mut why = list
            .iter()
            .find_map(|d| has(d).map(|from| format!("{d} is in {from}")));
        if why.is_none()
            && let Some((p, from)) = &prisma
            && !provider.is_empty()
            && (p == provider || (provider == "postgresql" && p == "postgres"))
        {
            why = Some(format!("{from} uses the {p} provider"));
        }
        // celery alone may use another broker: only with a redis client or a redis URL.
        if table == "compose.redis"
            && why
                .as_deref()
                .is_some_and(|w| w.starts_with("celery ") || w.starts_with("dramatiq "))
            && !read.iter().any(|r| r.contains("REDIS"))
            && has("redis").is_none()
        {
            why = None;
        }
        let Some(why) = why else { continue };
        let mut lines = Vec::new();
        let names = URL_NAMES
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(&[][..], |(_, n)| n);
        // The variable the app needs (required first), else one it reads.
        let url_env = names
            .iter()
            .find(|n| required.iter().any(|r| r.value == **n))
            .or_else(|| names.iter().find(|n| read.iter().any(|r| r == *n)));
        let default_env = match table {
            "compose.mongodb" => "MONGODB_URL",
            "compose.redis" => "REDIS_URL",
            _ => "DATABASE_URL",
        };
        match table {
            "compose.postgres" => {
                lines.push(format!("version = \"{}\"", Postgres::default().version))
            }
            "compose.redis" => lines.push(format!("version = \"{}\"", Redis::default().version)),
            "compose.mysql" => lines.push(format!("version = \"{}\"", Mysql::default().version)),
            _ => lines.push(format!("version = \"{}\"", Mongodb::default().version)),
        }
        if let Some(env) = url_env
            && *env != default_env
        {
            lines.push(format!("url_env = \"{env}\""));
        }
        // SQLAlchemy picks the driver from the URL's scheme.
        if stack == StackName::Python
            && has("sqlalchemy")
                .or(has("flask-sqlalchemy"))
                .or(has("sqlmodel"))
                .is_some()
            && has("django").is_none()
        {
            let scheme = match table {
                "compose.postgres" if has("psycopg2").or(has("psycopg2-binary")).is_some() => None,
                "compose.postgres" if has("asyncpg").is_some() => Some("postgresql+asyncpg"),
                "compose.postgres" if has("psycopg").or(has("psycopg-binary")).is_some() => {
                    Some("postgresql+psycopg")
                }
                "compose.mysql" if has("pymysql").is_some() => Some("mysql+pymysql"),
                "compose.mysql" if has("aiomysql").is_some() => Some("mysql+aiomysql"),
                "compose.mysql" if has("asyncmy").is_some() => Some("mysql+asyncmy"),
                "compose.mysql" if has("mysql-connector-python").is_some() => {
                    Some("mysql+mysqlconnector")
                }
                _ => None,
            };
            if let Some(scheme) = scheme {
                lines.push(format!("url_scheme = \"{scheme}\""));
            }
        }
        out.push(Service { table, lines, why });
    }
    // PostgreSQL and MariaDB both: each needs a URL variable of its own.
    let both = out.iter().any(|s| s.table == "compose.postgres")
        && out.iter().any(|s| s.table == "compose.mysql");
    if both
        && let Some(mysql) = out.iter_mut().find(|s| s.table == "compose.mysql")
        && !mysql.lines.iter().any(|l| l.starts_with("url_env"))
    {
        mysql.lines.push("url_env = \"MYSQL_URL\"".to_owned());
    }
    out
}

//! Backing services the dependencies suggest: a PostgreSQL driver suggests `[compose.postgres]`,
//! a Redis client `[compose.redis]`. Written commented out: the app may reach a database of its
//! own.

use super::Suggestion;
use crate::manifest::{Postgres, Redis};

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

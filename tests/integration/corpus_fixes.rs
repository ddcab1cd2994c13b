//! What the corpus (tests/corpus) found: each test reproduces an app shape that failed its first
//! journey, with the files a real project has, and checks what `dgen init` now writes.

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    tmp
}

fn dgen(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `dgen init --yes` then `dgen render`, both succeeding; the manifest parsed.
fn init_and_render(tmp: &tempfile::TempDir) -> (dgen::manifest::Manifest, String) {
    let dir = tmp.path().join("app");
    let (code, stderr) = dgen(&dir, &["init", "--yes"]);
    assert_eq!(code, 0, "init: {stderr}");
    let (code, stderr) = dgen(&dir, &["render"]);
    assert_eq!(code, 0, "render: {stderr}");
    let text = std::fs::read_to_string(dir.join("dgen.toml")).unwrap();
    let manifest = dgen::manifest::parse(&text, Some(&dir))
        .unwrap_or_else(|d| {
            panic!(
                "{}",
                dgen::diagnostic::render("dgen.toml", &text, &d, false)
            )
        })
        .manifest;
    (manifest, text)
}

const MICROBLOG_REQUIREMENTS: &str = "Flask==3.1.0\nFlask-Migrate==4.0.7\nFlask-SQLAlchemy==3.1.1\ngunicorn==23.0.0\npsycopg2-binary==2.9.10\npython-dotenv==1.0.1\n";
const MICROBLOG_APP: &str = "from flask import Flask\nfrom flask_migrate import Migrate\nfrom flask_sqlalchemy import SQLAlchemy\n\napp = Flask(__name__)\ndb = SQLAlchemy(app)\nmigrate = Migrate(app, db)\n";

/// The Flask Mega-Tutorial's shape: `release: flask db upgrade` in the Procfile and the app named
/// only in `.flaskenv`, which is not copied into the image. The `migrate` service failed with
/// "Could not locate a Flask application" until init set FLASK_APP from `.flaskenv`.
#[test]
fn a_flask_release_step_gets_flask_app_from_flaskenv() {
    let tmp = project(&[
        ("requirements.txt", MICROBLOG_REQUIREMENTS),
        (
            "Procfile",
            "release: flask db upgrade\nweb: gunicorn microblog:app\n",
        ),
        (".flaskenv", "FLASK_APP=microblog.py\nFLASK_DEBUG=0\n"),
        ("microblog.py", "from app import app, db\n"),
        ("app/__init__.py", MICROBLOG_APP),
        ("migrations/env.py", "# alembic\n"),
    ]);
    let (m, text) = init_and_render(&tmp);
    assert_eq!(m.app.release, vec![vec!["flask", "db", "upgrade"]]);
    assert_eq!(
        m.app.env.get("FLASK_APP").map(String::as_str),
        Some("microblog.py")
    );
    assert!(
        !m.app.env.contains_key("FLASK_DEBUG"),
        "only FLASK_APP is taken"
    );
    assert!(
        text.contains("(.flaskenv)"),
        "the comment says where it came from:\n{text}"
    );
    let compose = std::fs::read_to_string(tmp.path().join("app/compose.yaml")).unwrap();
    let migrate = compose
        .split("\n  migrate:")
        .nth(1)
        .expect("a migrate service");
    assert!(migrate.contains("FLASK_APP: \"microblog.py\""), "{compose}");
}

/// Without `.flaskenv`, the module gunicorn serves is the app; with an `app.py` (which `flask`
/// finds by itself) or no `flask` release step, nothing is added.
#[test]
fn flask_app_falls_back_to_the_served_module_and_is_not_added_when_not_needed() {
    let tmp = project(&[
        ("requirements.txt", MICROBLOG_REQUIREMENTS),
        (
            "Procfile",
            "release: flask db upgrade\nweb: gunicorn microblog:app\n",
        ),
        ("microblog.py", "from app import app, db\n"),
        ("app/__init__.py", MICROBLOG_APP),
    ]);
    let (m, _) = init_and_render(&tmp);
    assert_eq!(
        m.app.env.get("FLASK_APP").map(String::as_str),
        Some("microblog:app")
    );

    let tmp = project(&[
        ("requirements.txt", MICROBLOG_REQUIREMENTS),
        (
            "Procfile",
            "release: flask db upgrade\nweb: gunicorn app:app\n",
        ),
        ("app.py", MICROBLOG_APP),
    ]);
    let (m, _) = init_and_render(&tmp);
    assert!(!m.app.env.contains_key("FLASK_APP"), "{:?}", m.app.env);

    let tmp = project(&[
        ("requirements.txt", MICROBLOG_REQUIREMENTS),
        (
            "Procfile",
            "release: python migrate.py\nweb: gunicorn microblog:app\n",
        ),
        ("migrate.py", "print('migrated')\n"),
        ("microblog.py", "from app import app, db\n"),
        ("app/__init__.py", MICROBLOG_APP),
    ]);
    let (m, _) = init_and_render(&tmp);
    assert!(!m.app.env.contains_key("FLASK_APP"), "{:?}", m.app.env);
}

/// A hostile `.flaskenv` value never reaches the manifest.
#[test]
fn a_hostile_flaskenv_value_is_ignored() {
    let tmp = project(&[
        ("requirements.txt", MICROBLOG_REQUIREMENTS),
        (
            "Procfile",
            "release: flask db upgrade\nweb: gunicorn microblog:app\n",
        ),
        (".flaskenv", "FLASK_APP=\"x\\\"; rm -rf / #\"\n"),
        ("microblog.py", "from app import app, db\n"),
        ("app/__init__.py", MICROBLOG_APP),
    ]);
    let (m, _) = init_and_render(&tmp);
    // The value from .flaskenv is refused; the served module stands in.
    assert_eq!(
        m.app.env.get("FLASK_APP").map(String::as_str),
        Some("microblog:app")
    );
}

/// The full-stack FastAPI template names its settings in capitals (`SECRET_KEY: str`): such a
/// field without a default is required, and the app crashed at import without it in `.env`.
#[test]
fn capitalised_pydantic_settings_fields_are_required() {
    let tmp = project(&[
        (
            "requirements.txt",
            "fastapi==0.115.6\nuvicorn==0.32.1\npydantic-settings==2.7.0\nSQLAlchemy==2.0.36\npsycopg[binary]==3.2.3\n",
        ),
        ("app/__init__.py", ""),
        (
            "app/core/config.py",
            "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\".env\", extra=\"ignore\")\n\n    PROJECT_NAME: str = \"Inventory\"\n    SECRET_KEY: str\n    DATABASE_URL: str\n    SENTRY_DSN: str | None = None\n    ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8\n\n\nsettings = Settings()  # type: ignore\n",
        ),
        (
            "app/main.py",
            "from fastapi import FastAPI\n\nfrom app.core.config import settings\n\napp = FastAPI(title=settings.PROJECT_NAME)\n",
        ),
    ]);
    let (m, _) = init_and_render(&tmp);
    assert!(
        m.app.env_required.iter().any(|e| e == "SECRET_KEY"),
        "{:?}",
        m.app.env_required
    );
    for optional in ["PROJECT_NAME", "SENTRY_DSN", "ACCESS_TOKEN_EXPIRE_MINUTES"] {
        assert!(
            !m.app.env_required.iter().any(|e| e == optional),
            "{optional}: {:?}",
            m.app.env_required
        );
    }
    let compose = std::fs::read_to_string(tmp.path().join("app/compose.yaml")).unwrap();
    assert!(
        compose.contains("${SECRET_KEY:?set SECRET_KEY in .env}"),
        "{compose}"
    );
    // DATABASE_URL comes from the PostgreSQL service init enabled, not from .env.
    assert!(
        compose.contains("DATABASE_URL: \"postgresql+psycopg://"),
        "{compose}"
    );
    let example = std::fs::read_to_string(tmp.path().join("app/.env.example")).unwrap();
    assert!(example.lines().any(|l| l == "SECRET_KEY="), "{example}");
}

//! What the app needs at run time: `[app] writable` (P17 kept for the code), `[app]
//! env_required` (`.env.example`, `${VAR:?…}` in compose, never a value in the image),
//! `[app] release` (a one-shot `migrate` service), MariaDB and MongoDB beside PostgreSQL and
//! Redis, and what `dgen init` detects of all of it.

use crate::common;

use common::{file, final_runs, final_stage, python, refusals, render};
use dgen::render::FileKind;
use std::path::Path;
use std::process::Command;

fn compose_of(text: &str) -> yaml_rust2::Yaml {
    let files = render(text);
    yaml_rust2::YamlLoader::load_from_str(&file(&files, FileKind::Compose))
        .unwrap()
        .remove(0)
}

fn strs(list: &yaml_rust2::Yaml) -> Vec<String> {
    list.as_vec()
        .map(|v| v.iter().map(|i| i.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn writable_paths_are_the_only_ones_the_user_owns_p17() {
    let text = python(
        "writable = [\"instance\", { path = \"logs\", persist = false }, \"/var/lib/demo\"]\n",
    );
    let files = render(&text);
    let dockerfile = file(&files, FileKind::Dockerfile);
    let stage = final_stage(&dockerfile);
    let runs = final_runs(&dockerfile);
    let chowns: Vec<&String> = runs.iter().filter(|r| r.contains("chown")).collect();
    assert_eq!(chowns.len(), 1, "{runs:?}");
    assert!(
        chowns[0].contains("mkdir -p /app/instance /app/logs /var/lib/demo")
            && chowns[0].contains(
                "chown \"${APP_USER}:${APP_USER}\" /app/instance /app/logs /var/lib/demo"
            ),
        "{}",
        chowns[0]
    );
    assert!(!chowns[0].contains("-R"), "never recursive: {}", chowns[0]);
    // After every COPY of the code, before USER: the sources stay root's.
    let at = |prefix: &str| stage.iter().rposition(|i| i.starts_with(prefix)).unwrap();
    let chown_at = stage.iter().position(|i| i.contains("chown")).unwrap();
    assert!(chown_at > at("COPY templates"), "{stage:?}");
    assert!(chown_at < at("USER"), "{stage:?}");
    assert!(stage.iter().all(|i| !i.starts_with("COPY --chown")));
    common::assert_no_consecutive_runs(&dockerfile);

    let compose = compose_of(&text);
    let app = &compose["services"]["demo"];
    assert_eq!(
        strs(&app["volumes"]),
        vec![
            "app-instance:/app/instance",
            "app-var-lib-demo:/var/lib/demo"
        ]
    );
    assert_eq!(strs(&app["tmpfs"]), vec!["/tmp", "/app/logs:mode=1777"]);
    assert_eq!(app["read_only"].as_bool(), Some(true));
    let volumes = compose["volumes"].as_hash().unwrap();
    assert!(volumes.contains_key(&yaml_rust2::Yaml::from_str("app-instance")));
    assert!(volumes.contains_key(&yaml_rust2::Yaml::from_str("app-var-lib-demo")));
    assert_eq!(volumes.len(), 2);
}

#[test]
fn writable_with_a_fixed_uid_and_bytecode_shares_one_run() {
    let text = python(
        "writable = [\"media\"]\n\n[user]\nuid = 10001\n\n[python]\ncompile_bytecode = true\n",
    );
    let dockerfile = file(&render(&text), FileKind::Dockerfile);
    let runs = final_runs(&dockerfile);
    let run = runs.iter().find(|r| r.contains("compileall")).unwrap();
    assert!(
        run.contains("mkdir -p /app/media") && run.contains("chown app:app /app/media"),
        "{run}"
    );
    common::assert_no_consecutive_runs(&dockerfile);
}

#[test]
fn node_writable_paths_belong_to_the_image_user() {
    let text = "name = \"api\"\nstack = \"node\"\n\n[app]\ncommand = [\"node\", \"server.js\"]\nports = [3000]\nsources = [\"server.js\"]\nwritable = [\"uploads\"]\n";
    let dockerfile = file(&render(text), FileKind::Dockerfile);
    let runs = final_runs(&dockerfile);
    let run = runs.iter().find(|r| r.contains("chown")).expect("a chown");
    assert!(run.contains("mkdir -p /app/uploads"), "{run}");
    assert!(
        run.contains("chown 1000:1000 /app/uploads") || run.contains("${APP_USER}"),
        "{run}"
    );
}

#[test]
fn writable_paths_that_would_hand_over_code_are_refused() {
    for (writable, code) in [
        ("\".\"", "writable-path"),
        ("\"/app\"", "writable-code"),
        ("\"/\"", "writable-path"),
        ("\"../x\"", "writable-path"),
        ("\"a b\"", "writable-path"),
        ("\"$(id)\"", "writable-path"),
        ("\"x;rm -rf /\"", "writable-path"),
        ("\"templates\"", "writable-source"),
        ("\"/etc\"", "writable-system"),
        ("\"/usr\"", "writable-system"),
        ("\"/opt/venv\"", "writable-system"),
        ("\"data\", \"data/x\"", "writable-duplicate"),
        ("{ path = \"/app\" }", "writable-code"),
    ] {
        let text = python(&format!("writable = [{writable}]\n"));
        assert!(
            refusals(&text).contains(&code),
            "{writable}: {:?}",
            refusals(&text)
        );
    }
    let go = "name = \"svc\"\nstack = \"go\"\n\n[app]\nports = [8080]\nsources = [\"main.go\"]\nwritable = [\"data\"]\n";
    // Go (distroless, no shell) makes the folder in its build stage: accepted (see
    // tests/writable_native.rs).
    assert!(
        !refusals(go).iter().any(|r| r.starts_with("writable")),
        "{:?}",
        refusals(go)
    );
    // A folder inside a source folder is fine: only that folder changes hands.
    assert!(refusals(&python("writable = [\"templates/cache\"]\n")).is_empty());
}

#[test]
fn required_settings_never_get_a_value_and_compose_refuses_to_start_without_them() {
    let text = python("env_required = [\"SECRET_KEY\", \"ALLOWED_HOSTS\", \"STRIPE_API_KEY\"]\n");
    let files = render(&text);
    let dockerfile = file(&files, FileKind::Dockerfile);
    for name in ["SECRET_KEY", "ALLOWED_HOSTS", "STRIPE_API_KEY"] {
        assert!(!dockerfile.contains(name), "{name} reached the Dockerfile");
    }
    let env_example = file(&files, FileKind::EnvExample);
    assert!(env_example.contains("\nSECRET_KEY=\n"), "{env_example}");
    assert!(env_example.contains("\nSTRIPE_API_KEY=\n"), "{env_example}");
    assert!(
        env_example.contains("\nALLOWED_HOSTS=localhost,127.0.0.1\n"),
        "{env_example}"
    );
    common::assert_generated_header(&[&env_example]);
    let compose = file(&files, FileKind::Compose);
    assert!(compose.contains("SECRET_KEY: \"${SECRET_KEY:?set SECRET_KEY in .env}\""));
    assert!(compose.contains("ALLOWED_HOSTS: \"${ALLOWED_HOSTS:?set ALLOWED_HOSTS in .env}\""));
    let readme = file(&files, FileKind::ReadmeDocker);
    assert!(readme.contains("| `SECRET_KEY` |"), "{readme}");
    assert!(readme.contains("cp .env.example .env"), "{readme}");
    // Nothing required, no service: no .env.example.
    assert!(
        render(&python(""))
            .iter()
            .all(|f| f.kind != FileKind::EnvExample)
    );
}

#[test]
fn required_settings_are_checked() {
    for (line, code) in [
        ("env_required = [\"A B\"]", "env-name"),
        ("env_required = [\"X}:-y${Z\"]", "env-name"),
        ("env_required = [\"1X\"]", "env-name"),
        ("env_required = [\"X\", \"X\"]", "env-required-duplicate"),
        (
            "env_required = [\"LOG_LEVEL\"]\nenv = { LOG_LEVEL = \"info\" }",
            "env-required-set",
        ),
    ] {
        let text = python(&format!("{line}\n"));
        assert!(
            refusals(&text).contains(&code),
            "{line}: {:?}",
            refusals(&text)
        );
    }
}

#[test]
fn release_steps_become_a_one_shot_migrate_service() {
    let text = python(
        "release = [[\"flask\", \"db\", \"upgrade\"], [\"flask\", \"translate\", \"compile\"]]\nwritable = [\"instance\"]\n\n[compose.postgres]\n",
    );
    let compose = compose_of(&text);
    let app = &compose["services"]["demo"];
    assert_eq!(
        app["depends_on"]["migrate"]["condition"].as_str(),
        Some("service_completed_successfully")
    );
    assert_eq!(
        app["depends_on"]["postgres"]["condition"].as_str(),
        Some("service_healthy")
    );
    let migrate = &compose["services"]["migrate"];
    assert_eq!(
        strs(&migrate["command"]),
        vec!["sh", "-c", "flask db upgrade && flask translate compile"]
    );
    assert_eq!(migrate["restart"].as_str(), Some("no"));
    assert_eq!(
        migrate["depends_on"]["postgres"]["condition"].as_str(),
        Some("service_healthy")
    );
    assert_eq!(strs(&migrate["volumes"]), strs(&app["volumes"]));
    assert_eq!(migrate["read_only"].as_bool(), Some(true));
    assert_eq!(strs(&migrate["cap_drop"]), vec!["ALL"]);
    assert_eq!(
        migrate["environment"]["DATABASE_URL"].as_str(),
        app["environment"]["DATABASE_URL"].as_str()
    );
    // The image's CMD is the app alone, exec form.
    let dockerfile = file(&render(&text), FileKind::Dockerfile);
    assert!(dockerfile.contains("CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]"));
    assert!(!dockerfile.contains("flask db upgrade"));

    // One step: exec form, no shell; hostile words stay one word each, and `$` is doubled so
    // that compose does not interpolate it.
    let one = compose_of(&python(
        "release = [[\"python\", \"manage.py\", \"migrate\", \"$(reboot)\"]]\n",
    ));
    assert_eq!(
        strs(&one["services"]["migrate"]["command"]),
        vec!["python", "manage.py", "migrate", "$$(reboot)"]
    );
    let many = compose_of(&python("release = [[\"a\", \"x; reboot\"], [\"b\"]]\n"));
    assert_eq!(
        strs(&many["services"]["migrate"]["command"])[2],
        "a 'x; reboot' && b"
    );
    assert!(refusals(&python("release = [[]]\n")).contains(&"release-empty"));
    assert!(
        refusals(&python("release = [[\"x\"]]\n").replace("name = \"demo\"", "name = \"migrate\""))
            .contains(&"name-service")
    );
}

#[test]
fn every_backing_service_has_a_health_check_a_volume_and_its_url_wired() {
    let text = python(
        "env_required = [\"DATABASE_URL\", \"MONGODB_URI\"]\n\n[compose.postgres]\nurl_scheme = \"postgresql+psycopg\"\n\n[compose.mysql]\nurl_env = \"MYSQL_URL\"\nurl_scheme = \"mysql+pymysql\"\n\n[compose.mongodb]\nurl_env = \"MONGODB_URI\"\ndatabase = \"shop\"\n\n[compose.redis]\n",
    );
    let files = render(&text);
    let compose = compose_of(&text);
    let services = &compose["services"];
    let env = &services["demo"]["environment"];
    assert_eq!(
        env["DATABASE_URL"].as_str(),
        Some(
            "postgresql+psycopg://${POSTGRES_USER:-postgres}:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgres:5432/demo"
        )
    );
    assert_eq!(
        env["MYSQL_URL"].as_str(),
        Some(
            "mysql+pymysql://app:${MARIADB_PASSWORD:?set MARIADB_PASSWORD in .env}@mysql:3306/demo"
        )
    );
    assert_eq!(
        env["MONGODB_URI"].as_str(),
        Some(
            "mongodb://root:${MONGO_INITDB_ROOT_PASSWORD:?set MONGO_INITDB_ROOT_PASSWORD in .env}@mongodb:27017/shop?authSource=admin"
        )
    );
    assert_eq!(env["REDIS_URL"].as_str(), Some("redis://redis:6379/0"));
    for (service, volume) in [
        ("postgres", "postgres-data:/var/lib/postgresql/data"),
        ("mysql", "mysql-data:/var/lib/mysql"),
        ("mongodb", "mongodb-data:/data/db"),
        ("redis", "redis-data:/data"),
    ] {
        let s = &services[service];
        assert!(!s["healthcheck"]["test"].is_badvalue(), "{service}");
        assert_eq!(strs(&s["volumes"]), vec![volume], "{service}");
        assert_eq!(strs(&s["cap_drop"]), vec!["ALL"], "{service}");
        assert_eq!(
            services["demo"]["depends_on"][service]["condition"].as_str(),
            Some("service_healthy"),
            "{service}"
        );
    }
    assert_eq!(services["mysql"]["image"].as_str(), Some("mariadb:11"));
    assert_eq!(services["mongodb"]["image"].as_str(), Some("mongo:8"));
    // The passwords come from .env, and .env.example lists them with no value.
    let env_example = file(&files, FileKind::EnvExample);
    for name in [
        "POSTGRES_PASSWORD",
        "MARIADB_PASSWORD",
        "MONGO_INITDB_ROOT_PASSWORD",
    ] {
        assert!(
            env_example.contains(&format!("\n{name}=\n")),
            "{name}: {env_example}"
        );
    }
    // Wired URLs are not asked for again.
    assert!(!env_example.contains("DATABASE_URL="), "{env_example}");
    assert!(!env_example.contains("MONGODB_URI="), "{env_example}");
    // The same URL variable for two services is refused.
    let clash = python("\n[compose.postgres]\n\n[compose.mysql]\n");
    assert!(refusals(&clash).contains(&"service-url-env"));
    for (bad, code) in [
        ("[compose.mysql]\ndatabase = \"a$b\"", "database-name"),
        ("[compose.postgres]\nurl_scheme = \"x://y\"", "url-scheme"),
        ("[compose.mongodb]\nurl_env = \"A-B\"", "env-name"),
        ("[compose.mongodb]\nversion = \"latest\"", "service-version"),
    ] {
        let text = python(&format!("\n{bad}\n"));
        assert!(
            refusals(&text).contains(&code),
            "{bad}: {:?}",
            refusals(&text)
        );
    }
}

#[test]
fn a_literal_dollar_in_app_values_is_still_escaped() {
    let text = python(
        "env = { GREETING = \"${HOME}\" }\nenv_required = [\"TOKEN_X\"]\n\n[compose.postgres]\ndatabase = \"my_db\"\n",
    );
    let compose = file(&render(&text), FileKind::Compose);
    assert!(compose.contains("GREETING: \"$${HOME}\""), "{compose}");
    assert!(compose.contains("@postgres:5432/my_db\""), "{compose}");
}

// --- drift ----------------------------------------------------------------------------

fn project(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("templates")).unwrap();
    std::fs::write(p.join("templates/index.html"), "<p>hi</p>\n").unwrap();
    std::fs::write(p.join("app.py"), "print('hi')\n").unwrap();
    std::fs::write(p.join("requirements.txt"), "flask==3.1.0\n").unwrap();
    std::fs::write(p.join("dgen.toml"), manifest).unwrap();
    assert!(dgen(p, &["render", "-q"]).0 == 0);
    dir
}

fn dgen(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dgen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn drift_tells_a_declared_writable_path_from_a_chown_of_the_code() {
    let dir = project(&python(
        "writable = [\"instance\"]\nenv_required = [\"SECRET_KEY\"]\n",
    ));
    let p = dir.path();
    assert_eq!(dgen(p, &["check"]).0, 0, "{}", dgen(p, &["check"]).1);
    let original = std::fs::read_to_string(p.join("Dockerfile")).unwrap();
    for (edit, flagged) in [
        (
            "chown \"${APP_USER}:${APP_USER}\" /app/instance",
            "chown \"${APP_USER}:${APP_USER}\" /app/instance /app",
        ),
        (
            "chown \"${APP_USER}:${APP_USER}\" /app/instance",
            "chown -R \"${APP_USER}:${APP_USER}\" /app",
        ),
        (
            "chown \"${APP_USER}:${APP_USER}\" /app/instance",
            "chown app /app/app.py",
        ),
    ] {
        std::fs::write(p.join("Dockerfile"), original.replace(edit, flagged)).unwrap();
        let (code, out) = dgen(p, &["check"]);
        assert_eq!(code, 1, "{flagged}: {out}");
        assert!(
            out.contains("app files owned by a non-root user") && out.contains("P17"),
            "{flagged}: {out}"
        );
    }
    // Changing which user owns the declared path is drift, but not a chown of the code.
    std::fs::write(
        p.join("Dockerfile"),
        original.replace(
            "chown \"${APP_USER}:${APP_USER}\" /app/instance",
            "chown nobody /app/instance",
        ),
    )
    .unwrap();
    let (code, out) = dgen(p, &["check"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        !out.contains("chown of app files") && !out.contains("owned by a non-root user"),
        "{out}"
    );
    // .env.example is checked too.
    std::fs::write(p.join("Dockerfile"), &original).unwrap();
    std::fs::write(p.join(".env.example"), "SECRET_KEY=hunter2\n").unwrap();
    let (code, out) = dgen(p, &["check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(".env.example"), "{out}");
}

// --- init -----------------------------------------------------------------------------

thread_local! {
    static INIT_OUTPUT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn init(files: &[(&str, &str)]) -> (dgen::manifest::Manifest, String) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (code, out) = dgen(dir.path(), &["init", "--yes"]);
    assert_eq!(code, 0, "{out}");
    INIT_OUTPUT.with(|o| *o.borrow_mut() = out.clone());
    let text = std::fs::read_to_string(dir.path().join("dgen.toml")).unwrap();
    let manifest = match dgen::manifest::parse(&text, Some(dir.path())) {
        Ok(loaded) => loaded.manifest,
        Err(d) => panic!(
            "{}\n{text}",
            dgen::diagnostic::render("dgen.toml", &text, &d, false)
        ),
    };
    // What init wrote renders.
    assert_eq!(dgen(dir.path(), &["render", "-q"]).0, 0, "{text}");
    (manifest, text)
}

fn writable(m: &dgen::manifest::Manifest) -> Vec<(String, bool)> {
    m.app
        .writable
        .iter()
        .map(|w| (w.path().to_owned(), w.persist()))
        .collect()
}

#[test]
fn init_flask_instance_secret_and_migration_chain() {
    let (m, text) = init(&[
        (
            "requirements.txt",
            "flask==3.1.2\ngunicorn==23.0.0\nFlask-SQLAlchemy==3.1.1\nFlask-Migrate==4.1.0\npsycopg2-binary==2.9.10\n",
        ),
        (
            "microblog/__init__.py",
            "import os\nfrom flask import Flask\nfrom logging.handlers import RotatingFileHandler\n\ndef create_app():\n    app = Flask(__name__, instance_relative_config=True)\n    app.config['SECRET_KEY'] = os.environ['SECRET_KEY']\n    app.config['SQLALCHEMY_DATABASE_URI'] = os.environ.get('DATABASE_URL') or 'sqlite:///app.db'\n    if not os.path.exists('logs'):\n        os.mkdir('logs')\n    RotatingFileHandler('logs/microblog.log', maxBytes=10240)\n    return app\n",
        ),
        (
            "Procfile",
            "web: flask db upgrade; flask translate compile; gunicorn --bind 0.0.0.0:$PORT 'microblog:create_app()'\n",
        ),
    ]);
    assert_eq!(
        writable(&m),
        vec![("instance".into(), true), ("logs".into(), false)],
        "{text}"
    );
    assert_eq!(m.app.env_required, vec!["SECRET_KEY"], "{text}");
    // The migration is a release step; compiling translations writes files, so it is left out
    // (with a note), not run in a read-only container.
    assert_eq!(
        m.app.release,
        vec![vec!["flask", "db", "upgrade"]],
        "{text}"
    );
    let out = INIT_OUTPUT.with(|o| o.borrow().clone());
    assert!(
        out.contains("`flask translate compile` ran before the server"),
        "{out}"
    );
    assert_eq!(m.app.command[0], "gunicorn", "{text}");
    assert!(!m.app.command.iter().any(|w| w.contains("&&") || w == "-c"));
    let pg = m.compose.postgres.as_ref().expect("postgres enabled");
    assert_eq!(pg.url_env, "DATABASE_URL");
    assert_eq!(
        pg.url_scheme, "postgresql",
        "psycopg2 is SQLAlchemy's default"
    );
    assert!(
        text.contains("instance: microblog/__init__.py:6 Flask's instance folder"),
        "{text}"
    );
    assert!(
        !text.contains("# [compose.postgres]"),
        "not also suggested: {text}"
    );
}

#[test]
fn init_django_media_root_postgres_and_release() {
    let (m, text) = init(&[
        (
            "requirements.txt",
            "Django==5.2.8\ngunicorn==23.0.0\npsycopg[binary]==3.2.12\ndjango-environ==0.12.0\n",
        ),
        (
            "manage.py",
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n",
        ),
        ("config/__init__.py", ""),
        ("config/wsgi.py", "application = None\n"),
        (
            "config/settings.py",
            "import environ\nfrom pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nenv = environ.Env(DEBUG=(bool, False))\nSECRET_KEY = env('DJANGO_SECRET_KEY')\nDEBUG = env('DEBUG')\nDATABASES = {'default': env.db('DATABASE_URL')}\nMEDIA_ROOT = BASE_DIR / 'media'\nSTATIC_ROOT = BASE_DIR / 'staticfiles'\n",
        ),
        (
            "Procfile",
            "release: python manage.py migrate --noinput\nweb: gunicorn config.wsgi --bind 0.0.0.0:$PORT\n",
        ),
    ]);
    assert_eq!(writable(&m), vec![("media".into(), true)], "{text}");
    assert_eq!(
        m.app.env_required,
        vec!["DJANGO_SECRET_KEY", "DATABASE_URL"],
        "{text}"
    );
    assert_eq!(
        m.app.release,
        vec![vec!["python", "manage.py", "migrate", "--noinput"]]
    );
    assert!(m.compose.postgres.is_some(), "{text}");
}

#[test]
fn init_fastapi_pydantic_settings_asyncpg() {
    let (m, text) = init(&[
        (
            "requirements.txt",
            "fastapi==0.115.0\nuvicorn==0.30.0\nsqlalchemy==2.0.36\nasyncpg==0.30.0\npydantic-settings==2.6.0\nredis==5.2.0\n",
        ),
        (
            "app/core/config.py",
            "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    database_url: str\n    jwt_secret: str\n    debug: bool = False\n    redis_url: str = 'redis://localhost:6379/0'\n\nsettings = Settings()\n",
        ),
        ("app/__init__.py", ""),
        (
            "app/main.py",
            "from fastapi import FastAPI\napp = FastAPI()\n",
        ),
    ]);
    assert_eq!(
        m.app.env_required,
        vec!["DATABASE_URL", "JWT_SECRET"],
        "{text}"
    );
    let pg = m.compose.postgres.as_ref().expect("postgres");
    assert_eq!(pg.url_scheme, "postgresql+asyncpg", "{text}");
    assert!(m.compose.redis.is_some(), "{text}");
    assert!(m.compose.mysql.is_none() && m.compose.mongodb.is_none());
}

#[test]
fn init_express_mongoose_multer_and_a_thrown_secret() {
    let (m, text) = init(&[
        (
            "package.json",
            r#"{"name": "shop", "scripts": {"start": "node server.js"}, "dependencies": {"express": "^4.21.0", "mongoose": "^8.0.0", "multer": "^1.4.5", "ioredis": "^5.4.0"}}"#,
        ),
        (
            "package-lock.json",
            r#"{"name": "shop", "lockfileVersion": 3, "packages": {}}"#,
        ),
        (
            "server.js",
            "const express = require('express');\nconst multer = require('multer');\nconst upload = multer({ dest: 'uploads/' });\nif (!process.env.JWT_SECRET) {\n  throw new Error('JWT_SECRET is required');\n}\nmongoose.connect(process.env.MONGODB_URI);\nconst app = express();\napp.listen(process.env.PORT || 3000);\n",
        ),
    ]);
    assert_eq!(writable(&m), vec![("uploads".into(), true)], "{text}");
    assert_eq!(m.app.env_required, vec!["JWT_SECRET"], "{text}");
    let mongo = m.compose.mongodb.as_ref().expect("mongodb enabled");
    assert_eq!(mongo.url_env, "MONGODB_URI", "{text}");
    assert!(m.compose.redis.is_some());
    assert!(m.compose.postgres.is_none());
}

#[test]
fn init_prisma_mysql_and_envalid() {
    let (m, text) = init(&[
        (
            "package.json",
            r#"{"name": "api", "scripts": {"start": "node index.js"}, "dependencies": {"@prisma/client": "^5.0.0", "envalid": "^8.0.0"}}"#,
        ),
        (
            "package-lock.json",
            r#"{"name": "api", "lockfileVersion": 3, "packages": {}}"#,
        ),
        (
            "prisma/schema.prisma",
            "datasource db {\n  provider = \"mysql\"\n  url      = env(\"DATABASE_URL\")\n}\n",
        ),
        (
            "index.js",
            "const { cleanEnv, str, port } = require('envalid');\nconst env = cleanEnv(process.env, {\n  DATABASE_URL: str(),\n  SESSION_SECRET: str(),\n  PORT: port({ default: 3000 }),\n});\n",
        ),
    ]);
    assert!(m.compose.mysql.is_some(), "{text}");
    assert_eq!(m.compose.mysql.as_ref().unwrap().url_env, "DATABASE_URL");
    assert_eq!(
        m.app.env_required,
        vec!["DATABASE_URL", "SESSION_SECRET"],
        "{text}"
    );
}

#[test]
fn init_enables_nothing_without_evidence() {
    let (m, text) = init(&[
        ("requirements.txt", "flask==3.1.2\ngunicorn==23.0.0\n"),
        (
            "app.py",
            "import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.environ.get('SECRET_KEY', 'dev')\n",
        ),
    ]);
    assert!(m.app.writable.is_empty(), "{text}");
    assert!(m.app.env_required.is_empty(), "{text}");
    assert!(m.app.release.is_empty(), "{text}");
    assert!(m.compose.postgres.is_none() && m.compose.redis.is_none());
}

#[test]
fn init_node_start_script_with_a_migration() {
    let (m, text) = init(&[
        (
            "package.json",
            r#"{"name": "nm", "scripts": {"start": "knex migrate:latest && node server.js"}, "dependencies": {"express": "^4.21.0", "pg": "^8.13.0", "knex": "^3.1.0"}}"#,
        ),
        (
            "package-lock.json",
            r#"{"name": "nm", "lockfileVersion": 3, "packages": {}}"#,
        ),
        (
            "server.js",
            "const express = require('express');\nif (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is required');\nexpress().listen(process.env.PORT || 3000);\n",
        ),
    ]);
    assert_eq!(m.app.command, vec!["node", "server.js"], "{text}");
    assert_eq!(
        m.app.release,
        vec![vec!["knex", "migrate:latest"]],
        "{text}"
    );
    assert_eq!(m.app.env_required, vec!["DATABASE_URL"]);
    assert!(m.compose.postgres.is_some());
    // A build step before node is not a release step: left for the build (another concern).
    let (m, text) = init(&[
        (
            "package.json",
            r#"{"name": "nb", "scripts": {"start": "tsc && node dist/server.js"}, "dependencies": {"express": "^4.21.0"}}"#,
        ),
        (
            "package-lock.json",
            r#"{"name": "nb", "lockfileVersion": 3, "packages": {}}"#,
        ),
        ("server.js", "require('express')().listen(3000);\n"),
    ]);
    assert!(m.app.release.is_empty(), "{text}");
}

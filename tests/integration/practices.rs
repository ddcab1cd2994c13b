//! The default output embodies every practice of the catalogue (PRACTICES.md) that applies to a
//! Dockerfile, a .dockerignore or a compose file; one test per practice, named by its ID.
//! P01 (hadolint) is judged on every example by `tests/judges/run.sh`; P19–P21 concern files
//! beyond these three.

use crate::common;

use common::{
    assert_clean_apt_installs, assert_generated_header, assert_ignores, assert_no_add,
    assert_no_consecutive_runs, assert_probe, assert_renders_identically, exposed, final_commands,
    final_copies, final_runs, final_stage, froms, instructions, outputs, python, refusals,
};

fn default_outputs() -> (String, String, String) {
    outputs(&python(
        "env = { LOG_LEVEL = \"info\" }\n\n[healthcheck]\npath = \"/healthz\"\n",
    ))
}

#[test]
fn p02_one_app_per_container() {
    let (dockerfile, _, compose) = default_outputs();
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1, "one built service");
}

#[test]
fn p03_slim_official_base() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(
        froms(&dockerfile),
        ["FROM python:3.12-slim AS builder", "FROM python:3.12-slim"]
    );
}

#[test]
fn p04_dockerignore_keeps_out_caches_vcs_venvs_secrets_editor_and_docker_files() {
    let (_, ignore, _) = outputs(&python("\n[dockerignore]\nextra = [\"data/\"]\n"));
    assert_ignores(
        &ignore,
        &[
            ".git",
            "**/__pycache__",
            "**/*.py[cod]",
            ".venv",
            "**/.env",
            ".env",
            "**/*.pem",
            "**/*.key",
            ".vscode",
            ".idea",
            "**/.DS_Store",
            ".pytest_cache",
            ".mypy_cache",
            "Dockerfile",
            ".dockerignore",
            "compose.yaml",
            "data/",
        ],
    );
}

#[test]
fn p05_tagged_never_latest_and_digest_pin_when_asked() {
    assert_eq!(
        refusals(&python("\n[image]\nbase = \"python:latest\"\n")),
        ["image-latest"]
    );
    assert_eq!(
        refusals(&python("\n[image]\nbase = \"python\"\n")),
        ["image-latest"]
    );
    let digest = "sha256:".to_owned() + &"a".repeat(64);
    let (dockerfile, _, _) = outputs(&python(&format!("\n[image]\ndigest = \"{digest}\"\n")));
    assert!(
        dockerfile.contains(&format!("FROM python:3.12-slim@{digest}\n")),
        "{dockerfile}"
    );
    // Pinned by digest, even an untagged base is accepted.
    assert!(
        refusals(&python(&format!(
            "\n[image]\nbase = \"python\"\ndigest = \"{digest}\"\n"
        )))
        .is_empty()
    );
}

#[test]
fn p06_only_the_apps_ports_never_ssh() {
    let (dockerfile, _, compose) =
        outputs(&python("").replace("ports = [8000]", "ports = [8000, 9100]"));
    assert_eq!(exposed(&dockerfile), ["EXPOSE 8000", "EXPOSE 9100"]);
    assert!(
        compose.contains("- \"127.0.0.1:8000:8000\"\n      - \"127.0.0.1:9100:9100\"\n"),
        "{compose}"
    );
    assert_eq!(
        refusals(&python("").replace("ports = [8000]", "ports = [22]")),
        ["port-ssh"]
    );
}

#[test]
fn p07_p08_python_env() {
    let (dockerfile, _, _) = default_outputs();
    let stage = final_stage(&dockerfile).join("\n");
    assert!(stage.contains("PYTHONDONTWRITEBYTECODE=1"), "{stage}");
    assert!(stage.contains("PYTHONUNBUFFERED=1"), "{stage}");
    // P07: no bytecode is compiled into the image unless the manifest asks.
    assert!(dockerfile.contains("--no-compile"), "{dockerfile}");
    assert!(!dockerfile.contains("compileall"), "{dockerfile}");
}

#[test]
fn p09_dependencies_installed_before_sources_are_copied() {
    for manager in ["pip", "uv", "poetry"] {
        let (dockerfile, _, _) = outputs(&python(&format!(
            "\n[python]\npackage_manager = \"{manager}\"\n"
        )));
        let all = instructions(&dockerfile);
        let install = all
            .iter()
            .position(|i| {
                i.starts_with("RUN ") && (i.contains("pip install") || i.contains("uv sync"))
            })
            .unwrap_or_else(|| panic!("{manager}: no install step"));
        let deps_copy = all
            .iter()
            .position(|i| i.starts_with("COPY ") && !i.contains("--from"))
            .unwrap();
        assert!(
            deps_copy < install,
            "{manager}: dependency files copied after the install"
        );
        let copied = &all[deps_copy];
        assert!(
            copied.contains("requirements.txt") || copied.contains("pyproject.toml"),
            "{manager}: first COPY is not the dependency files: {copied}"
        );
        let source_copy = all
            .iter()
            .position(|i| i.starts_with("COPY app.py"))
            .unwrap();
        assert!(
            install < source_copy,
            "{manager}: sources copied before the install"
        );
        // The builder stage never sees the sources, so a source edit cannot invalidate it.
        let builder_end = all.iter().rposition(|i| i.starts_with("FROM ")).unwrap();
        assert!(
            all[..builder_end].iter().all(|i| !i.contains("app.py")),
            "{manager}"
        );
    }
}

#[test]
fn p10_no_package_manager_cache_left() {
    // The download caches live on BuildKit cache mounts, outside every layer; an install
    // without a cache mount must not keep a cache either.
    for (manager, mounts) in [
        ("pip", &["/root/.cache/pip"][..]),
        ("uv", &["/root/.cache/pip", "/root/.cache/uv"][..]),
        ("poetry", &["/root/.cache/pip", "/root/.cache/pypoetry"][..]),
    ] {
        let (dockerfile, _, _) = outputs(&python(&format!(
            "\n[python]\npackage_manager = \"{manager}\"\n"
        )));
        let all = instructions(&dockerfile);
        let install = all
            .iter()
            .find(|i| i.starts_with("RUN ") && i.contains("pip install") && !i.contains("debugpy"))
            .unwrap_or_else(|| panic!("{manager}: no install RUN in {dockerfile}"));
        for mount in mounts {
            assert!(
                install.contains(&format!("--mount=type=cache,target={mount}")),
                "{manager}: {mount} is not a cache mount: {install}"
            );
        }
        // Every pip install is either on a cache mount or without a cache.
        for run in all.iter().filter(|i| i.contains("pip install")) {
            assert!(
                run.contains("--mount=type=cache,target=/root/.cache/pip")
                    || run.contains("--no-cache-dir"),
                "{manager}: {run}"
            );
        }
        // Whatever cache directory the tools use is one of the mounts.
        if manager == "poetry" {
            assert!(dockerfile.contains("POETRY_CACHE_DIR=/root/.cache/pypoetry"));
        }
        assert!(!dockerfile.contains("UV_CACHE_DIR"), "{manager}");
    }
}

#[test]
fn p11_copy_never_add() {
    let (dockerfile, _, _) = default_outputs();
    assert_no_add(&dockerfile);
}

#[test]
fn p12_copies_only_listed_paths_never_the_context() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(
        final_copies(&dockerfile),
        [
            "COPY --from=builder /opt/venv /opt/venv",
            "COPY app.py ./app.py",
            "COPY templates ./templates"
        ]
    );
    assert_eq!(
        refusals(&python("").replace("[\"app.py\", \"templates\"]", "[\".\"]")),
        ["source-everything"]
    );
}

#[test]
fn p13_grouped_runs_clean_apt_lists_no_recommends() {
    let (dockerfile, _, _) = outputs(&python(
        "system_packages = { libpq5 = \"15.*\" }\nbuild_packages = { gcc = \"4:12.*\" }\n",
    ));
    assert_clean_apt_installs(&dockerfile, 2, "one apt RUN per stage");
    // The runtime's apt install and the user creation share one layer.
    assert_eq!(final_runs(&dockerfile).len(), 1, "{dockerfile}");
    assert!(dockerfile.contains("libpq5=15.*"));
    // No two RUNs in a row anywhere (hadolint DL3059).
    assert_no_consecutive_runs(&dockerfile);
}

#[test]
fn p14_no_secrets_in_the_image() {
    assert_eq!(
        refusals(&python("env = { DB_PASSWORD = \"hunter2\" }\n")),
        ["env-secret"]
    );
    assert_eq!(
        refusals(&python(
            "env = { DATABASE_URL = \"postgres://u:p@db/x\" }\n"
        )),
        ["env-secret"]
    );
    let (_, ignore, compose) = default_outputs();
    assert!(ignore.lines().any(|l| l == ".env"));
    assert!(compose.contains("env_file:\n      - \".env\""), "{compose}");
}

#[test]
fn p15_p16_non_root_user_without_a_fixed_uid() {
    let (dockerfile, _, _) = default_outputs();
    let stage = final_stage(&dockerfile);
    let user = stage.iter().rfind(|i| i.starts_with("USER ")).unwrap();
    assert_eq!(user, "USER ${APP_USER}");
    assert!(stage.contains(&"ARG APP_USER=app".to_owned()));
    let useradd = stage.iter().find(|i| i.contains("useradd")).unwrap();
    assert!(
        useradd.contains("--system") && !useradd.contains("--uid"),
        "{useradd}"
    );
    // A numeric UID when asked, e.g. for Kubernetes runAsNonRoot.
    let (dockerfile, _, _) = outputs(&python("\n[user]\nname = \"web\"\nuid = 10001\n"));
    let stage = final_stage(&dockerfile);
    assert!(
        stage
            .iter()
            .any(|i| i.contains("--no-log-init --uid 10001 web")),
        "{dockerfile}"
    );
    assert_eq!(
        stage.iter().rfind(|i| i.starts_with("USER ")).unwrap(),
        "USER 10001"
    );
    assert_eq!(
        refusals(&python("\n[user]\nname = \"root\"\n")),
        ["user-root"]
    );
}

#[test]
fn p17_app_files_owned_by_root() {
    let (dockerfile, _, _) = default_outputs();
    assert!(!dockerfile.contains("--chown"), "{dockerfile}");
    assert!(!dockerfile.contains("chown "), "{dockerfile}");
    assert!(!dockerfile.contains("--chmod"), "{dockerfile}");
    // USER comes after every COPY: the files are written as root.
    let stage = final_stage(&dockerfile);
    let user = stage.iter().position(|i| i.starts_with("USER ")).unwrap();
    assert!(stage[user..].iter().all(|i| !i.starts_with("COPY ")));
}

#[test]
fn p18_healthcheck_in_image_and_compose() {
    let (dockerfile, _, compose) = default_outputs();
    let probe = "[\"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)\"]";
    assert_probe(&dockerfile, &compose, probe);
    assert!(
        dockerfile
            .contains("HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3")
    );
    // TCP connect by default; off when asked.
    let (dockerfile, _, _) = outputs(&python(""));
    assert!(dockerfile.contains("socket.create_connection(('127.0.0.1', 8000), timeout=5)"));
    let (dockerfile, _, compose) = outputs(&python("\n[healthcheck]\nenabled = false\n"));
    assert!(dockerfile.contains("\nHEALTHCHECK NONE\n"), "{dockerfile}");
    assert!(!dockerfile.contains("HEALTHCHECK --") && !compose.contains("healthcheck:"));
}

#[test]
fn exec_form_absolute_workdir_and_header() {
    let (dockerfile, ignore, compose) = default_outputs();
    assert_generated_header(&[&dockerfile, &ignore, &compose]);
    let stage = final_stage(&dockerfile);
    assert!(stage.contains(&"WORKDIR /app".to_owned()));
    assert!(stage.last().unwrap().starts_with("CMD [\""));
}

#[test]
fn compose_hardening() {
    let (_, _, compose) = default_outputs();
    for needle in [
        "read_only: true",
        "tmpfs:\n      - \"/tmp\"",
        "cap_drop:\n      - ALL",
        "security_opt:\n      - \"no-new-privileges:true\"",
        "restart: \"unless-stopped\"",
        "mem_limit: \"512m\"",
        "cpus: 1\n",
        "pids_limit: 256",
    ] {
        assert!(compose.contains(needle), "{needle} missing:\n{compose}");
    }
}

#[test]
fn compose_backing_services() {
    let (_, _, compose) = outputs(&python(
        "\n[compose.postgres]\nversion = \"16\"\n\n[compose.redis]\n",
    ));
    for needle in [
        "image: \"postgres:16\"",
        "image: \"redis:7\"",
        "postgres:\n        condition: service_healthy",
        "redis:\n        condition: service_healthy",
        "pg_isready",
        "redis-cli\", \"ping\"",
        "volumes:\n  postgres-data:\n  redis-data:\n",
        "POSTGRES_HOST: \"postgres\"",
        "REDIS_URL: \"redis://redis:6379/0\"",
    ] {
        assert!(compose.contains(needle), "{needle} missing:\n{compose}");
    }
    assert!(
        !compose
            .lines()
            .any(|l| l.trim_start().starts_with("POSTGRES_PASSWORD:")),
        "credentials come from the env file"
    );
    assert!(
        compose.contains("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgres:5432/"),
        "the app's DATABASE_URL takes the password from .env:\n{compose}"
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let text = python(
        "env = { B = \"2\", A = \"1\", C = \"3\" }\n\n[image]\nlabels = { z = \"1\", a = \"2\" }\n",
    );
    assert_renders_identically(&text, 20);
    let (dockerfile, _, _) = outputs(&text);
    let env_line = dockerfile.find("A=\"1\"").unwrap();
    assert!(
        env_line < dockerfile.find("B=\"2\"").unwrap(),
        "env sorted by key"
    );
}

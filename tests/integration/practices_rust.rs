//! The Rust stack's output embodies the practices of the catalogue (PRACTICES.md), one test per
//! practice ID, plus what the Rust stack promises beyond them: dependencies compiled in their own
//! layer (the stub build), a release binary on distroless cc or Debian slim, and a health-check
//! probe compiled with rustc in the build stage.
//! P01 (hadolint) is judged on the examples by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_ignores, assert_no_add, assert_no_consecutive_runs, assert_probe,
    assert_renders_identically, build_stage, exposed, final_commands, final_copies, final_runs,
    final_stage, froms, instructions, outputs, refusals, starting_with,
};

/// A minimal valid Rust manifest, with `extra` appended to `[app]` and `rust` to `[rust]`.
fn rust(extra: &str, rust: &str) -> String {
    format!(
        "name = \"web\"\nstack = \"rust\"\n\n[app]\ncommand = [\"web\"]\nports = [3000]\nsources = [\"src\"]\n{extra}\n[rust]\nversion = \"1.90\"\n{rust}"
    )
}

fn default_outputs() -> (String, String, String) {
    outputs(&(rust("", "") + "\n[healthcheck]\npath = \"/healthz\"\n"))
}

#[test]
fn p02_one_app_per_container() {
    let (dockerfile, _, compose) = default_outputs();
    assert_eq!(final_commands(&dockerfile), ["CMD [\"web\"]"]);
    assert_eq!(compose.matches("build:").count(), 1);
}

#[test]
fn p03_official_slim_build_image_and_minimal_final_image() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM rust:1.90-slim-bookworm AS build",
            "FROM gcr.io/distroless/cc-debian12:nonroot"
        ]
    );
    let (dockerfile, _, _) = outputs(&rust("", "runtime = \"debian-slim\"\n"));
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM rust:1.90-slim-bookworm AS build",
            "FROM debian:bookworm-slim"
        ]
    );
}

#[test]
fn p04_dockerignore_keeps_out_target_vcs_and_secrets() {
    let (_, ignore, _) = default_outputs();
    assert_ignores(
        &ignore,
        &[
            "target",
            "**/target",
            "**/*.rs.bk",
            ".git",
            ".env",
            "**/*.key",
            "Dockerfile",
        ],
    );
    assert!(
        !ignore
            .lines()
            .any(|l| !l.starts_with('#') && l.contains("Cargo.lock")),
        "the build needs Cargo.lock"
    );
}

#[test]
fn p05_digest_pin_when_asked() {
    let digest = "sha256:".to_owned() + &"c".repeat(64);
    let (dockerfile, _, _) = outputs(&rust(&format!("\n[image]\ndigest = \"{digest}\"\n"), ""));
    assert!(dockerfile.contains(&format!(
        "FROM gcr.io/distroless/cc-debian12:nonroot@{digest}\n"
    )));
    assert_eq!(
        refusals(&rust("\n[image]\nbase = \"debian:latest\"\n", "")),
        ["image-latest"]
    );
}

#[test]
fn p06_only_the_apps_ports() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(exposed(&dockerfile), ["EXPOSE 3000"]);
}

#[test]
fn p09_dependencies_compiled_against_a_stub_before_the_sources() {
    let (dockerfile, _, _) = default_outputs();
    let build = build_stage(&dockerfile);
    let manifests = build
        .iter()
        .position(|i| i == "COPY Cargo.toml Cargo.lock ./")
        .unwrap();
    let stub = build
        .iter()
        .position(|i| i.contains("echo 'fn main() {}' > src/main.rs"))
        .unwrap();
    let sources = build.iter().position(|i| i == "COPY src ./src").unwrap();
    let app = build
        .iter()
        .position(|i| i.contains("--bin \"web\""))
        .unwrap();
    assert!(
        manifests < stub && stub < sources && sources < app,
        "{dockerfile}"
    );
    let stub_run = &build[stub];
    assert!(stub_run.contains("touch src/lib.rs"), "{stub_run}");
    assert!(
        stub_run.contains("cargo fetch --locked && cargo build --release --locked && rm -rf src")
    );
    // The copied sources are older than the stub build: they are touched so that cargo rebuilds
    // the package itself.
    assert!(build[app].contains("find . -path ./target -prune -o -name '*.rs' -exec touch {} +"));
    assert!(build[app].contains("cp \"target/release/web\" \"/out/web\""));
}

#[test]
fn p10_registry_on_cache_mounts_and_nothing_but_binaries_in_the_final_image() {
    let (dockerfile, _, _) = default_outputs();
    for run in build_stage(&dockerfile)
        .iter()
        .filter(|i| i.contains("cargo "))
    {
        assert!(
            run.contains("--mount=type=cache,target=/usr/local/cargo/registry"),
            "{run}"
        );
        assert!(
            run.contains("--mount=type=cache,target=/usr/local/cargo/git/db"),
            "{run}"
        );
    }
    assert_eq!(
        starting_with(final_stage(&dockerfile), &["COPY", "RUN"]),
        ["COPY --from=build /out/ /usr/local/bin/"]
    );
}

#[test]
fn p11_copy_never_add() {
    let (dockerfile, _, _) = default_outputs();
    assert_no_add(&dockerfile);
}

#[test]
fn p12_copies_only_listed_paths_and_assets() {
    let (dockerfile, _, _) = outputs(&rust("", "assets = [\"static\"]\n"));
    assert_eq!(
        final_copies(&dockerfile),
        [
            "COPY --from=build /out/ /usr/local/bin/",
            "COPY static ./static"
        ]
    );
    assert_eq!(
        refusals(&rust("", "assets = [\"/etc\"]\n")),
        ["path-absolute"]
    );
}

#[test]
fn p13_grouped_runs_and_clean_apt_on_debian_slim() {
    let (dockerfile, _, _) = outputs(&rust(
        "system_packages = { ca-certificates = \"2023*\" }\nbuild_packages = { pkg-config = \"1.8.*\", libssl-dev = \"3.*\" }\n",
        "runtime = \"debian-slim\"\n",
    ));
    assert_no_consecutive_runs(&dockerfile);
    let all = instructions(&dockerfile);
    let apt: Vec<_> = all
        .iter()
        .filter(|i| i.contains("apt-get install"))
        .collect();
    assert_eq!(apt.len(), 2);
    for run in apt {
        assert!(
            run.contains("--no-install-recommends") && run.contains("rm -rf /var/lib/apt/lists/*")
        );
    }
    assert_eq!(
        final_runs(&dockerfile).len(),
        1,
        "apt and useradd share one layer"
    );
    // distroless has no apt.
    assert_eq!(
        refusals(&rust("system_packages = { libpq5 = \"15.*\" }\n", "")),
        ["system-packages"]
    );
}

#[test]
fn p14_no_secrets_in_the_image() {
    assert_eq!(
        refusals(&rust("env = { DATABASE_PASSWORD = \"x\" }\n", "")),
        ["env-secret"]
    );
}

#[test]
fn p15_p16_non_root_user() {
    let (dockerfile, _, _) = default_outputs();
    let stage = final_stage(&dockerfile);
    let users: Vec<_> = stage.iter().filter(|i| i.starts_with("USER ")).collect();
    assert_eq!(users, ["USER 0", "USER 65532"], "{dockerfile}");
    // Debian slim: a system user without a fixed UID, unless one is asked for.
    let (dockerfile, _, _) = outputs(&rust("", "runtime = \"debian-slim\"\n"));
    let stage = final_stage(&dockerfile);
    assert_eq!(
        stage.iter().rfind(|i| i.starts_with("USER ")).unwrap(),
        "USER ${APP_USER}"
    );
    assert!(stage.contains(&"ARG APP_USER=app".to_owned()));
    let useradd = stage.iter().find(|i| i.contains("useradd")).unwrap();
    assert!(useradd.contains("--system") && !useradd.contains("--uid"));
    let (dockerfile, _, _) = outputs(&rust(
        "\n[user]\nname = \"web\"\nuid = 10001\n",
        "runtime = \"debian-slim\"\n",
    ));
    assert!(final_stage(&dockerfile).contains(&"USER 10001".to_owned()));
}

#[test]
fn p17_binaries_owned_by_root() {
    for runtime in ["distroless", "debian-slim"] {
        let (dockerfile, _, _) = outputs(&rust("", &format!("runtime = \"{runtime}\"\n")));
        assert!(!dockerfile.contains("chown") && !dockerfile.contains("--chmod"));
        let stage = final_stage(&dockerfile);
        let user = stage.iter().rposition(|i| i.starts_with("USER ")).unwrap();
        assert!(stage[user..].iter().all(|i| !i.starts_with("COPY ")));
        let workdir = stage.iter().position(|i| i.starts_with("WORKDIR")).unwrap();
        let first_user = stage.iter().position(|i| i.starts_with("USER ")).unwrap();
        assert!(
            workdir < first_user || stage[first_user] == "USER 0",
            "{runtime}"
        );
    }
}

#[test]
fn p18_healthcheck_by_a_probe_compiled_from_std_source() {
    let (dockerfile, _, compose) = default_outputs();
    let probe = "[\"/usr/local/bin/healthcheck\", \"http://127.0.0.1:3000/healthz\", \"5\"]";
    assert_probe(&dockerfile, &compose, probe);
    let build = build_stage(&dockerfile);
    let run = build
        .iter()
        .find(|i| i.contains("/tmp/healthcheck.rs"))
        .unwrap();
    assert!(
        run.contains("'use std::net::{TcpStream, ToSocketAddrs};'"),
        "{run}"
    );
    assert!(
        run.contains("rustc --edition 2021 -C opt-level=s -C strip=symbols -o /out/healthcheck")
    );
    let (dockerfile, _, _) =
        outputs(&(rust("", "") + "\n[healthcheck]\ncommand = [\"web\", \"--check\"]\n"));
    assert!(!dockerfile.contains("healthcheck.rs"));
}

#[test]
fn features_and_bin() {
    let (dockerfile, _, _) = outputs(
        &rust("", "bin = \"server\"\nfeatures = [\"tls\", \"serde/derive\"]\nno_default_features = true\n")
            .replace("command = [\"web\"]", "command = [\"server\"]"),
    );
    let build = build_stage(&dockerfile);
    let app = build.iter().find(|i| i.contains("--bin")).unwrap();
    assert!(
        app.contains("cargo build --release --locked --no-default-features --features \"tls,serde/derive\" --bin \"server\""),
        "{app}"
    );
    let stub = build.iter().find(|i| i.contains("cargo fetch")).unwrap();
    assert!(
        stub.contains("--no-default-features --features \"tls,serde/derive\""),
        "{stub}"
    );
}

#[test]
fn rust_settings_are_checked() {
    assert_eq!(
        refusals(&rust("", "").replace("\"1.90\"", "\"stable\"")),
        ["version"]
    );
    assert_eq!(
        refusals(&rust("", "features = [\"a b\"]\n")),
        ["rust-feature"]
    );
    assert_eq!(refusals(&rust("", "bin = \"api\"\n")), ["command-binary"]);
    assert_eq!(
        refusals(&rust("", "bin = \"healthcheck\"\n")),
        ["binary-name"]
    );
}

#[test]
fn cargo_toml_is_read_when_the_project_is_at_hand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let text = rust("", "");
    let codes = |text: &str| -> Vec<&'static str> {
        match dgen::manifest::parse(text, Some(dir.path())) {
            Ok(loaded) => loaded.warnings.iter().map(|d| d.code).collect(),
            Err(diagnostics) => diagnostics.iter().map(|d| d.code).collect(),
        }
    };
    // The app is `web`, the package's binary `api`.
    assert_eq!(codes(&text), ["rust-bin", "lock-missing"]);
    let fixed = rust("", "bin = \"api\"\n").replace("command = [\"web\"]", "command = [\"api\"]");
    assert_eq!(codes(&fixed), ["lock-missing"]);
    std::fs::write(dir.path().join("Cargo.lock"), "version = 4\n").unwrap();
    assert!(codes(&fixed).is_empty());
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"api\"\npath = \"bin/api.rs\"\n",
    )
    .unwrap();
    assert_eq!(codes(&fixed), ["cargo-layout"]);
}

#[test]
fn output_is_byte_identical_across_runs() {
    let text = rust("env = { B = \"2\", A = \"1\" }\n", "features = [\"x\"]\n");
    assert_renders_identically(&text, 10);
}

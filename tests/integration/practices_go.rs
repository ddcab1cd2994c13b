//! The Go stack's output embodies the practices of the catalogue (PRACTICES.md), one test per
//! practice ID, plus what the Go stack promises beyond them: a static binary, a minimal final
//! image (distroless or scratch), and a health-check probe built in the build stage.
//! P01 (hadolint) is judged on the examples by `tests/judges/run.sh`.

use crate::common;

use common::{
    assert_generated_header, assert_ignores, assert_no_add, assert_no_consecutive_runs,
    assert_probe, assert_renders_identically, build_stage, exposed, final_commands, final_copies,
    final_stage, froms, instructions, outputs, refusals, starting_with,
};

/// A minimal valid Go manifest, with `extra` appended.
fn go(extra: &str) -> String {
    format!(
        "name = \"svc\"\nstack = \"go\"\n\n[app]\ncommand = [\"server\", \"-addr\", \":8080\"]\nports = [8080]\nsources = [\"cmd\", \"internal\"]\n{extra}\n[go]\nmain = \"./cmd/server\"\nbinary = \"server\"\n"
    )
}

fn with_go_settings(settings: &str, extra: &str) -> String {
    go(extra) + settings
}

fn default_outputs() -> (String, String, String) {
    outputs(&go("\n[healthcheck]\npath = \"/healthz\"\n"))
}

#[test]
fn p02_one_app_per_container() {
    let (dockerfile, _, compose) = default_outputs();
    assert_eq!(
        final_commands(&dockerfile),
        ["CMD [\"server\", \"-addr\", \":8080\"]"]
    );
    assert_eq!(compose.matches("build:").count(), 1);
}

#[test]
fn p03_official_build_image_and_minimal_final_image() {
    let (dockerfile, _, _) = default_outputs();
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM golang:1.25-bookworm AS build",
            "FROM gcr.io/distroless/static-debian12:nonroot"
        ]
    );
    let (dockerfile, _, _) = outputs(&with_go_settings(
        "runtime = \"scratch\"\nversion = \"1.24.3\"\n",
        "",
    ));
    assert_eq!(
        froms(&dockerfile),
        ["FROM golang:1.24.3-bookworm AS build", "FROM scratch"]
    );
}

#[test]
fn p04_dockerignore_keeps_out_vcs_secrets_and_go_leftovers() {
    let (_, ignore, _) = default_outputs();
    assert_ignores(
        &ignore,
        &[
            ".git",
            ".env",
            "**/.env",
            "**/*.pem",
            "Dockerfile",
            "dgen.toml",
            "**/*.test",
            "**/*.out",
            "go.work",
        ],
    );
    // go.sum is a build input and must reach the context.
    assert!(
        !ignore
            .lines()
            .any(|l| l.contains("go.sum") && !l.starts_with("go.work"))
    );
}

#[test]
fn p05_tagged_base_digest_pin_and_no_digest_on_scratch() {
    let digest = "sha256:".to_owned() + &"b".repeat(64);
    let (dockerfile, _, _) = outputs(&go(&format!("\n[image]\ndigest = \"{digest}\"\n")));
    assert!(
        dockerfile.contains(&format!(
            "FROM gcr.io/distroless/static-debian12:nonroot@{digest}\n"
        )),
        "{dockerfile}"
    );
    assert_eq!(
        refusals(&with_go_settings(
            "runtime = \"scratch\"\n",
            &format!("\n[image]\ndigest = \"{digest}\"\n")
        )),
        ["image-digest"]
    );
}

#[test]
fn p06_only_the_apps_ports() {
    let (dockerfile, _, compose) =
        outputs(&go("").replace("ports = [8080]", "ports = [8080, 9090]"));
    assert_eq!(exposed(&dockerfile), ["EXPOSE 8080", "EXPOSE 9090"]);
    assert!(compose.contains("\"127.0.0.1:9090:9090\""));
}

#[test]
fn p09_modules_downloaded_before_the_sources_are_copied() {
    let (dockerfile, _, _) = default_outputs();
    let build = build_stage(&dockerfile);
    let go_mod = build
        .iter()
        .position(|i| i == "COPY go.mod go.sum* ./")
        .unwrap();
    let download = build
        .iter()
        .position(|i| i.starts_with("RUN ") && i.contains("go mod download"))
        .unwrap();
    let sources = build.iter().position(|i| i == "COPY cmd ./cmd").unwrap();
    let compile = build
        .iter()
        .position(|i| i.contains("go build") && i.contains("./cmd/server"))
        .unwrap();
    assert!(
        go_mod < download && download < sources && sources < compile,
        "{dockerfile}"
    );
    // The probe is built before go.mod arrives: a go.mod edit does not rebuild it either.
    let probe = build
        .iter()
        .position(|i| i.contains("/tmp/healthcheck.go"))
        .unwrap();
    assert!(probe < go_mod);
}

#[test]
fn p10_module_and_build_caches_on_cache_mounts() {
    let (dockerfile, _, _) = default_outputs();
    let build = build_stage(&dockerfile);
    let download = build
        .iter()
        .find(|i| i.contains("go mod download"))
        .unwrap();
    assert!(
        download.contains("--mount=type=cache,target=/go/pkg/mod"),
        "{download}"
    );
    let compile = build
        .iter()
        .find(|i| i.contains("-o \"/out/server\""))
        .unwrap();
    assert!(
        compile.contains("--mount=type=cache,target=/go/pkg/mod"),
        "{compile}"
    );
    assert!(
        compile.contains("--mount=type=cache,target=/root/.cache/go-build"),
        "{compile}"
    );
    // The final stage takes binaries only: no cache can follow.
    assert_eq!(
        starting_with(final_stage(&dockerfile), &["COPY", "ADD", "RUN"]),
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
    let (dockerfile, _, _) = outputs(&with_go_settings("assets = [\"templates/\"]\n", ""));
    assert_eq!(
        starting_with(build_stage(&dockerfile), &["COPY "]),
        [
            "COPY go.mod go.sum* ./",
            "COPY cmd ./cmd",
            "COPY internal ./internal"
        ]
    );
    assert_eq!(
        final_copies(&dockerfile),
        [
            "COPY --from=build /out/ /usr/local/bin/",
            "COPY templates ./templates"
        ]
    );
    assert_eq!(
        refusals(&with_go_settings("assets = [\".\"]\n", "")),
        ["source-everything"]
    );
}

#[test]
fn p13_no_consecutive_runs_and_clean_apt() {
    let (dockerfile, _, _) = outputs(&go("build_packages = { git = \"1:2.39.*\" }\n"));
    assert_no_consecutive_runs(&dockerfile);
    let all = instructions(&dockerfile);
    let apt = all.iter().find(|i| i.contains("apt-get install")).unwrap();
    assert!(apt.contains("--no-install-recommends") && apt.contains("git=1:2.39.*"));
    assert!(apt.contains("rm -rf /var/lib/apt/lists/*"));
    // distroless and scratch have no apt: runtime packages are refused, not silently dropped.
    assert_eq!(
        refusals(&go("system_packages = { libpq5 = \"15.*\" }\n")),
        ["system-packages"]
    );
}

#[test]
fn p14_no_secrets_in_the_image() {
    assert_eq!(
        refusals(&go("env = { API_TOKEN = \"x\" }\n")),
        ["env-secret"]
    );
    let (_, ignore, compose) = default_outputs();
    assert!(ignore.lines().any(|l| l == ".env"));
    assert!(compose.contains("env_file:"), "{compose}");
}

#[test]
fn p15_non_root_numeric_user() {
    let (dockerfile, _, _) = default_outputs();
    let stage = final_stage(&dockerfile);
    // Root for the set-up (the :nonroot image starts as nonroot), the app's user at the end.
    let users: Vec<_> = stage.iter().filter(|i| i.starts_with("USER ")).collect();
    assert_eq!(users, ["USER 0", "USER 65532"], "{dockerfile}");
    assert!(dockerfile.contains("distroless's own non-root user `nonroot`"));
    let (dockerfile, _, _) = outputs(&with_go_settings(
        "runtime = \"scratch\"\n",
        "\n[user]\nuid = 10001\n",
    ));
    let stage = final_stage(&dockerfile);
    assert_eq!(
        stage.iter().rfind(|i| i.starts_with("USER ")).unwrap(),
        "USER 10001"
    );
    assert!(
        !stage.contains(&"USER 0".to_owned()),
        "scratch starts as root"
    );
    assert_eq!(refusals(&go("\n[user]\nuid = 0\n")), ["user-root"]);
}

#[test]
fn p16_user_name_is_not_used_on_images_without_users() {
    // distroless's nonroot user has a fixed UID of the image's own; dgen fixes none of its own
    // unless asked. A [user] name cannot apply: that is a warning, not silence.
    let loaded = dgen::manifest::parse(&go("\n[user]\nname = \"web\"\n"), None).unwrap();
    let codes: Vec<_> = loaded.warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["user-name-unused"]);
}

#[test]
fn p17_binaries_owned_by_root() {
    let (dockerfile, _, _) = default_outputs();
    assert!(!dockerfile.contains("chown") && !dockerfile.contains("--chmod"));
    let stage = final_stage(&dockerfile);
    // WORKDIR and every COPY happen as root; the app's user comes after them.
    let first_user = stage.iter().position(|i| i.starts_with("USER ")).unwrap();
    assert_eq!(stage[first_user], "USER 0");
    let workdir = stage
        .iter()
        .position(|i| i.starts_with("WORKDIR "))
        .unwrap();
    assert!(first_user < workdir);
    let user = stage.iter().rposition(|i| i.starts_with("USER ")).unwrap();
    assert!(stage[user..].iter().all(|i| !i.starts_with("COPY ")));
}

#[test]
fn p18_healthcheck_by_a_static_probe_built_from_source() {
    let (dockerfile, _, compose) = default_outputs();
    let probe = "[\"/usr/local/bin/healthcheck\", \"http://127.0.0.1:8080/healthz\", \"5\"]";
    assert_probe(&dockerfile, &compose, probe);
    let build = build_stage(&dockerfile);
    let probe_run = build
        .iter()
        .find(|i| i.contains("/tmp/healthcheck.go"))
        .unwrap();
    assert!(
        probe_run.contains("printf '%s\\n' 'package main'"),
        "{probe_run}"
    );
    assert!(probe_run.contains("go build -trimpath -ldflags=\"-s -w\" -o /out/healthcheck"));
    assert!(!dockerfile.contains("<<"), "no heredocs");
    // TCP by default.
    let (dockerfile, _, _) = outputs(&go(""));
    assert!(
        dockerfile.contains("\"tcp://127.0.0.1:8080\", \"5\"]"),
        "{dockerfile}"
    );
    // The app's own check (e.g. a -healthcheck flag): no probe is built.
    let (dockerfile, _, _) = outputs(&go(
        "\n[healthcheck]\ncommand = [\"server\", \"-healthcheck\"]\n",
    ));
    assert!(!dockerfile.contains("healthcheck.go"), "{dockerfile}");
    assert!(dockerfile.contains("CMD [\"server\", \"-healthcheck\"]"));
    // Off when asked: HEALTHCHECK NONE says so, and no probe is built.
    let (dockerfile, _, _) = outputs(&go("\n[healthcheck]\nenabled = false\n"));
    assert!(dockerfile.contains("\nHEALTHCHECK NONE\n"), "{dockerfile}");
    assert!(!dockerfile.contains("HEALTHCHECK --") && !dockerfile.contains("healthcheck.go"));
}

#[test]
fn static_stripped_reproducible_binary() {
    let (dockerfile, _, _) = outputs(&with_go_settings("tags = [\"netgo\", \"osusergo\"]\n", ""));
    let stage = build_stage(&dockerfile);
    assert!(
        stage
            .iter()
            .any(|i| i.starts_with("ENV CGO_ENABLED=0 GOTOOLCHAIN=local"))
    );
    let compile = stage
        .iter()
        .find(|i| i.contains("-o \"/out/server\""))
        .unwrap();
    assert!(
        compile.ends_with("go build -trimpath -ldflags=\"-s -w\" -tags=\"netgo,osusergo\" -o \"/out/server\" \"./cmd/server\""),
        "{compile}"
    );
}

#[test]
fn scratch_gets_ca_certificates_and_a_path() {
    let (dockerfile, _, _) = outputs(&with_go_settings("runtime = \"scratch\"\n", ""));
    let stage = final_stage(&dockerfile);
    assert!(stage.contains(
        &"COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt"
            .to_owned()
    ));
    assert!(
        stage
            .iter()
            .any(|i| i.starts_with("ENV PATH=/usr/local/bin"))
    );
    assert!(stage.contains(&"USER 65532".to_owned()));
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
fn go_settings_are_checked() {
    assert_eq!(
        refusals(&with_go_settings("version = \"2.0\"\n", "")),
        ["version"]
    );
    assert_eq!(
        refusals(&with_go_settings("version = \"1.x\"\n", "")),
        ["version"]
    );
    assert_eq!(
        refusals(&go("").replace("main = \"./cmd/server\"", "main = \"../other\"")),
        ["path-outside"]
    );
    assert_eq!(
        refusals(&go("").replace("main = \"./cmd/server\"", "main = \"cmd/my server\"")),
        ["go-main"]
    );
    assert_eq!(
        refusals(&go("").replace("binary = \"server\"", "binary = \"../x\"")),
        ["binary-name"]
    );
    assert_eq!(
        refusals(&with_go_settings("tags = [\"a b\"]\n", "")),
        ["go-tag"]
    );
    // The command must start the binary the image holds.
    assert_eq!(
        refusals(&go("").replace("binary = \"server\"", "binary = \"api\"")),
        ["command-binary"]
    );
    assert!(refusals(&go("").replace("[\"server\",", "[\"/usr/local/bin/server\",")).is_empty());
}

#[test]
fn output_is_byte_identical_across_runs() {
    let text = go("env = { B = \"2\", A = \"1\" }\n\n[image]\nlabels = { z = \"1\", a = \"2\" }\n");
    assert_renders_identically(&text, 10);
}

//! `[app] writable` on the stacks whose final image has no shell (Go on distroless or scratch,
//! Rust on distroless): the folders are made empty in the build stage and copied in one by one,
//! each owned by the runtime UID, so the code stays root-owned (P17). Rust on Debian slim and the
//! static stack (nginx on Alpine) have a shell and make them with one RUN, like Python.

use crate::common;

use common::{build_stage, compose_service, final_runs, final_stage, render, yaml_strings};
use dgen::render::FileKind;
use std::path::Path;
use std::process::Command;

const WRITABLE: &str = "writable = [\"data\", { path = \"cache\", persist = false }]\n";

fn go(extra: &str, settings: &str) -> String {
    format!(
        "name = \"svc\"\nstack = \"go\"\n\n[app]\ncommand = [\"server\"]\nports = [8080]\nsources = [\"cmd\"]\n{extra}\n[go]\nmain = \"./cmd/server\"\nbinary = \"server\"\n{settings}"
    )
}

fn rust(extra: &str, settings: &str) -> String {
    format!(
        "name = \"web\"\nstack = \"rust\"\n\n[app]\ncommand = [\"web\"]\nports = [3000]\nsources = [\"src\"]\n{extra}\n[rust]\nversion = \"1.90\"\n{settings}"
    )
}

fn site(extra: &str) -> String {
    format!(
        "name = \"site\"\nstack = \"static\"\n\n[app]\nports = [8080]\nsources = [\"index.html\"]\n{extra}"
    )
}

fn files(text: &str) -> (String, String) {
    let out = render(text);
    (
        common::file(&out, FileKind::Dockerfile),
        common::file(&out, FileKind::Compose),
    )
}

/// The build stage makes the folders; the final stage copies exactly those, owned by `owner`,
/// after the binaries (root-owned) and before USER; nothing else is copied with --chown.
fn assert_copied_in(dockerfile: &str, owner: &str) {
    let build = build_stage(dockerfile);
    assert!(
        build
            .iter()
            .any(|i| i == "RUN mkdir -p /writable/app/data /writable/app/cache"),
        "{build:?}"
    );
    let stage = final_stage(dockerfile);
    let chowned: Vec<&String> = stage.iter().filter(|i| i.contains("--chown")).collect();
    assert_eq!(
        chowned,
        vec![
            &format!("COPY --from=build --chown={owner} /writable/app/data /app/data"),
            &format!("COPY --from=build --chown={owner} /writable/app/cache /app/cache"),
        ],
        "{stage:?}"
    );
    let at = |prefix: &str| stage.iter().position(|i| i.starts_with(prefix)).unwrap();
    assert!(
        at("COPY --from=build /out/") < at("COPY --from=build --chown"),
        "{stage:?}"
    );
    let last_user = stage.iter().rposition(|i| i.starts_with("USER ")).unwrap();
    assert!(
        stage.iter().rposition(|i| i.contains("--chown")).unwrap() < last_user,
        "{stage:?}"
    );
    assert!(
        final_runs(dockerfile).is_empty(),
        "no RUN in an image without a shell"
    );
}

fn assert_compose_mounts(compose: &str, service: &str) {
    let app = compose_service(compose, service);
    assert_eq!(yaml_strings(&app["volumes"]), vec!["app-data:/app/data"]);
    assert_eq!(
        yaml_strings(&app["tmpfs"]),
        vec!["/tmp", "/app/cache:mode=1777"]
    );
    assert_eq!(app["read_only"].as_bool(), Some(true));
}

#[test]
fn go_on_distroless_copies_folders_made_in_the_build_stage_p17() {
    let (dockerfile, compose) = files(&go(WRITABLE, ""));
    assert_copied_in(&dockerfile, "65532:65532");
    assert_compose_mounts(&compose, "svc");
}

#[test]
fn go_on_scratch_and_a_fixed_uid() {
    let (dockerfile, compose) = files(&go(
        &format!("{WRITABLE}\n[user]\nuid = 10001\n"),
        "runtime = \"scratch\"\n",
    ));
    assert!(dockerfile.contains("FROM scratch"), "{dockerfile}");
    assert_copied_in(&dockerfile, "10001:10001");
    assert_compose_mounts(&compose, "svc");
}

#[test]
fn rust_on_distroless_copies_and_on_debian_runs_one_mkdir() {
    let (dockerfile, compose) = files(&rust(WRITABLE, ""));
    assert_copied_in(&dockerfile, "65532:65532");
    assert_compose_mounts(&compose, "web");

    let (dockerfile, _) = files(&rust(WRITABLE, "runtime = \"debian-slim\"\n"));
    assert!(!dockerfile.contains("/writable"), "{dockerfile}");
    let runs = final_runs(&dockerfile);
    let run = runs.iter().find(|r| r.contains("chown")).expect("a chown");
    assert!(run.contains("mkdir -p /app/data /app/cache"), "{run}");
    assert!(
        run.contains("chown \"${APP_USER}:${APP_USER}\" /app/data /app/cache"),
        "{run}"
    );
    assert!(!run.contains("-R"), "{run}");
    common::assert_no_consecutive_runs(&dockerfile);
}

#[test]
fn static_sites_give_the_folders_to_nginx() {
    let (dockerfile, compose) = files(&site(WRITABLE));
    let runs = final_runs(&dockerfile);
    let run = runs.iter().find(|r| r.contains("chown")).expect("a chown");
    assert!(
        run.contains("mkdir -p /app/data /app/cache")
            || run.contains("mkdir -p /usr/share/nginx/html/data"),
        "{run}"
    );
    assert!(run.contains("chown 101:101 "), "{run}");
    assert!(!run.contains("-R"), "{run}");
    let stage = final_stage(&dockerfile);
    let at = |prefix: &str| stage.iter().rposition(|i| i.starts_with(prefix)).unwrap();
    let chown_at = stage.iter().position(|i| i.contains("chown")).unwrap();
    assert!(
        chown_at > at("COPY ") && chown_at < at("USER "),
        "{stage:?}"
    );
    let app = compose_service(&compose, "site");
    assert_eq!(yaml_strings(&app["volumes"]).len(), 1);
}

#[test]
fn the_workdir_and_system_folders_stay_refused_on_every_stack() {
    for text in [
        go("writable = [\"/app\"]\n", ""),
        rust("writable = [\".\"]\n", ""),
        site("writable = [\"/etc\"]\n"),
        go("writable = [\"cmd\"]\n", ""),
    ] {
        assert!(!common::refusals(&text).is_empty(), "{text}");
    }
    assert!(common::refusals(&go(WRITABLE, "")).is_empty());
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

/// Drift: the generated COPY --chown of a declared folder is not a chown of the code, but the
/// same COPY pointed at the code is (P17).
#[test]
fn drift_tells_a_copied_writable_folder_from_a_chown_of_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("cmd/server")).unwrap();
    std::fs::write(
        p.join("cmd/server/main.go"),
        "package main\n\nfunc main() {}\n",
    )
    .unwrap();
    std::fs::write(p.join("go.mod"), "module example.com/svc\n\ngo 1.23\n").unwrap();
    std::fs::write(p.join("dgen.toml"), go(WRITABLE, "")).unwrap();
    let (code, out) = dgen(p, &["render", "-q"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = dgen(p, &["check"]);
    assert_eq!(code, 0, "{out}");
    // `dgen lint` without the manifest sees the same: an empty folder made in the build stage.
    let (_, out) = dgen(p, &["lint", "Dockerfile"]);
    assert!(!out.contains("[chown]"), "{out}");
    let original = std::fs::read_to_string(p.join("Dockerfile")).unwrap();
    let generated = "COPY --from=build --chown=65532:65532 /writable/app/data /app/data";
    assert!(original.contains(generated), "{original}");
    for tampered in [
        "COPY --from=build --chown=65532:65532 /writable/app/data /app",
        "COPY --from=build --chown=65532:65532 /out/ /usr/local/bin/",
    ] {
        std::fs::write(p.join("Dockerfile"), original.replace(generated, tampered)).unwrap();
        let (code, out) = dgen(p, &["check"]);
        assert_eq!(code, 1, "{tampered}: {out}");
        assert!(out.contains("P17"), "{tampered}: {out}");
        let (_, out) = dgen(p, &["lint", "Dockerfile"]);
        assert!(out.contains("[chown]"), "{tampered}: {out}");
    }
    // A folder the build stage filled is code, not an empty writable folder.
    let filled = original.replace(
        "RUN mkdir -p /writable/app/data /writable/app/cache",
        "RUN mkdir -p /writable/app/data /writable/app/cache\nCOPY . /writable/app/data",
    );
    std::fs::write(p.join("Dockerfile"), filled).unwrap();
    let (_, out) = dgen(p, &["lint", "Dockerfile"]);
    assert!(out.contains("[chown]"), "{out}");
}

//! The files beyond the core three (P19–P21) and team template overrides.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{
    compose_service, final_stage, froms, instructions, launch_json, python, render, yaml_strings,
};
use dgen::render::FileKind;
use yaml_rust2::YamlLoader;

fn file(text: &str, kind: FileKind) -> String {
    common::file(&render(text), kind)
}

fn dgen(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dgen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn project(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dgen.toml"), manifest).unwrap();
    std::fs::write(dir.path().join("app.py"), "print('hi')\n").unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "flask==3.1.0\n").unwrap();
    dir
}

#[test]
fn p20_debug_override_runs_debugpy_from_a_stage_the_production_image_skips() {
    let text = python("\n[healthcheck]\npath = \"/healthz\"\n\n[debug]\nwait_for_client = true\n");
    let dockerfile = file(&text, FileKind::Dockerfile);
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM python:3.12-slim AS builder",
            "FROM python:3.12-slim AS runtime",
            "FROM runtime AS debug",
            "FROM runtime"
        ]
    );
    // The default target (the last stage) is the runtime stage, unchanged: no debugpy.
    let all = instructions(&dockerfile);
    assert_eq!(all.last().unwrap(), "FROM runtime");
    let debug_stage = all
        .iter()
        .position(|i| i == "FROM runtime AS debug")
        .unwrap();
    assert!(all[..debug_stage].iter().all(|i| !i.contains("debugpy")));
    assert!(
        all[debug_stage..]
            .iter()
            .any(|i| i == "RUN pip install --no-cache-dir debugpy==1.8.22")
    );
    // The debug stage ends as the app user again.
    assert_eq!(
        all[debug_stage..]
            .iter()
            .rfind(|i| i.starts_with("USER "))
            .unwrap(),
        "USER ${APP_USER}"
    );

    let service = compose_service(&file(&text, FileKind::ComposeDebug), "demo");
    assert_eq!(service["build"]["target"].as_str(), Some("debug"));
    assert_eq!(
        service["ports"][0].as_str(),
        Some("127.0.0.1:5678:5678"),
        "published on loopback only"
    );
    assert_eq!(
        yaml_strings(&service["command"]),
        [
            "python",
            "-m",
            "debugpy",
            "--listen",
            "0.0.0.0:5678",
            "--wait-for-client",
            "/opt/venv/bin/gunicorn",
            "--bind",
            "0.0.0.0:8000",
            "app:app"
        ]
    );

    let launch = launch_json(&file(&text, FileKind::VsCodeLaunch));
    let config = &launch["configurations"][0];
    assert_eq!(config["type"], "debugpy");
    assert_eq!(config["request"], "attach");
    assert_eq!(config["connect"]["port"], 5678);
    assert_eq!(config["pathMappings"][0]["remoteRoot"], "/app");
    assert_eq!(config["pathMappings"][0]["localRoot"], "${workspaceFolder}");
}

#[test]
fn no_debug_files_without_a_debug_table() {
    let files = render(&python(""));
    assert!(
        files
            .iter()
            .all(|f| f.kind != FileKind::ComposeDebug && f.kind != FileKind::VsCodeLaunch)
    );
    assert!(!common::file(&files, FileKind::Dockerfile).contains("AS runtime"));
}

#[test]
fn p19_workflow_checks_drift_lints_builds_and_scans() {
    let text = python("\n[ci]\nseverity = \"MEDIUM\"\nignore_unfixed = false\n");
    let files = render(&text);
    let workflow = files
        .iter()
        .find(|f| f.kind == FileKind::CiWorkflow)
        .unwrap();
    assert_eq!(workflow.path, ".github/workflows/docker-demo.yml");
    let doc = &YamlLoader::load_from_str(&workflow.contents).unwrap()[0];
    let steps = doc["jobs"]["image"]["steps"].as_vec().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(runs.contains(&"dgen check --format github"), "{runs:?}");
    assert!(
        runs.iter().any(|r| r.contains("hadolint Dockerfile")),
        "{runs:?}"
    );
    assert!(
        runs.contains(&"docker build --tag \"demo:ci\" ."),
        "{runs:?}"
    );
    let scan = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("aquasecurity/trivy-action"))
        })
        .unwrap();
    assert_eq!(
        scan["with"]["severity"].as_str(),
        Some("MEDIUM,HIGH,CRITICAL")
    );
    assert_eq!(scan["with"]["exit-code"].as_str(), Some("1"));
    assert_eq!(scan["with"]["ignore-unfixed"].as_bool(), Some(false));
    assert_eq!(scan["with"]["image-ref"].as_str(), Some("demo:ci"));
}

#[test]
fn p21_run_instructions_name_the_registry_and_the_smoke_test() {
    let text = python(
        "\n[healthcheck]\npath = \"/healthz\"\n\n[publish]\nregistry = \"registry.example.com:5000\"\naccount = \"acme\"\n",
    );
    let readme = file(&text, FileKind::ReadmeDocker);
    for needle in [
        "docker build --tag demo .",
        "--publish 127.0.0.1:8000:8000",
        "--read-only --tmpfs /tmp",
        "--cap-drop ALL --security-opt no-new-privileges:true",
        "docker tag demo registry.example.com:5000/acme/demo:1.0.0",
        "docker push registry.example.com:5000/acme/demo:1.0.0",
        "curl --fail --silent --show-error http://127.0.0.1:8000/healthz",
        "docker inspect --format '{{.State.Health.Status}}' demo",
    ] {
        assert!(readme.contains(needle), "{needle} missing:\n{readme}");
    }
    let off = render(&python("\n[publish]\nreadme = false\n"));
    assert!(off.iter().all(|f| f.kind != FileKind::ReadmeDocker));
}

#[test]
fn every_file_carries_the_generated_by_header() {
    let text = python("\n[debug]\n\n[ci]\n");
    let files = render(&text);
    assert_eq!(files.len(), 7);
    for f in &files {
        assert!(
            f.contents
                .contains("Generated by dgen from dgen.toml. Do not edit by hand:"),
            "{}",
            f.path
        );
    }
}

#[test]
fn check_covers_every_file_dgen_writes() {
    let dir = project(&python("\n[debug]\n\n[ci]\n"));
    assert_eq!(dgen(dir.path(), &["render", "-q"]).0, 0);
    assert_eq!(dgen(dir.path(), &["check"]).0, 0);
    let launch = dir.path().join(".vscode/launch.json");
    let text = std::fs::read_to_string(&launch)
        .unwrap()
        .replace("5678", "5679");
    std::fs::write(&launch, text).unwrap();
    let (code, stdout, _) = dgen(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(stdout.contains(".vscode/launch.json: the debugger attach configuration differs from what the manifest renders (P20)"), "{stdout}");
    std::fs::remove_file(dir.path().join(".github/workflows/docker-demo.yml")).unwrap();
    let (code, stdout, _) = dgen(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(".github/workflows/docker-demo.yml is missing: run `dgen render`"),
        "{stdout}"
    );
}

#[test]
fn templates_list_and_show_print_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let (code, list, _) = dgen(dir.path(), &["templates", "list"]);
    assert_eq!(code, 0);
    for name in [
        "common/compose.yaml.j2",
        "common/dockerignore.j2",
        "python/Dockerfile.j2",
    ] {
        assert!(
            list.lines().any(|l| l == name),
            "{name} not listed:\n{list}"
        );
    }
    let (code, shown, _) = dgen(dir.path(), &["templates", "show", "python/Dockerfile.j2"]);
    assert_eq!(code, 0);
    assert_eq!(
        shown,
        dgen::render::builtin_template("python/Dockerfile.j2").unwrap()
    );
    let (code, _, err) = dgen(dir.path(), &["templates", "show", "nope.j2"]);
    assert_eq!(code, 2);
    assert!(err.contains("no built-in template `nope.j2`"), "{err}");
}

#[test]
fn a_block_override_replaces_only_that_block() {
    let dir = project(&python("\n[templates]\ndir = \"team\"\n"));
    std::fs::create_dir_all(dir.path().join("team/python")).unwrap();
    std::fs::write(
        dir.path().join("team/python/Dockerfile.j2"),
        "{% extends \"builtin:python/Dockerfile.j2\" %}\n{% block command %}\nCMD [\"python\", \"-m\", \"team.launcher\"]\n{% endblock %}\n",
    )
    .unwrap();
    let (code, _, err) = dgen(dir.path(), &["render", "-q"]);
    assert_eq!(code, 0, "{err}");
    let dockerfile = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    let all = instructions(&dockerfile);
    assert_eq!(
        all.last().unwrap(),
        "CMD [\"python\", \"-m\", \"team.launcher\"]"
    );
    assert!(
        all.iter().any(|i| i == "USER ${APP_USER}"),
        "the rest is the built-in template"
    );
    // Drift is checked against the overridden rendering.
    assert_eq!(dgen(dir.path(), &["check"]).0, 0);
    // …and without the overrides the same files drift.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, stdout, _) = dgen(dir.path(), &["check", "--templates", "empty"]);
    assert_eq!(code, 1, "{stdout}");
}

#[test]
fn a_whole_override_replaces_the_template() {
    let dir = project(&python(""));
    std::fs::create_dir_all(dir.path().join("team/common")).unwrap();
    std::fs::write(
        dir.path().join("team/common/dockerignore.j2"),
        "# team ignore for {{ name }}\n*\n!app.py\n",
    )
    .unwrap();
    let (code, _, err) = dgen(dir.path(), &["render", "-q", "--templates", "team"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap(),
        // A source the override would keep out (`templates`) still gets its exception.
        "# team ignore for demo\n*\n!app.py\n\n# Sources named in dgen.toml that a pattern above would keep out of the build context\n!templates\n"
    );
}

#[test]
fn a_broken_override_names_its_file_and_line() {
    let dir = project(&python(""));
    std::fs::create_dir_all(dir.path().join("team/python")).unwrap();
    std::fs::write(
        dir.path().join("team/python/Dockerfile.j2"),
        "FROM {{ base_image }}\n\nRUN echo {{ no_such_variable }}\n",
    )
    .unwrap();
    let (code, _, err) = dgen(dir.path(), &["render", "--templates", "team"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("team/python/Dockerfile.j2:3: undefined value"),
        "{err}"
    );
    assert!(!dir.path().join("Dockerfile").exists(), "nothing written");
    std::fs::write(
        dir.path().join("team/python/Dockerfile.j2"),
        "FROM {{ base_image }\n",
    )
    .unwrap();
    let (code, _, err) = dgen(dir.path(), &["render", "--templates", "team"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("team/python/Dockerfile.j2:1: syntax error"),
        "{err}"
    );
}

#[test]
fn an_undefined_variable_in_a_builtin_is_an_error_not_an_empty_string() {
    let env_text = "{{ nothing_here }}";
    let dir = project(&python(""));
    std::fs::create_dir_all(dir.path().join("team/common")).unwrap();
    std::fs::write(dir.path().join("team/common/dockerignore.j2"), env_text).unwrap();
    let (code, _, err) = dgen(dir.path(), &["render", "--templates", "team"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn p20_node_debugging_uses_the_inspector_without_changing_the_image() {
    let text = "name = \"api\"\nstack = \"node\"\n\n[app]\ncommand = [\"node\", \"server.js\"]\nports = [3000]\nsources = [\"server.js\"]\n\n[debug]\nport = 9230\n";
    let files = render(text);
    let plain = render(&text.replace("\n[debug]\nport = 9230\n", ""));
    assert_eq!(
        common::file(&files, FileKind::Dockerfile),
        common::file(&plain, FileKind::Dockerfile),
        "the image is the production one"
    );
    let service = compose_service(&common::file(&files, FileKind::ComposeDebug), "api");
    assert!(service["build"].is_badvalue(), "no debug stage to build");
    assert_eq!(
        service["environment"]["NODE_OPTIONS"].as_str(),
        Some("--inspect=0.0.0.0:9230")
    );
    assert_eq!(service["ports"][0].as_str(), Some("127.0.0.1:9230:9230"));
    let launch = launch_json(&common::file(&files, FileKind::VsCodeLaunch));
    assert_eq!(launch["configurations"][0]["type"], "node");
    assert_eq!(launch["configurations"][0]["port"], 9230);
    assert_eq!(launch["configurations"][0]["remoteRoot"], "/app");
}

#[test]
fn debug_on_a_stack_without_a_debugger_is_refused() {
    let text = "name = \"site\"\nstack = \"static\"\n\n[app]\nports = [8080]\nsources = [\"index.html\"]\n\n[debug]\n";
    assert_eq!(common::refusals(text), ["debug-unsupported"]);
}

#[test]
fn p20_go_debugging_runs_delve_from_a_stage_the_final_image_skips() {
    let text = "name = \"api\"\nstack = \"go\"\n\n[app]\ncommand = [\"api\", \"-addr\", \":8080\"]\nports = [8080]\nsources = [\"main.go\"]\n\n[debug]\n";
    let dockerfile = file(text, FileKind::Dockerfile);
    assert_eq!(
        froms(&dockerfile),
        [
            "FROM golang:1.25-bookworm AS build",
            "FROM build AS debug",
            "FROM gcr.io/distroless/static-debian12:nonroot"
        ]
    );
    assert!(
        final_stage(&dockerfile).iter().all(|i| !i.contains("dlv")),
        "Delve stays out of the final image"
    );
    let service = compose_service(&file(text, FileKind::ComposeDebug), "api");
    assert_eq!(service["build"]["target"].as_str(), Some("debug"));
    assert_eq!(
        yaml_strings(&service["command"]),
        [
            "dlv",
            "exec",
            "/usr/local/bin/api",
            "--headless",
            "--listen=:2345",
            "--api-version=2",
            "--accept-multiclient",
            "--continue",
            "--",
            "-addr",
            ":8080"
        ]
    );
    assert_eq!(service["ports"][0].as_str(), Some("127.0.0.1:2345:2345"));
}

#[test]
fn every_stack_has_overridable_healthcheck_and_command_blocks_and_says_healthcheck_none() {
    let manifests = [
        (
            "python",
            "command = [\"python\", \"app.py\"]\nports = [8000]\nsources = [\"app.py\"]\n",
            "",
        ),
        (
            "node",
            "command = [\"node\", \"server.js\"]\nports = [3000]\nsources = [\"server.js\"]\n",
            "",
        ),
        ("static", "ports = [8080]\nsources = [\"index.html\"]\n", ""),
        (
            "go",
            "command = [\"svc\"]\nports = [8080]\nsources = [\"main.go\"]\n",
            "",
        ),
        (
            "rust",
            "command = [\"svc\"]\nports = [8080]\nsources = [\"src\"]\n",
            "",
        ),
        (
            "java",
            "command = [\"java\", \"-jar\", \"app.jar\"]\nports = [8080]\nsources = [\"src\"]\n",
            "\n[java]\nwrapper = false\n",
        ),
    ];
    for (stack, app, extra) in manifests {
        let text = format!(
            "name = \"svc\"\nstack = \"{stack}\"\n\n[app]\n{app}{extra}\n[healthcheck]\nenabled = false\n"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dgen.toml"), &text).unwrap();
        std::fs::create_dir_all(dir.path().join(format!("team/{stack}"))).unwrap();
        std::fs::write(
            dir.path().join(format!("team/{stack}/Dockerfile.j2")),
            format!("{{% extends \"builtin:{stack}/Dockerfile.j2\" %}}\n{{% block command %}}\nCMD [\"team-launcher\"]\n{{% endblock %}}\n"),
        )
        .unwrap();
        let loaded =
            dgen::manifest::parse(&text, None).unwrap_or_else(|d| panic!("{stack}: {d:?}"));
        let files = dgen::render::Renderer::with_overrides(&dir.path().join("team"))
            .render(&loaded.manifest, "dgen.toml")
            .unwrap_or_else(|e| panic!("{stack}: {e}"));
        let dockerfile = common::file(&files, FileKind::Dockerfile);
        let all = instructions(&dockerfile);
        assert_eq!(all.last().unwrap(), "CMD [\"team-launcher\"]", "{stack}");
        assert!(
            all.iter().any(|i| i == "HEALTHCHECK NONE"),
            "{stack}: {dockerfile}"
        );
        assert!(
            dockerfile.starts_with("# Generated by dgen"),
            "{stack}: the rest is the built-in template"
        );
    }
}

/// The skeleton's blocks (here `user`) and its shared pieces (`common/labels.j2`) are reachable
/// from a team template through every stack's template, and a block left alone keeps its
/// built-in text.
#[test]
fn the_skeletons_blocks_are_overridable_through_every_stack() {
    let manifests = [
        (
            "python",
            "command = [\"app\"]\nports = [8000]\nsources = [\"app.py\"]\n",
            "",
        ),
        (
            "node",
            "command = [\"node\", \"server.js\"]\nports = [3000]\nsources = [\"server.js\"]\n",
            "",
        ),
        ("static", "ports = [8080]\nsources = [\"index.html\"]\n", ""),
        (
            "go",
            "command = [\"svc\"]\nports = [8080]\nsources = [\"main.go\"]\n",
            "",
        ),
        (
            "rust",
            "command = [\"svc\"]\nports = [8080]\nsources = [\"src\"]\n",
            "",
        ),
        (
            "java",
            "command = [\"java\", \"-jar\", \"app.jar\"]\nports = [8080]\nsources = [\"src\"]\n",
            "\n[java]\nwrapper = false\n",
        ),
    ];
    for (stack, app, extra) in manifests {
        let text = format!(
            "name = \"svc\"\nstack = \"{stack}\"\n\n[app]\n{app}{extra}\n[image.labels]\n\"org.example.team\" = \"core\"\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let team = dir.path().join("team");
        std::fs::create_dir_all(team.join(stack)).unwrap();
        std::fs::create_dir_all(team.join("common")).unwrap();
        std::fs::write(
            team.join(format!("{stack}/Dockerfile.j2")),
            format!("{{% extends \"builtin:{stack}/Dockerfile.j2\" %}}\n{{% block user %}}\nUSER 4242\n{{% endblock %}}\n"),
        )
        .unwrap();
        std::fs::write(
            team.join("common/labels.j2"),
            "LABEL \"org.example.owner\"=\"team\"\n",
        )
        .unwrap();
        let loaded =
            dgen::manifest::parse(&text, None).unwrap_or_else(|d| panic!("{stack}: {d:?}"));
        let files = dgen::render::Renderer::with_overrides(&team)
            .render(&loaded.manifest, "dgen.toml")
            .unwrap_or_else(|e| panic!("{stack}: {e}"));
        let dockerfile = common::file(&files, FileKind::Dockerfile);
        let all = instructions(&dockerfile);
        let users: Vec<&String> = all.iter().filter(|i| i.starts_with("USER ")).collect();
        assert_eq!(
            users.last().map(|u| u.as_str()),
            Some("USER 4242"),
            "{stack}: {dockerfile}"
        );
        assert!(
            all.iter()
                .any(|i| i == "LABEL \"org.example.owner\"=\"team\""),
            "{stack}: {dockerfile}"
        );
        assert!(
            !dockerfile.contains("org.example.team"),
            "{stack}: the team's labels.j2 replaces the built-in one"
        );
        // The blocks left alone are the skeleton's.
        assert!(
            all.last().unwrap().starts_with("CMD "),
            "{stack}: {dockerfile}"
        );
        assert!(
            all.iter().any(|i| i.starts_with("HEALTHCHECK ")),
            "{stack}: {dockerfile}"
        );
        assert!(dockerfile.starts_with("# Generated by dgen"), "{stack}");
    }
}

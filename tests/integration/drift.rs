//! `dgen check` and `dgen diff` on hand-edited files: one edit of each kind, each asserting the
//! exact report and exit status.

use crate::common;

use common::copy_dir;
use std::path::Path;
use std::process::Command;

const MANIFEST: &str = r#"name = "demo"
stack = "python"

[app]
command = ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
ports = [8000]
sources = ["app.py", "templates"]

[healthcheck]
path = "/healthz"
"#;

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir(p.join("templates")).unwrap();
        std::fs::write(p.join("templates/index.html"), "<p>hi</p>\n").unwrap();
        std::fs::write(p.join("app.py"), "print('hi')\n").unwrap();
        std::fs::write(p.join("requirements.txt"), "flask==3.1.0\n").unwrap();
        std::fs::write(p.join("dgen.toml"), MANIFEST).unwrap();
        let project = Project { dir };
        assert_eq!(project.run(&["render", "-q"]).0, 0);
        project
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_dgen"))
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn edit(&self, file: &str, f: impl FnOnce(String) -> String) {
        let path = self.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = f(text.clone());
        assert_ne!(text, edited, "the edit changed nothing");
        std::fs::write(path, edited).unwrap();
    }

    /// `dgen check`'s exit status and stdout after editing the Dockerfile.
    fn check_after(&self, f: impl FnOnce(String) -> String) -> (i32, String) {
        self.edit("Dockerfile", f);
        let (code, stdout, _) = self.run(&["check"]);
        (code, stdout)
    }
}

fn drifted(lines: &[&str]) -> String {
    let mut out = String::from("dgen.toml: drifted: Dockerfile (drifted)\n");
    for line in lines {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn fresh_render_is_current_and_quiet() {
    let p = Project::new();
    assert_eq!(p.run(&["check"]), (0, String::new(), String::new()));
    let (code, stdout, stderr) = p.run(&["check", "--verbose"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "dgen.toml: up to date\n");
    assert_eq!(stderr, "checked 1 manifest(s): 0 drifted\n");
}

#[test]
fn layers_reordered_source_copied_above_the_install_p09() {
    let p = Project::new();
    let out = p.check_after(|t| {
        t.replace(
            "COPY requirements.txt ./\n",
            "COPY requirements.txt ./\nCOPY . .\n",
        )
    });
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:11: COPY . . comes before the dependency install RUN --mount=type=cache,target=/root/.ca…: every source edit reinstalls dependencies (P09) (lines 11, 12)",
                "Dockerfile:11: stage builder: COPY . . added",
            ])
        )
    );
}

#[test]
fn user_removed_p15() {
    let p = Project::new();
    let out = p.check_after(|t| t.replace("USER ${APP_USER}\n", ""));
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:15: no USER in the final image: the container runs as root (P15)",
                "Dockerfile:27: final stage: USER app removed",
            ])
        )
    );
}

#[test]
fn add_for_copy_p11() {
    let p = Project::new();
    let out = p.check_after(|t| t.replace("COPY app.py ./app.py", "ADD app.py ./app.py"));
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:25: ADD app.py ./app.py: ADD used for local files instead of COPY (P11)",
                "Dockerfile:25: final stage: COPY app.py ./app.py changed to ADD app.py ./app.py",
            ])
        )
    );
}

#[test]
fn run_added() {
    let p = Project::new();
    let out = p.check_after(|t| {
        t.replace(
            "WORKDIR /app\n",
            "WORKDIR /app\nRUN pip install --no-cache-dir requests==2.32.3\n",
        )
    });
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:23: final stage: RUN pip install --no-cache-dir requests==2.32.3 added"
            ])
        )
    );
}

#[test]
fn base_tag_changed_p05() {
    let p = Project::new();
    let out = p.check_after(|t| t.replace("FROM python:3.12-slim\n", "FROM python:latest\n"));
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:15: FROM python:latest: the final image is built on a full, not a slim, base (P03)",
                "Dockerfile:15: FROM python:latest: untagged or latest image (P05)",
                "Dockerfile:15: final stage: FROM python:3.12-slim changed to FROM python:latest",
            ])
        )
    );
}

#[test]
fn ports_changed_p06() {
    let p = Project::new();
    let out = p.check_after(|t| t.replace("EXPOSE 8000", "EXPOSE 8080"));
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:28: port 8080 exposed: the app's are 8000 (P06)",
                "Dockerfile:28: final stage: EXPOSE 8000 changed to EXPOSE 8080",
                "Dockerfile:28: final stage: port 8000 no longer exposed: the app's port is not declared",
            ])
        )
    );
}

#[test]
fn ssh_port_added_p06() {
    let p = Project::new();
    let out = p.check_after(|t| t.replace("EXPOSE 8000\n", "EXPOSE 8000\nEXPOSE 22\n"));
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:29: EXPOSE 22: the SSH port is exposed (P06)",
                "Dockerfile:29: final stage: EXPOSE 22 added",
            ])
        )
    );
}

#[test]
fn crlf_is_formatting_only_unless_strict() {
    let p = Project::new();
    p.edit("Dockerfile", |t| t.replace('\n', "\r\n"));
    assert_eq!(p.run(&["check"]).0, 0);
    let (code, stdout, _) = p.run(&["check", "--strict"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("dgen.toml: drifted: Dockerfile (formatting only)\n"),
        "{stdout}"
    );
    assert!(stdout.to_lowercase().contains("line ending"), "{stdout}");
}

#[test]
fn keyword_case_and_continuation_layout_are_formatting_only() {
    let p = Project::new();
    p.edit("Dockerfile", |t| {
        t.replace("\nRUN ", "\nrun ")
            .replace("\nCOPY ", "\ncopy ")
            .replace(" \\\n    && ", " && ")
    });
    assert_eq!(p.run(&["check"]), (0, String::new(), String::new()));
    let (code, stdout, _) = p.run(&["check", "--verbose"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "dgen.toml: up to date (1 file(s) differ only in formatting)\n"
    );
}

#[test]
fn heredoc_added() {
    let p = Project::new();
    let out = p.check_after(|t| {
        t.replace(
            "WORKDIR /app\n",
            "WORKDIR /app\nRUN <<EOF\necho hi > /tmp/x\nEOF\n",
        )
    });
    assert_eq!(
        out,
        (1, drifted(&["Dockerfile:23: final stage: RUN <<EOF added"]))
    );
}

#[test]
fn multi_stage_builder_edit_is_reported_in_its_stage() {
    let p = Project::new();
    let out = p.check_after(|t| t.replace("--no-compile -r", "--no-compile --upgrade -r"));
    assert_eq!(
        out,
        (
            1,
            drifted(&[
                "Dockerfile:11: stage builder: RUN changed from … --no-compile -r … to … --no-compile --upgrade -r …"
            ])
        )
    );
}

#[test]
fn missing_file_is_drift() {
    let p = Project::new();
    std::fs::remove_file(p.path().join("compose.yaml")).unwrap();
    let (code, stdout, _) = p.run(&["check"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "dgen.toml: drifted: compose.yaml (missing)\n  compose.yaml: compose.yaml is missing: run `dgen render`\n"
    );
}

#[test]
fn dockerignore_and_compose_are_compared_semantically() {
    let p = Project::new();
    // Reordering and comments only: not drift.
    p.edit(".dockerignore", |t| {
        let mut lines: Vec<&str> = t.lines().filter(|l| !l.starts_with('#')).collect();
        lines.reverse();
        lines.join("\n") + "\n"
    });
    p.edit("compose.yaml", |t| {
        t.replace("    read_only: true\n", "")
            .replace("    cap_drop:", "    read_only: true\n    cap_drop:")
    });
    assert_eq!(p.run(&["check"]).0, 0);
    // Real changes are.
    p.edit(".dockerignore", |t| t.replace("\n.env\n", "\n"));
    p.edit("compose.yaml", |t| t.replace("    read_only: true\n", ""));
    let (code, stdout, _) = p.run(&["check"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "dgen.toml: drifted: .dockerignore (drifted), compose.yaml (drifted)\n  \
         .dockerignore: secrets no longer ignored: .env: they may reach the build context and the image (P14)\n  \
         compose.yaml:6: `services.demo.read_only` removed: the root filesystem is writable again\n"
    );
}

#[test]
fn bad_manifest_is_an_error() {
    let p = Project::new();
    std::fs::write(
        p.path().join("dgen.toml"),
        MANIFEST.replace("ports = [8000]", "ports = [22]"),
    )
    .unwrap();
    let (code, stdout, stderr) = p.run(&["check"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("error[port-ssh]"), "{stderr}");
}

#[test]
fn directories_are_searched_honouring_gitignore() {
    let root = tempfile::tempdir().unwrap();
    let a = Project::new();
    let b = Project::new();
    for (project, name) in [(&a, "svc-a"), (&b, "ignored")] {
        copy_dir(project.path(), &root.path().join(name));
    }
    std::fs::write(root.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::remove_file(root.path().join("ignored/Dockerfile")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dgen"))
        .arg("check")
        .arg("--verbose")
        .current_dir(root.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the ignored, drifted project is not checked"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "svc-a/dgen.toml: up to date\n"
    );
}

#[test]
fn json_github_and_sarif_reports() {
    let p = Project::new();
    p.edit("Dockerfile", |t| t.replace("USER ${APP_USER}\n", ""));
    let (code, json, _) = p.run(&["check", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["drifted"], true);
    let file = &json["manifests"][0]["files"][0];
    assert_eq!(file["path"], "Dockerfile");
    assert_eq!(file["status"], "drifted");
    assert_eq!(file["findings"][0]["line"], 15);
    assert_eq!(file["findings"][0]["practice"], "P15");
    assert_eq!(file["findings"][0]["rule"], "user-root");
    assert_eq!(file["findings"][0]["kind"], "practice");
    assert_eq!(file["findings"][1]["line"], 27);
    assert_eq!(
        file["findings"][1]["message"],
        "final stage: USER app removed"
    );
    assert_eq!(json["manifests"][0]["files"][1]["status"], "current");

    let (code, github, _) = p.run(&["check", "--format", "github"]);
    assert_eq!(code, 1);
    assert_eq!(
        github,
        "::error file=Dockerfile,line=15,title=dgen P15 (user-root)::no USER in the final image: the container runs as root (P15)\n\
         ::warning file=Dockerfile,line=27,title=dgen drift%3A 1 difference::line 27: final stage: USER app removed\n\
         ::notice title=dgen::run `dgen diff` to see the differences and `dgen render` to regenerate the files\n"
    );

    let (code, sarif, _) = p.run(&["check", "--format", "sarif"]);
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "user-root");
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        15
    );
    assert!(result["partialFingerprints"]["dgenFinding/v1"].is_string());
    let rules = &sarif["runs"][0]["tool"]["driver"]["rules"];
    let user_root = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "user-root")
        .unwrap();
    assert_eq!(user_root["name"], "UserRoot");
    assert!(
        user_root["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("#user-root")
    );
    assert_eq!(user_root["properties"]["tags"][0], "P15");
    let drift = &sarif["runs"][0]["results"][1];
    assert_eq!(
        (drift["ruleId"].as_str(), drift["level"].as_str()),
        (Some("drift"), Some("warning"))
    );
}

#[test]
fn diff_shows_a_unified_diff_from_disk_to_render() {
    let p = Project::new();
    p.edit("Dockerfile", |t| {
        t.replace("COPY app.py ./app.py", "ADD app.py ./app.py")
    });
    let (code, stdout, _) = p.run(&["diff"]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("# Dockerfile:25: ADD app.py ./app.py: ADD used for local files instead of COPY (P11)\n# Dockerfile:25: final stage: COPY app.py ./app.py changed to ADD app.py ./app.py\n--- Dockerfile (on disk)\n+++ Dockerfile (from dgen.toml)\n@@ -22,7 +22,7 @@\n"), "{stdout}");
    assert!(
        stdout.contains("\n-ADD app.py ./app.py\n+COPY app.py ./app.py\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("\x1b["), "no colour when not a terminal");
    let (_, coloured, _) = p.run(&["diff", "--color", "always"]);
    assert!(
        coloured.contains("\x1b[31m-ADD app.py ./app.py\x1b[0m"),
        "{coloured}"
    );
    let (code, stdout, _) = Project::new().run(&["diff"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn parser_survives_hostile_files() {
    let p = Project::new();
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(b"FROM python:3.12-slim\r\nRUN \xff\xfe broken \\\r\n");
    bytes.extend(std::iter::repeat_n(b'x', 2_000_000));
    std::fs::write(p.path().join("Dockerfile"), &bytes).unwrap();
    let (code, stdout, _) = p.run(&["check"]);
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("dgen.toml: drifted: Dockerfile (drifted)\n"),
        "{}",
        &stdout[..stdout.len().min(500)]
    );
}

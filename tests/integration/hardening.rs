//! Hardening (issue 12): every directed attack and bad day is a case here, with the exit status,
//! the message, and a checksum of the whole project before and after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

/// Every entry under `root` (files with their bytes, directories and symlinks by kind): a
/// change anywhere changes it.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_owned();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let to = std::fs::read_link(&path).unwrap();
                out.insert(rel, format!("symlink {}", to.display()));
            } else if kind.is_dir() {
                out.insert(rel, "dir".to_owned());
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(rel, format!("file {:016x}", fnv(&bytes)));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// FNV-1a, 64 bits: a checksum without a dependency.
fn fnv(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn dgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const BASE: &str = "name = \"demo\"\nstack = \"python\"\n\n[app]\ncommand = [\"gunicorn\", \"app:app\"]\nports = [8000]\nsources = [\"app.py\"]\n";

/// A project with `manifest` (its `[app]` table open at the end) and an `app.py`.
fn project(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dgen.toml"), manifest).unwrap();
    std::fs::write(dir.path().join("app.py"), "app = None\n").unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "gunicorn==23.0.0\n").unwrap();
    dir
}

/// Runs `args` and asserts exit 2, a message containing each of `needles`, and an untouched
/// project.
fn refused(dir: &Path, args: &[&str], needles: &[&str]) {
    let before = snapshot(dir);
    let out = dgen(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: `{needle}` not in:\n{err}");
    }
    assert_eq!(
        before,
        snapshot(dir),
        "{args:?} changed the project:\n{err}"
    );
}

// ---- Unicode policy ----

#[test]
fn every_line_break_bidi_and_zero_width_character_is_refused_at_its_column() {
    for (escape, what) in [
        ("\\n", "line feed"),
        ("\\r", "carriage return"),
        ("\\u000B", "vertical tab"),
        ("\\f", "form feed"),
        ("\\u0085", "NEXT LINE"),
        ("\\u2028", "LINE SEPARATOR"),
        ("\\u2029", "PARAGRAPH SEPARATOR"),
        ("\\u202E", "bidirectional"),
        ("\\u2066", "bidirectional"),
        ("\\u200B", "zero-width"),
        ("\\uFEFF", "zero-width"),
    ] {
        let manifest =
            format!("{BASE}\n[compose]\nenv_file = \".env{escape}include: [x.yaml] #\"\n");
        let dir = project(&manifest);
        // `env_file = ".env` puts the escape at column 17 of line 10.
        refused(
            dir.path(),
            &["render"],
            &[what, "dgen.toml:10:17", "nothing was written"],
        );
    }
    // Literal (unescaped) LS in a key and in a value.
    let dir = project(&format!(
        "{BASE}env = {{ GREETING = \"hi\u{2028}there\" }}\n"
    ));
    refused(
        dir.path(),
        &["render"],
        &["LINE SEPARATOR", "dgen.toml:8:23"],
    );
}

#[test]
fn a_comment_with_a_line_separator_cannot_hide_a_compose_key_from_check() {
    let dir = project(BASE);
    assert_eq!(dgen(dir.path(), &["render", "-q"]).status.code(), Some(0));
    assert_eq!(dgen(dir.path(), &["check"]).status.code(), Some(0));
    let compose = dir.path().join("compose.yaml");
    let text = std::fs::read_to_string(&compose).unwrap();
    for sep in ['\u{2028}', '\u{2029}', '\u{85}'] {
        std::fs::write(&compose, format!("# ok{sep}include: [evil.yaml]\n{text}")).unwrap();
        for args in [&["check"][..], &["check", "--strict"]] {
            let out = dgen(dir.path(), args);
            let report = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(1),
                "U+{:04X}: {report}",
                u32::from(sep)
            );
            assert!(report.contains("include"), "{report}");
        }
    }
}

// ---- Ownership ----

#[test]
fn render_never_replaces_a_hand_written_file_without_force() {
    let dir = project(&format!("{BASE}\n[ci]\n"));
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    refused(
        dir.path(),
        &["render"],
        &["Dockerfile", "not written by dgen", "dgen diff", "--force"],
    );
    // A hand-written workflow at the workflow path, likewise.
    std::fs::remove_file(dir.path().join("Dockerfile")).unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    std::fs::write(
        dir.path().join(".github/workflows/docker-demo.yml"),
        "on: push\n",
    )
    .unwrap();
    refused(
        dir.path(),
        &["render"],
        &["docker-demo.yml", "not written by dgen"],
    );
    // --force replaces it; a second render is then a no-op.
    let out = dgen(dir.path(), &["render", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let workflow =
        std::fs::read_to_string(dir.path().join(".github/workflows/docker-demo.yml")).unwrap();
    assert!(workflow.contains("Generated by dgen"), "{workflow}");
    let before = snapshot(dir.path());
    assert_eq!(dgen(dir.path(), &["render"]).status.code(), Some(0));
    assert_eq!(before, snapshot(dir.path()));
}

#[test]
fn a_generated_file_is_recognised_by_its_marker_not_its_whole_header() {
    let dir = project(BASE);
    assert_eq!(dgen(dir.path(), &["render", "-q"]).status.code(), Some(0));
    // Another header wording (a version added, say) with the same marker is still ours.
    let path = dir.path().join("Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap().to_owned();
    assert!(first.starts_with("# Generated by dgen"), "{first}");
    let edited = text.replacen(&first, "# Generated by dgen 9.9.9 from dgen.toml.", 1);
    std::fs::write(&path, edited + "# a local edit\n").unwrap();
    let out = dgen(dir.path(), &["render"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn ci_path_is_confined_to_the_workflows_folder() {
    for path in [
        "app.py",
        "dgen.toml",
        ".git/config",
        "Dockerfile",
        ".github/workflows/../../app.py",
        ".github/workflows/sub/x.yml",
        ".github/workflows/x.txt",
        ".github/workflows/.yml",
        "/etc/passwd",
    ] {
        let dir = project(&format!("{BASE}\n[ci]\npath = \"{path}\"\n"));
        refused(dir.path(), &["render"], &["ci-path", "nothing was written"]);
    }
    let dir = project(&format!(
        "{BASE}\n[ci]\npath = \".github/workflows/build.yaml\"\n"
    ));
    assert_eq!(dgen(dir.path(), &["render", "-q"]).status.code(), Some(0));
    assert!(dir.path().join(".github/workflows/build.yaml").is_file());
}

// ---- Transactional render ----

#[test]
fn an_output_path_that_is_a_directory_writes_nothing() {
    let dir = project(BASE);
    std::fs::create_dir(dir.path().join("compose.yaml")).unwrap();
    refused(dir.path(), &["render"], &["compose.yaml", "is a directory"]);
    assert!(!dir.path().join("Dockerfile").exists());
}

#[test]
fn a_vscode_path_that_cannot_hold_files_writes_nothing() {
    let dir = project(&format!("{BASE}\n[debug]\n"));
    std::fs::write(dir.path().join(".vscode"), "not a folder").unwrap();
    refused(dir.path(), &["render"], &[".vscode"]);
}

#[test]
fn out_outside_the_project_creates_no_directory() {
    let dir = project(BASE);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("new/deeper");
    refused(
        dir.path(),
        &["render", "--out", target.to_str().unwrap()],
        &["outside the project"],
    );
    assert!(!outside.path().join("new").exists());
    refused(
        dir.path(),
        &["render", "--out", "../escape/x"],
        &["outside the project"],
    );
    assert!(!dir.path().parent().unwrap().join("escape").exists());
    // Inside the project, the directories are created with the files.
    let out = dgen(dir.path(), &["render", "-q", "--out", "build/docker"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("build/docker/Dockerfile").is_file());
}

#[test]
fn leftover_temporary_files_are_ignored_and_cleaned() {
    let dir = project(BASE);
    assert_eq!(dgen(dir.path(), &["render", "-q"]).status.code(), Some(0));
    let ignore = std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "**/.dgen-*.tmp"), "{ignore}");
    let leftover = dir.path().join(".dgen-AbC123.tmp");
    std::fs::write(&leftover, "half a Dockerfile").unwrap();
    // Not ours: a file that merely looks similar stays.
    std::fs::write(dir.path().join(".dgen-notes.txt"), "mine").unwrap();
    let out = dgen(dir.path(), &["render"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!leftover.exists());
    assert!(
        stderr(&out).contains("interrupted render"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join(".dgen-notes.txt").exists());
}

// ---- Secrets ----

#[test]
fn secrets_by_name_and_by_value_shape_are_refused_wherever_they_appear() {
    let gh = format!("ghp_{}", "a1B2".repeat(9));
    let pem = "-----BEGIN RSA PRIVATE KEY-----MIIE".to_owned();
    let cases: Vec<String> = vec![
        "env = { DB_PASS = \"x\" }".into(),
        "env = { JWT_KEY = \"x\" }".into(),
        "env = { GITHUB_PAT = \"x\" }".into(),
        format!("env = {{ GREETING = \"{gh}\" }}"),
        "env = { GREETING = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\" }".into(),
        "env = { GREETING = \"AKIAIOSFODNN7EXAMPLE\" }".into(),
        "env = { GREETING = \"xoxb-1234567890-abcdefghij\" }".into(),
        format!("env = {{ GREETING = \"{pem}\" }}"),
        "env = { DATABASE_URL = \"postgres://u:hunter2@db/x\" }".into(),
    ];
    for line in &cases {
        let dir = project(&format!("{BASE}{line}\n"));
        refused(dir.path(), &["render"], &["(P14)"]);
    }
    // In a command argument and in a label.
    let manifest = BASE.replace(
        "command = [\"gunicorn\", \"app:app\"]",
        &format!("command = [\"gunicorn\", \"--token={gh}\", \"app:app\"]"),
    );
    let dir = project(&manifest);
    refused(dir.path(), &["render"], &["GitHub token", "(P14)"]);
    let dir = project(&format!(
        "{BASE}\n[image.labels]\n\"org.example.key\" = \"AKIAIOSFODNN7EXAMPLE\"\n"
    ));
    refused(dir.path(), &["render"], &["AWS access key", "(P14)"]);
    // Allow-listed names pass.
    let dir = project(&format!(
        "{BASE}env = {{ JWT_PUBLIC_KEY = \"/keys/pub.pem\", SSL_KEY_FILE = \"/run/secrets/key\" }}\n"
    ));
    let out = dgen(dir.path(), &["render", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// ---- Dockerfile syntax in values ----

#[test]
fn workdir_with_dockerfile_syntax_is_refused() {
    for workdir in [
        "/srv/app\\\\",
        "/srv/$HOME",
        "/srv/${X}",
        "/srv/\\\"q\\\"",
        "/srv/'q'",
        "/srv/a;b",
        "/srv/`id`",
        "/srv/a b",
        "/srv/./x",
    ] {
        let dir = project(&format!("{BASE}workdir = \"{workdir}\"\n"));
        refused(dir.path(), &["render"], &["workdir-invalid"]);
    }
}

#[test]
fn readme_commands_quote_values_a_shell_would_run() {
    let dir = project(&format!(
        "{BASE}\n[healthcheck]\npath = \"/h?a=1&b=$(id)\"\n"
    ));
    let out = dgen(dir.path(), &["render", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let readme = std::fs::read_to_string(dir.path().join("README.Docker.md")).unwrap();
    assert!(
        readme.contains("curl --fail --silent --show-error 'http://127.0.0.1:8000/h?a=1&b=$(id)'"),
        "{readme}"
    );
    for bad in ["/tmp;id", "/tmp&id", "/tmp $(id)", "tmp"] {
        let dir = project(&format!("{BASE}\n[compose]\ntmpfs = [\"{bad}\"]\n"));
        refused(dir.path(), &["render"], &["compose-tmpfs"]);
    }
}

// ---- Image references ----

#[test]
fn names_and_images_follow_the_reference_grammar() {
    for name in ["app-", "a..b", "a.-b", "-a", "a___b", "A"] {
        let dir = project(&BASE.replace("name = \"demo\"", &format!("name = \"{name}\"")));
        refused(dir.path(), &["render"], &["name-invalid"]);
    }
    for base in [
        "python:3.12 AS x",
        "python:-1",
        "Python:3.12",
        "python@sha256:abc",
    ] {
        let dir = project(&format!("{BASE}\n[image]\nbase = \"{base}\"\n"));
        refused(dir.path(), &["render"], &["image-invalid"]);
    }
    let dir = project(&format!("{BASE}\n[compose.redis]\nversion = \"-7\"\n"));
    refused(dir.path(), &["render"], &["image-tag"]);
    let dir = project(&format!(
        "{BASE}\n[publish]\nregistry = \"-bad.example.com\"\n"
    ));
    refused(dir.path(), &["render"], &["publish-registry"]);
    let dir = project(&format!("{BASE}\n[publish]\naccount = \"team//x\"\n"));
    refused(dir.path(), &["render"], &["publish-account"]);
    for name in ["a.b", "a__b", "a---b", "demo"] {
        let dir = project(&BASE.replace("name = \"demo\"", &format!("name = \"{name}\"")));
        let out = dgen(dir.path(), &["render", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    }
}

// ---- Templates stay in the project ----

#[cfg(unix)]
#[test]
fn template_folder_and_files_cannot_lead_out_of_the_project() {
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("secret.txt"), "HOST SECRET").unwrap();
    std::fs::create_dir(host.path().join("team")).unwrap();
    // The folder itself a symlink out.
    let dir = project(&format!("{BASE}\n[templates]\ndir = \"team\"\n"));
    std::os::unix::fs::symlink(host.path().join("team"), dir.path().join("team")).unwrap();
    refused(dir.path(), &["render"], &["not inside the project"]);
    // A file in it that is a symlink out, included by an override.
    let dir = project(&format!("{BASE}\n[templates]\ndir = \"team\"\n"));
    std::fs::create_dir_all(dir.path().join("team/python")).unwrap();
    std::fs::write(
        dir.path().join("team/python/Dockerfile.j2"),
        "{% include \"leak.txt\" %}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        host.path().join("secret.txt"),
        dir.path().join("team/leak.txt"),
    )
    .unwrap();
    refused(
        dir.path(),
        &["render"],
        &["leads out of the template folder"],
    );
    let out = dgen(dir.path(), &["render", "--stdout"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("HOST SECRET"));
}

// ---- check walks on ----

#[test]
fn check_judges_every_readable_manifest_and_reports_unreadable_paths() {
    let root = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let dir = root.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("dgen.toml"), BASE).unwrap();
        std::fs::write(dir.join("app.py"), "").unwrap();
        std::fs::write(dir.join("requirements.txt"), "").unwrap();
        let out = dgen(&dir, &["render", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    // b drifts; c's manifest cannot be read (a dangling symlink); d's is invalid; and one
    // argument does not exist.
    std::fs::write(
        root.path().join("b/Dockerfile"),
        "# Generated by dgen\nFROM x\n",
    )
    .unwrap();
    std::fs::create_dir(root.path().join("c")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere.toml", root.path().join("c/dgen.toml")).unwrap();
    std::fs::create_dir(root.path().join("d")).unwrap();
    std::fs::write(root.path().join("d/dgen.toml"), "name = \"x\"\n").unwrap();
    let before = snapshot(root.path());
    let out = dgen(root.path(), &["check", "--format", "json", ".", "missing"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["drifted"], true);
    assert_eq!(report["status"], "error");
    let status_of = |suffix: &str| -> String {
        report["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["manifest"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} not in {report}"))["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status_of("a/dgen.toml"), "current");
    assert_eq!(status_of("b/dgen.toml"), "drifted");
    #[cfg(unix)]
    assert_eq!(status_of("c/dgen.toml"), "error");
    assert_eq!(status_of("d/dgen.toml"), "error");
    assert_eq!(status_of("missing"), "error");
    for m in report["manifests"].as_array().unwrap() {
        assert!(m.get("drifted").is_none() || m["status"] != "error");
    }
    assert_eq!(before, snapshot(root.path()), "check wrote something");
    // Human output names the unreadable path and still reports the drift.
    let out = dgen(root.path(), &["check", ".", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("missing"), "{all}");
    assert!(all.contains("b/Dockerfile"), "{all}");
}

// ---- Limits ----

#[test]
fn oversized_manifests_are_refused_quickly_with_a_clear_error() {
    let big = format!("{BASE}# {}\n", "x".repeat(300 * 1024));
    let dir = project(&big);
    let start = std::time::Instant::now();
    refused(dir.path(), &["render"], &["limit"]);
    let mut labels = format!("{BASE}\n[image.labels]\n");
    for i in 0..5000 {
        labels.push_str(&format!("\"l{i}\" = \"v\"\n"));
    }
    let dir = project(&labels);
    refused(dir.path(), &["render"], &["manifest-too-many", "4096"]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_large_valid_manifest_renders_in_linear_time() {
    let mut manifest = format!("{BASE}\n[image.labels]\n");
    for i in 0..1500 {
        manifest.push_str(&format!("\"org.example.l{i}\" = \"value {i}\"\n"));
    }
    let dir = project(&manifest);
    let start = std::time::Instant::now();
    let out = dgen(dir.path(), &["render", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let out = dgen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

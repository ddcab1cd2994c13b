//! Drift and lint on the PHP, Ruby and .NET examples: the committed files are current, an edit
//! that breaks a practice is reported with its ID, and `dgen lint` finds nothing in what dgen
//! wrote (but the image-owned fixed UID of the .NET app user, as for nginx and distroless).

use crate::common;

use common::copy_dir;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dgen");

const EXAMPLES: [&str; 3] = ["php-composer", "ruby-rack", "dotnet-minimal-api"];

fn example(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
        &dir,
    );
    (tmp, dir)
}

fn dgen(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[test]
fn removing_the_user_is_drift_naming_p15() {
    for name in EXAMPLES {
        let (_tmp, dir) = example(name);
        let d = dir.to_str().unwrap();
        assert_eq!(dgen(&["check", d]).0, Some(0), "{name} is current");
        let path = dir.join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited: String = text
            .lines()
            .filter(|l| !l.starts_with("USER "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_ne!(edited, text);
        std::fs::write(&path, edited).unwrap();
        let (code, out) = dgen(&["check", d]);
        assert_eq!(code, Some(1), "{name}: {out}");
        assert!(out.contains("P15"), "{name}: {out}");
    }
}

#[test]
fn a_changed_health_probe_is_drift() {
    for name in EXAMPLES {
        let (_tmp, dir) = example(name);
        let path = dir.join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = text.replace("\"/healthz\"", "\"/other\"");
        assert_ne!(edited, text, "{name} probes /healthz");
        std::fs::write(&path, edited).unwrap();
        let (code, out) = dgen(&["check", dir.to_str().unwrap()]);
        assert_eq!(code, Some(1), "{name}: {out}");
    }
}

#[test]
fn lint_finds_nothing_in_what_dgen_wrote() {
    for name in ["php-composer", "ruby-rack"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name)
            .join("Dockerfile");
        let (code, out) = dgen(&["lint", path.to_str().unwrap()]);
        assert!(out.contains("0 with findings"), "{name}: {out}");
        assert_eq!(code, Some(0), "{name}: {out}");
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dotnet-minimal-api/Dockerfile");
    let (_, out) = dgen(&["lint", path.to_str().unwrap()]);
    let findings: Vec<&str> = out.lines().filter(|l| l.contains(": P")).collect();
    assert_eq!(findings.len(), 1, "{out}");
    assert!(findings[0].contains("[fixed-uid]"), "{out}");
}

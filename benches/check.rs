//! `dgen check` over a generated monorepo of 1,000 services, some drifted (every 10th loses its
//! USER line, every 15th has its continuations re-laid out: formatting only). Run with
//! `cargo bench --bench check`; the figure is in the README.

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use dgen::project::Project;

const SERVICES: usize = 1000;

fn make_monorepo(root: &Path) {
    for i in 0..SERVICES {
        let dir = root.join(format!("services/svc-{i:04}"));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("app.py"), "print('hello')\n").unwrap();
        std::fs::write(dir.join("templates/index.html"), "<p>hi</p>\n").unwrap();
        std::fs::write(
            dir.join("requirements.txt"),
            "flask==3.1.0\ngunicorn==23.0.0\n",
        )
        .unwrap();
        let manifest = format!(
            "name = \"svc-{i:04}\"\nstack = \"python\"\n\n[app]\ncommand = [\"gunicorn\", \"--bind\", \"0.0.0.0:{port}\", \"app:app\"]\nports = [{port}]\nsources = [\"app.py\", \"templates\"]\nenv = {{ SERVICE_INDEX = \"{i}\" }}\n\n[healthcheck]\npath = \"/healthz\"\n",
            port = 8000 + (i % 1000)
        );
        std::fs::write(dir.join("dgen.toml"), manifest).unwrap();
        let project = Project::load(&dir.join("dgen.toml")).unwrap();
        for file in project.render().unwrap() {
            let mut contents = file.contents;
            if file.path == "Dockerfile" && i % 10 == 0 {
                contents = contents.replace("USER ${APP_USER}\n", "");
            } else if file.path == "Dockerfile" && i % 15 == 0 {
                contents = contents.replace(" \\\n    && ", " && ");
            }
            std::fs::write(dir.join(&file.path), contents).unwrap();
        }
    }
}

fn check_monorepo(c: &mut Criterion) {
    let root = tempfile::tempdir().unwrap();
    make_monorepo(root.path());
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_dgen"))
            .arg("check")
            .arg(root.path())
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(1), "drift found");
    let drifted = String::from_utf8_lossy(&out.stdout)
        .matches(": drifted: ")
        .count();
    assert_eq!(drifted, SERVICES.div_ceil(10), "every 10th service drifted");
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function("dgen check, 1000 services (100 drifted)", |b| b.iter(run));
    group.finish();
}

criterion_group!(benches, check_monorepo);
criterion_main!(benches);

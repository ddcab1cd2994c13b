//! Rendering speed: one manifest in-process (parse, validate, render), and a whole
//! `dgen render` process writing the files of an example. Run with `cargo bench --bench render`.

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

fn example_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/flask-pip")
}

fn in_process(c: &mut Criterion) {
    let dir = example_dir();
    let text = std::fs::read_to_string(dir.join("dgen.toml")).unwrap();
    c.bench_function("render in-process (flask-pip)", |b| {
        b.iter(|| {
            let loaded = dgen::manifest::parse(&text, Some(&dir)).unwrap();
            dgen::render::render(&loaded.manifest, "dgen.toml").unwrap()
        })
    });
}

fn whole_process(c: &mut Criterion) {
    let work = tempfile::tempdir().unwrap();
    let src = example_dir();
    copy_dir(&src, work.path());
    let manifest = work.path().join("dgen.toml");
    c.bench_function("dgen render process (flask-pip)", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_dgen"))
                .args(["render", "-q", "-m"])
                .arg(&manifest)
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

criterion_group!(benches, in_process, whole_process);
criterion_main!(benches);

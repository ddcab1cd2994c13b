//! Documents generated from the code are up to date (`DGEN_UPDATE_DOCS=1` rewrites them).

use std::path::Path;

#[test]
fn practices_document_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dgen::docs::PRACTICES_PATH);
    let want = dgen::docs::practices_markdown();
    if std::env::var_os("DGEN_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run DGEN_UPDATE_DOCS=1 cargo test --test integration docs::",
            path.display()
        )
    });
    assert!(
        have == want,
        "{} is stale: run DGEN_UPDATE_DOCS=1 cargo test --test integration docs::",
        path.display()
    );
}

#[test]
fn practices_document_lists_every_practice_the_code_knows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dgen::docs::PRACTICES_PATH);
    let have = std::fs::read_to_string(&path).unwrap();
    for practice in dgen::practices::PRACTICES {
        assert!(
            have.contains(&format!(
                "## {}\n\n{}",
                practice.id,
                practice.title.trim_end_matches('.')
            )),
            "{} missing",
            practice.id
        );
    }
}

#[test]
fn readme_links_the_practices_document_and_it_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("](docs/PRACTICES.md"),
        "README does not link docs/PRACTICES.md"
    );
    // Every relative Markdown link in the README points at a file of the repository.
    for (i, _) in readme.match_indices("](") {
        let rest = &readme[i + 2..];
        let Some(end) = rest.find(')') else { continue };
        let target = &rest[..end];
        if target.starts_with('#') || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let file = target.split('#').next().unwrap();
        assert!(
            root.join(file).exists(),
            "README links {target}, which does not exist"
        );
    }
}

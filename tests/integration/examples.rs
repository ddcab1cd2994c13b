//! Every example's committed output must be what its manifest renders now.

use std::path::Path;

use dgen::project::Project;

#[test]
fn committed_example_outputs_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut manifests: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path().join("dgen.toml"))
        .filter(|p| p.exists())
        .collect();
    manifests.sort();
    assert!(
        manifests.len() >= 3,
        "at least three examples: {manifests:?}"
    );
    let mut stale = Vec::new();
    for manifest in &manifests {
        let project = Project::load(manifest).unwrap_or_else(|e| panic!("{}", e.render(false)));
        for file in project.render().unwrap() {
            let path = project.dir.join(&file.path);
            let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
            if on_disk != file.contents {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `dgen render -m <example>/dgen.toml`): {stale:#?}"
    );
}

//! The fuzz targets of dgen, as plain functions: the libFuzzer targets in `fuzz_targets/` and
//! the bounded campaign in `src/bin/campaign.rs` call the same code. Each target panics on a
//! broken invariant; returning is a pass.

pub mod shape;

use dgen::drift::{FileStatus, compare};
use dgen::render::FileKind;

/// The generated manifest shared by the comparison targets.
fn reference() -> &'static [dgen::render::RenderedFile] {
    static FILES: std::sync::OnceLock<Vec<dgen::render::RenderedFile>> =
        std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let text = shape::manifest(shape::benign);
        let loaded = dgen::manifest::parse(&text, None).expect("the reference manifest is valid");
        dgen::render::render(&loaded.manifest, "dgen.toml").expect("it renders")
    })
}

fn reference_file(kind: FileKind) -> &'static str {
    &reference()
        .iter()
        .find(|f| f.kind == kind)
        .expect("rendered")
        .contents
}

/// Manifest text → validation → render. An accepted manifest must render, every file must be
/// read back by independent readers, and every file must compare as current against itself.
pub fn manifest_render(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = dgen::manifest::parse(text, None) else {
        return;
    };
    let files = dgen::render::render(&loaded.manifest, "dgen.toml")
        .unwrap_or_else(|e| panic!("an accepted manifest failed to render: {e}"));
    for file in &files {
        if let Err(why) = shape::shape(file) {
            panic!("an accepted manifest rendered an unreadable file: {why}");
        }
        if let Some((_, ch)) = dgen::manifest::validate::find_forbidden(
            &file.contents.replace('\n', ""),
        ) {
            panic!("{} holds U+{:04X}", file.path, u32::from(ch));
        }
        let (status, _) = compare(file.kind, &file.contents, file.contents.as_bytes());
        assert_eq!(status, FileStatus::Current, "{}", file.path);
    }
}

/// Arbitrary bytes as a Dockerfile on disk, compared with the reference Dockerfile: parse and
/// diff must not panic, and identical bytes must be current.
pub fn dockerfile_diff(data: &[u8]) {
    let expected = reference_file(FileKind::Dockerfile);
    let (status, findings) = compare(FileKind::Dockerfile, expected, data);
    if data == expected.as_bytes() {
        assert_eq!(status, FileStatus::Current);
    }
    assert!(status == FileStatus::Current || !findings.is_empty());
    let _ = dgen::dockerfile::parse(data);
}

/// Arbitrary bytes as a compose.yaml on disk. A file with a key the reference lacks (as a YAML
/// parser that ends lines at NEL, LS and PS sees it) must never be reported current or
/// formatting-only.
pub fn compose_compare(data: &[u8]) {
    let expected = reference_file(FileKind::Compose);
    let (status, _) = compare(FileKind::Compose, expected, data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let liberal = text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n");
    if let Ok(docs) = yaml_rust2::YamlLoader::load_from_str(&liberal)
        && let Some(yaml_rust2::Yaml::Hash(top)) = docs.first()
    {
        let want = yaml_rust2::YamlLoader::load_from_str(expected).expect("reference");
        let yaml_rust2::Yaml::Hash(want) = &want[0] else {
            unreachable!()
        };
        if top.keys().any(|k| !want.contains_key(k)) {
            assert_eq!(status, FileStatus::Drifted, "an added top-level key went unseen");
        }
    }
}

/// Arbitrary bytes as a .dockerignore on disk compared with the reference one.
pub fn dockerignore_compare(data: &[u8]) {
    let expected = reference_file(FileKind::DockerIgnore);
    let (status, findings) = compare(FileKind::DockerIgnore, expected, data);
    if data == expected.as_bytes() {
        assert_eq!(status, FileStatus::Current);
    }
    assert!(status == FileStatus::Current || !findings.is_empty());
}

//! The no-injection property on generated manifests (see `fuzz/src/shape.rs`, shared with the
//! fuzzing campaign): hostile values are refused, or render files of exactly the benign shape.

#[path = "../../fuzz/src/shape.rs"]
mod shape;

use shape::{Outcome, Rng};

#[test]
fn hostile_values_render_the_benign_shape_or_are_refused() {
    let mut rng = Rng::new(0x6467_656e);
    let (mut refused, mut same) = (0, 0);
    for i in 0..400 {
        let (text, outcome) = shape::case(&mut rng);
        match outcome {
            Outcome::Refused => refused += 1,
            Outcome::Same => same += 1,
            Outcome::Escape(why) => panic!("case {i} escaped: {why}\n--- manifest ---\n{text}"),
        }
    }
    // Both sides of the property are exercised: many hostile values are accepted (and quoted),
    // many are refused.
    assert!(same > 40, "only {same} hostile manifests were accepted");
    assert!(
        refused > 40,
        "only {refused} hostile manifests were refused"
    );
}

#[test]
fn the_shape_readers_see_an_injection() {
    // The property must be able to fail: a raw line break in a Dockerfile adds an instruction,
    // a LINE SEPARATOR in a YAML comment adds a key.
    assert_eq!(
        shape::dockerfile_keywords("FROM x\nENV A=\"1\"\nRUN id\n"),
        ["FROM", "ENV", "RUN"]
    );
    assert_eq!(
        shape::dockerfile_keywords("FROM x\nENV A=1 \\\n  B=2\n# c\nUSER app\n"),
        ["FROM", "ENV", "USER"]
    );
    let file = |contents: &str| dgen::render::RenderedFile {
        kind: dgen::render::FileKind::Compose,
        path: "compose.yaml".into(),
        contents: contents.into(),
    };
    let plain = shape::shape(&file("# c\nservices: {}\n")).unwrap();
    let hidden = shape::shape(&file("# c\u{2028}include: [x]\nservices: {}\n")).unwrap();
    assert_ne!(plain.keys, hidden.keys);
    assert!(hidden.keys.contains("/include"));
}

#[test]
fn toml_strings_round_trip() {
    let mut rng = Rng::new(7);
    for _ in 0..500 {
        let value = shape::hostile(&mut rng);
        let doc: toml::Value =
            toml::from_str(&format!("v = {}", shape::toml_string(&value))).unwrap();
        assert_eq!(doc["v"].as_str(), Some(value.as_str()));
    }
}

//! The committed JSON Schema must be what the manifest types generate.

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/dgen.schema.json"
    ))
    .expect("schemas/dgen.schema.json exists");
    let current = dgen::manifest::schema_text();
    assert!(
        committed == current,
        "schemas/dgen.schema.json is stale: run `cargo run -- schema > schemas/dgen.schema.json`"
    );
}

#[test]
fn schema_carries_doc_comments_and_refuses_unknown_keys() {
    let schema = dgen::manifest::schema();
    let app = &schema["$defs"]["App"];
    assert_eq!(app["additionalProperties"], serde_json::Value::Bool(false));
    let description = app["properties"]["command"]["description"]
        .as_str()
        .unwrap();
    assert!(description.contains("exec form"), "{description}");
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
}

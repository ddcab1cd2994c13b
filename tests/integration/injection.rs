//! No manifest value can add a Dockerfile instruction or a YAML key: hostile values are either
//! refused (control characters) or quoted so that they stay one literal value.

use crate::common;

use common::{instructions, outputs, python, refusals};
use yaml_rust2::{Yaml, YamlLoader};

const HOSTILE: &str =
    r#"x" \\ $HOME ${PATH} `id` ]; RUN echo pwned # : {a: b} - [c] 'q' &anchor *ref !tag |"#;

fn hostile_manifest() -> String {
    let v = toml_string(HOSTILE);
    format!(
        "name = \"demo\"\nstack = \"python\"\n\n[app]\ncommand = [\"python\", \"-c\", {v}]\nports = [8000]\nsources = [\"app.py\", {src}]\nenv = {{ GREETING = {v}, \"OTHER\" = {v} }}\n\n[healthcheck]\ncommand = [\"python\", {v}]\n\n[image]\nlabels = {{ \"org.example.note\" = {v} }}\n\n[dockerignore]\nextra = [{v}]\n",
        src = toml_string("my dir/it's \"here\""),
    )
}

fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

#[test]
fn hostile_values_add_no_dockerfile_instruction() {
    let benign = outputs(
        &hostile_manifest()
            .replace(HOSTILE, "benign")
            .replace("my dir/it's \\\"here\\\"", "static"),
    );
    let hostile = outputs(&hostile_manifest());
    let keywords = |d: &str| -> Vec<String> {
        instructions(d)
            .iter()
            .map(|i| i.split_whitespace().next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(keywords(&hostile.0), keywords(&benign.0), "{}", hostile.0);
    // ENV and LABEL values are one double-quoted word with ", \ and $ escaped.
    let escaped = r#""x\" \\\\ \$HOME \${PATH} `id` ]; RUN echo pwned # : {a: b} - [c] 'q' &anchor *ref !tag |""#;
    assert!(
        hostile.0.contains(&format!("GREETING={escaped}")),
        "{}",
        hostile.0
    );
    assert!(
        hostile
            .0
            .contains(&format!("\"org.example.note\"={escaped}")),
        "{}",
        hostile.0
    );
    // Exec-form arrays are JSON.
    let json = serde_json::to_string(HOSTILE).unwrap();
    assert!(
        hostile
            .0
            .contains(&format!("CMD [\"python\", \"-c\", {json}]")),
        "{}",
        hostile.0
    );
    // A source path with a space and quotes is copied with the JSON form.
    assert!(
        hostile
            .0
            .contains(r#"COPY ["my dir/it's \"here\"", "./my dir/it's \"here\""]"#),
        "{}",
        hostile.0
    );
}

#[test]
fn hostile_values_add_no_yaml_key() {
    let (_, _, compose) = outputs(&hostile_manifest());
    let docs = YamlLoader::load_from_str(&compose).expect("compose.yaml is valid YAML");
    let doc = &docs[0];
    let top: Vec<&str> = doc
        .as_hash()
        .unwrap()
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(top, ["services"]);
    let service = &doc["services"]["demo"];
    let keys: Vec<&str> = service
        .as_hash()
        .unwrap()
        .keys()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "build",
            "ports",
            "environment",
            "env_file",
            "healthcheck",
            "read_only",
            "tmpfs",
            "cap_drop",
            "security_opt",
            "restart",
            "mem_limit",
            "cpus",
            "pids_limit"
        ]
    );
    // Compose would interpolate `$`: it is doubled, so the container sees the literal value.
    let doubled = HOSTILE.replace('$', "$$");
    assert_eq!(
        service["environment"]["GREETING"].as_str(),
        Some(doubled.as_str())
    );
    let test = service["healthcheck"]["test"].as_vec().unwrap();
    assert_eq!(test[2].as_str(), Some(doubled.as_str()));
}

#[test]
fn hostile_label_keys_are_refused() {
    let text = python("\n[image]\nlabels = { \"a\\\" b\" = \"x\", \"k=v\" = \"y\" }\n");
    assert_eq!(refusals(&text), ["label-key", "label-key"]);
}

#[test]
fn newlines_and_control_characters_are_refused_everywhere() {
    for (place, value) in [
        ("env", "env = { A = \"x\\nRUN evil\" }\n"),
        ("command", "command = [\"python\", \"x\\r\\nUSER root\"]\n"),
        ("label", "\n[image]\nlabels = { a = \"x\\u0000\" }\n"),
        ("label key", "\n[image]\nlabels = { \"a\\nb\" = \"x\" }\n"),
        ("ignore", "\n[dockerignore]\nextra = [\"x\\n!secret\"]\n"),
        ("tab", "env = { A = \"x\\ty\" }\n"),
    ] {
        let text = if place == "command" {
            python("").replace(
                "command = [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]\n",
                value,
            )
        } else {
            python(value)
        };
        let codes = refusals(&text);
        assert!(codes.contains(&"control-character"), "{place}: {codes:?}");
    }
}

//! The manifest: its types, its JSON Schema, and the pipeline that turns `dgen.toml` text into a
//! validated [`Manifest`] or a list of every problem in it.
//!
//! Loading runs in stages, each collecting all its diagnostics before the next stage runs:
//! 1. TOML syntax (the parser's own error, with its span);
//! 2. structure against the JSON Schema: unknown keys (with suggestions), types, enumerations;
//! 3. deserialization into the types;
//! 4. semantic rules ([`validate`]), the stack's own included.

pub mod buildopts;
pub mod extras;
pub mod model;
pub mod spans;
mod structure;
pub mod validate;

use std::path::Path;
use std::sync::OnceLock;

pub use buildopts::SecretKind;
pub use extras::*;
pub use model::*;
pub use spans::Seg;
pub use structure::closest;
// What the stacks' own rules use: the stacks reach the manifest only through these and the
// types above.
pub use validate::{Checker, is_version};

use crate::diagnostic::Diagnostic;

/// A manifest that passed every rule, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The manifest.
    pub manifest: Manifest,
    /// Problems that do not stop rendering.
    pub warnings: Vec<Diagnostic>,
}

/// The JSON Schema of the manifest, generated from the types.
pub fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = schemars::schema_for!(Manifest);
        serde_json::to_value(schema).expect("a schema is plain JSON")
    })
}

/// The schema as committed in `schemas/dgen.schema.json`: pretty-printed, with a final newline.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(schema()).expect("a schema is plain JSON");
    text.push('\n');
    text
}

/// The largest manifest accepted, in bytes (read from disk with this limit too).
pub const MAX_MANIFEST_BYTES: usize = 256 * 1024;

/// The most keys, values and array items a manifest may hold, all tables together.
pub const MAX_MANIFEST_ITEMS: usize = 4096;

/// Keys, values and array items in `item`, counted once each.
fn count_items(item: &toml_edit::Item) -> usize {
    fn value(v: &toml_edit::Value) -> usize {
        1 + match v {
            toml_edit::Value::Array(a) => a.iter().map(value).sum(),
            toml_edit::Value::InlineTable(t) => t.iter().map(|(_, v)| 1 + value(v)).sum(),
            _ => 0,
        }
    }
    fn table(t: &toml_edit::Table) -> usize {
        t.iter().map(|(_, v)| 1 + count_items(v)).sum()
    }
    match item {
        toml_edit::Item::Value(v) => value(v),
        toml_edit::Item::Table(t) => table(t),
        toml_edit::Item::ArrayOfTables(ts) => ts.iter().map(table).sum(),
        toml_edit::Item::None => 0,
    }
}

/// Parses and validates manifest `text`. `project_dir` is the directory holding the manifest;
/// when given, paths the manifest names are checked to exist there.
pub fn parse(text: &str, project_dir: Option<&Path>) -> Result<Loaded, Vec<Diagnostic>> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(vec![
            Diagnostic::error(
                "manifest-too-large",
                format!(
                    "dgen.toml is {} bytes; the limit is {MAX_MANIFEST_BYTES} bytes",
                    text.len()
                ),
                None,
            )
            .with_help(
                "a manifest describes one service in a few dozen lines; split a generated one",
            ),
        ]);
    }
    let doc = match toml_edit::Document::parse(text.to_owned()) {
        Ok(doc) => doc,
        Err(error) => {
            let message = error.message().trim_end().to_owned();
            return Err(vec![
                Diagnostic::error("toml-syntax", "dgen.toml is not valid TOML", error.span())
                    .with_label(message),
            ]);
        }
    };
    let items = count_items(doc.as_item());
    if items > MAX_MANIFEST_ITEMS {
        return Err(vec![
            Diagnostic::error(
                "manifest-too-many",
                format!(
                    "dgen.toml holds {items} keys and values; the limit is {MAX_MANIFEST_ITEMS}"
                ),
                None,
            )
            .with_help("a manifest describes one service: list only what it needs"),
        ]);
    }
    let structural = structure::check(&doc, schema());
    if !structural.is_empty() {
        return Err(structural);
    }
    let manifest: Manifest = match toml::from_str(text) {
        Ok(manifest) => manifest,
        Err(error) => {
            return Err(vec![
                Diagnostic::error("invalid", error.message().to_owned(), error.span())
                    .with_label("here"),
            ]);
        }
    };
    let (errors, warnings): (Vec<_>, Vec<_>) = validate::validate(&manifest, &doc, project_dir)
        .into_iter()
        .partition(Diagnostic::is_error);
    if errors.is_empty() {
        Ok(Loaded { manifest, warnings })
    } else {
        let mut all = errors;
        all.extend(warnings);
        all.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        Err(all)
    }
}

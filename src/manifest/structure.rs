//! Structural checks of a manifest against its JSON Schema: unknown keys (with the closest known
//! key as a suggestion), wrong types and values outside an enumeration, all collected at once
//! with spans, before serde sees the document. The schema is the one generated from the
//! manifest types, so the checks can never disagree with them.

use serde_json::{Map, Value as Json};
use toml_edit::{Document, Item, TableLike, Value};

use crate::diagnostic::Diagnostic;

/// Checks `doc` against `schema` and returns every structural problem.
pub fn check(doc: &Document<String>, schema: &Json) -> Vec<Diagnostic> {
    let mut walker = Walker {
        root: schema,
        out: Vec::new(),
    };
    let mut path = Vec::new();
    walker.table(doc.as_table(), schema, &mut path, Some(0..0));
    walker.out
}

struct Walker<'s> {
    root: &'s Json,
    out: Vec<Diagnostic>,
}

/// What a TOML node is, for matching against schema types.
#[derive(Clone, Copy)]
enum Node<'d> {
    Table(&'d dyn TableLike),
    Array(&'d toml_edit::Array),
    Tables(&'d toml_edit::ArrayOfTables),
    Scalar(&'d Value),
}

impl<'d> Node<'d> {
    fn of_item(item: &'d Item) -> Option<Node<'d>> {
        match item {
            Item::None => None,
            Item::Table(t) => Some(Node::Table(t)),
            Item::ArrayOfTables(a) => Some(Node::Tables(a)),
            Item::Value(v) => Some(Node::of_value(v)),
        }
    }

    fn of_value(value: &'d Value) -> Node<'d> {
        match value {
            Value::Array(a) => Node::Array(a),
            Value::InlineTable(t) => Node::Table(t),
            other => Node::Scalar(other),
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Node::Table(_) => "a table",
            Node::Array(_) | Node::Tables(_) => "an array",
            Node::Scalar(Value::String(_)) => "a string",
            Node::Scalar(Value::Integer(_)) => "an integer",
            Node::Scalar(Value::Float(_)) => "a float",
            Node::Scalar(Value::Boolean(_)) => "a boolean",
            Node::Scalar(Value::Datetime(_)) => "a date-time",
            Node::Scalar(_) => "a value",
        }
    }

    fn matches_type(self, ty: &str) -> bool {
        matches!(
            (ty, self),
            ("object", Node::Table(_))
                | ("array", Node::Array(_) | Node::Tables(_))
                | ("string", Node::Scalar(Value::String(_)))
                | ("integer", Node::Scalar(Value::Integer(_)))
                | ("number", Node::Scalar(Value::Integer(_) | Value::Float(_)))
                | ("boolean", Node::Scalar(Value::Boolean(_)))
        )
    }

    fn as_json_scalar(self) -> Option<Json> {
        match self {
            Node::Scalar(Value::String(s)) => Some(Json::String(s.value().clone())),
            Node::Scalar(Value::Integer(i)) => Some(Json::from(*i.value())),
            Node::Scalar(Value::Boolean(b)) => Some(Json::Bool(*b.value())),
            _ => None,
        }
    }
}

fn describe_type(ty: &str) -> &'static str {
    match ty {
        "object" => "a table",
        "array" => "an array",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        _ => "a value",
    }
}

fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        "the manifest".to_owned()
    } else {
        format!("`{}`", path.join("."))
    }
}

impl<'s> Walker<'s> {
    /// Follows `$ref`s to the schema they name.
    fn resolve(&self, mut schema: &'s Json) -> &'s Json {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Json::as_str) else {
                break;
            };
            let Some(pointer) = reference.strip_prefix('#') else {
                break;
            };
            match self.root.pointer(pointer) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    fn node(
        &mut self,
        node: Node<'_>,
        schema: &'s Json,
        path: &mut Vec<String>,
        span: Option<std::ops::Range<usize>>,
    ) {
        let schema = self.resolve(schema);
        if let Some(alternatives) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Json::as_array)
        {
            self.alternatives(node, alternatives, path, span);
            return;
        }
        if let Some(types) = schema_types(schema)
            && !types.iter().any(|ty| node.matches_type(ty))
        {
            let expected: Vec<&str> = types
                .iter()
                .filter(|ty| **ty != "null")
                .map(|ty| describe_type(ty))
                .collect();
            self.out.push(
                Diagnostic::error(
                    "wrong-type",
                    format!(
                        "{} must be {}, not {}",
                        display_path(path),
                        expected.join(" or "),
                        node.type_name()
                    ),
                    span,
                )
                .with_label(format!("expected {}", expected.join(" or "))),
            );
            return;
        }
        if let Some(options) = schema.get("enum").and_then(Json::as_array) {
            self.enumeration(node, options, path, span);
            return;
        }
        if let Some(constant) = schema.get("const") {
            self.enumeration(node, std::slice::from_ref(constant), path, span);
            return;
        }
        self.bounds(node, schema, path, span.clone());
        match node {
            Node::Table(table) => self.table(table, schema, path, span),
            Node::Array(array) => {
                if let Some(items) = schema.get("items") {
                    for (index, value) in array.iter().enumerate() {
                        path.push(index.to_string());
                        self.node(Node::of_value(value), items, path, value.span());
                        path.pop();
                    }
                }
            }
            Node::Tables(tables) => {
                if let Some(items) = schema.get("items") {
                    for (index, table) in tables.iter().enumerate() {
                        path.push(index.to_string());
                        self.node(Node::Table(table), items, path, table.span());
                        path.pop();
                    }
                }
            }
            Node::Scalar(_) => {}
        }
    }

    fn bounds(
        &mut self,
        node: Node<'_>,
        schema: &Json,
        path: &[String],
        span: Option<std::ops::Range<usize>>,
    ) {
        let Node::Scalar(Value::Integer(value)) = node else {
            return;
        };
        let value = *value.value();
        let minimum = schema.get("minimum").and_then(Json::as_i64);
        let maximum = schema.get("maximum").and_then(Json::as_i64);
        let below = minimum.is_some_and(|min| value < min);
        let above = maximum.is_some_and(|max| value > max);
        if below || above {
            let range = match (minimum, maximum) {
                (Some(min), Some(max)) => format!("between {min} and {max}"),
                (Some(min), None) => format!("at least {min}"),
                (None, Some(max)) => format!("at most {max}"),
                (None, None) => unreachable!("a bound was crossed"),
            };
            self.out.push(
                Diagnostic::error(
                    "out-of-range",
                    format!("{} must be {range}, not {value}", display_path(path)),
                    span,
                )
                .with_label(format!("must be {range}")),
            );
        }
    }

    fn enumeration(
        &mut self,
        node: Node<'_>,
        options: &[Json],
        path: &[String],
        span: Option<std::ops::Range<usize>>,
    ) {
        let value = node.as_json_scalar();
        if value.as_ref().is_some_and(|v| options.contains(v)) {
            return;
        }
        let names: Vec<String> = options
            .iter()
            .map(|o| match o {
                Json::String(s) => format!("\"{s}\""),
                other => other.to_string(),
            })
            .collect();
        let mut diagnostic = Diagnostic::error(
            "unknown-value",
            format!("{} must be one of {}", display_path(path), names.join(", ")),
            span,
        )
        .with_label("not one of the known values");
        if let Some(Json::String(given)) = &value {
            let known: Vec<&str> = options.iter().filter_map(Json::as_str).collect();
            if let Some(best) = closest(given, known.iter().copied()) {
                diagnostic = diagnostic.with_help(format!("did you mean \"{best}\"?"));
            }
        }
        self.out.push(diagnostic);
    }

    fn alternatives(
        &mut self,
        node: Node<'_>,
        alternatives: &'s [Json],
        path: &mut Vec<String>,
        span: Option<std::ops::Range<usize>>,
    ) {
        // An enumeration written as oneOf of constants (schemars does this for documented enums).
        let constants: Option<Vec<Json>> = alternatives
            .iter()
            .map(|alt| {
                let alt = self.resolve(alt);
                alt.get("const")
                    .cloned()
                    .or_else(|| alt.get("enum").and_then(|e| e.as_array()?.first().cloned()))
            })
            .collect();
        if let Some(constants) = constants {
            self.enumeration(node, &constants, path, span);
            return;
        }
        let mut first_errors = None;
        for alternative in alternatives {
            let mut trial = Walker {
                root: self.root,
                out: Vec::new(),
            };
            trial.node(node, alternative, path, span.clone());
            if trial.out.is_empty() {
                return;
            }
            let is_null = self.resolve(alternative).get("type") == Some(&Json::from("null"));
            if first_errors.is_none() && !is_null {
                first_errors = Some(trial.out);
            }
        }
        self.out.extend(first_errors.unwrap_or_default());
    }

    fn table(
        &mut self,
        table: &dyn TableLike,
        schema: &'s Json,
        path: &mut Vec<String>,
        span: Option<std::ops::Range<usize>>,
    ) {
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        for (key, item) in table.iter() {
            let key_span = table.key(key).and_then(|k| k.span());
            let Some(node) = Node::of_item(item) else {
                continue;
            };
            let value_span = item.span().or_else(|| key_span.clone());
            path.push(key.to_owned());
            if let Some(property) = properties.and_then(|p| p.get(key)) {
                self.node(node, property, path, value_span);
            } else {
                match additional {
                    Some(Json::Bool(false)) => self.unknown_key(key, properties, path, key_span),
                    Some(value_schema @ Json::Object(_)) => {
                        self.node(node, value_schema, path, value_span)
                    }
                    _ => {}
                }
            }
            path.pop();
        }
        if let Some(required) = schema.get("required").and_then(Json::as_array) {
            for name in required.iter().filter_map(Json::as_str) {
                if table.get(name).is_none() {
                    self.out.push(
                        Diagnostic::error(
                            "missing-key",
                            format!("{} needs the key `{name}`", display_path(path)),
                            span.clone(),
                        )
                        .with_label(format!("`{name}` is missing")),
                    );
                }
            }
        }
    }

    fn unknown_key(
        &mut self,
        key: &str,
        properties: Option<&Map<String, Json>>,
        path: &[String],
        span: Option<std::ops::Range<usize>>,
    ) {
        let parent = &path[..path.len() - 1];
        let place = if parent.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in `[{}]`", parent.join("."))
        };
        let mut diagnostic =
            Diagnostic::error("unknown-key", format!("unknown key `{key}` {place}"), span)
                .with_label("unknown key");
        let names: Vec<&str> = properties
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        diagnostic = match closest(key, names.iter().copied()) {
            Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
            None => diagnostic.with_help(format!("known keys: {}", names.join(", "))),
        };
        self.out.push(diagnostic);
    }
}

fn schema_types(schema: &Json) -> Option<Vec<&str>> {
    match schema.get("type")? {
        Json::String(ty) => Some(vec![ty.as_str()]),
        Json::Array(types) => Some(types.iter().filter_map(Json::as_str).collect()),
        _ => None,
    }
}

/// The candidate most like `given`, if one is close enough to be a likely typo.
pub fn closest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let given_lower = given.to_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&given_lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

//! Where things are in the manifest text: byte spans of keys and values by path, read from the
//! format-preserving TOML document, so that every diagnostic can point at a line and column.

use std::ops::Range;

use toml_edit::{Document, Item, Table, TableLike, Value};

/// One step of a path into the manifest: a table key or an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// A key of a table.
    Key(&'a str),
    /// An index into an array.
    Index(usize),
}

impl<'a> From<&'a str> for Seg<'a> {
    fn from(key: &'a str) -> Self {
        Seg::Key(key)
    }
}

impl From<usize> for Seg<'_> {
    fn from(index: usize) -> Self {
        Seg::Index(index)
    }
}

/// Looks up spans in a parsed manifest.
pub struct Spans<'d> {
    doc: &'d Document<String>,
}

impl<'d> Spans<'d> {
    /// Wraps a parsed document.
    pub fn new(doc: &'d Document<String>) -> Self {
        Spans { doc }
    }

    /// The span of the value at `path`; for a table, the span of its header or key. Falls back to
    /// the nearest ancestor that has a span, so a diagnostic always points somewhere.
    pub fn value(&self, path: &[Seg<'_>]) -> Option<Range<usize>> {
        self.walk(path, false)
    }

    /// The span of the key that names the last step of `path` (for an index, the element).
    pub fn key(&self, path: &[Seg<'_>]) -> Option<Range<usize>> {
        self.walk(path, true)
    }

    fn walk(&self, path: &[Seg<'_>], want_key: bool) -> Option<Range<usize>> {
        let mut best: Option<Range<usize>> = Some(0..0);
        let mut node = Node::Item(self.doc.as_item());
        for (depth, seg) in path.iter().enumerate() {
            let last = depth + 1 == path.len();
            let next = match (seg, node) {
                (Seg::Key(key), Node::Item(item)) => match item.as_table_like() {
                    Some(table) => keyed(table, key, last && want_key, &mut best),
                    None => None,
                },
                (Seg::Key(key), Node::Value(value)) => match value.as_inline_table() {
                    Some(table) => keyed(table, key, last && want_key, &mut best),
                    None => None,
                },
                (Seg::Index(index), Node::Item(item)) => match item {
                    Item::Value(Value::Array(array)) => array.get(*index).map(Node::Value),
                    Item::ArrayOfTables(tables) => tables.get(*index).map(Node::Table),
                    _ => None,
                },
                (Seg::Index(index), Node::Value(value)) => value
                    .as_array()
                    .and_then(|a| a.get(*index))
                    .map(Node::Value),
                (seg, Node::Table(table)) => match seg {
                    Seg::Key(key) => keyed(table, key, last && want_key, &mut best),
                    Seg::Index(_) => None,
                },
            };
            match next {
                Some(next) => {
                    if let Some(span) = next.span() {
                        best = Some(span);
                    }
                    node = next;
                }
                None => return best,
            }
        }
        if want_key { best } else { node.span().or(best) }
    }
}

#[derive(Clone, Copy)]
enum Node<'d> {
    Item(&'d Item),
    Value(&'d Value),
    Table(&'d Table),
}

impl Node<'_> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Node::Item(Item::Value(value)) | Node::Value(value) => value.span(),
            Node::Item(Item::Table(table)) | Node::Table(table) => table.span(),
            Node::Item(Item::ArrayOfTables(tables)) => tables.span(),
            Node::Item(Item::None) => None,
        }
    }
}

/// Steps into `table` by `key`; records the key's span in `best` as a fallback (or as the answer
/// when the caller wants the key).
fn keyed<'d>(
    table: &'d dyn TableLike,
    key: &str,
    want_key: bool,
    best: &mut Option<Range<usize>>,
) -> Option<Node<'d>> {
    let (k, item) = table.get_key_value(key)?;
    if let Some(span) = k.span() {
        *best = Some(span);
    }
    if want_key {
        // Stop here: the caller wants the key itself.
        return None;
    }
    Some(Node::Item(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document<String> {
        Document::parse(text.to_owned()).unwrap()
    }

    #[test]
    fn finds_values_keys_and_array_elements() {
        let text = "name = \"x\"\n[app]\nports = [80, 22]\nenv = { A = \"1\" }\n";
        let d = doc(text);
        let spans = Spans::new(&d);
        let span = spans
            .value(&["app".into(), "ports".into(), 1.into()])
            .unwrap();
        assert_eq!(&text[span], "22");
        let span = spans
            .key(&["app".into(), "env".into(), "A".into()])
            .unwrap();
        assert_eq!(&text[span], "A");
        let span = spans.value(&["name".into()]).unwrap();
        assert_eq!(&text[span], "\"x\"");
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        let text = "[app]\nports = [80]\n";
        let d = doc(text);
        let spans = Spans::new(&d);
        let span = spans
            .value(&["app".into(), "ports".into(), 5.into()])
            .unwrap();
        assert_eq!(&text[span], "[80]");
    }
}

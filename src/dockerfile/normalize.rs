//! Comparison keys: two instructions with equal keys build the same thing.
//!
//! What a key ignores: keyword case, flag order (and field order inside `--mount`), a bare
//! boolean flag vs `=true`, whitespace runs outside quotes in shell text, quotes in `k=v`
//! values and paths, JSON vs shell form of paths (COPY/ADD/VOLUME), `/tcp` and port order in
//! EXPOSE, the legacy `ENV k v` form, continuation layout and comment lines. What it keeps:
//! everything else, including whitespace inside quotes and heredoc bodies byte for byte.

use super::model::{Flag, Heredoc};
use super::words;

/// Separates the parts of a key.
const PART: char = '\u{1f}';
/// Separates the items of a part.
const ITEM: char = '\u{1e}';

/// A tagged list of items.
pub(crate) fn items_key<S: AsRef<str>>(tag: &str, items: impl IntoIterator<Item = S>) -> String {
    let mut out = String::from(tag);
    for item in items {
        out.push(ITEM);
        out.push_str(item.as_ref());
    }
    out
}

/// Exec (JSON) form of a command: the exact argv.
pub(crate) fn exec_key(items: &[String]) -> String {
    items_key("exec", items)
}

/// Shell form of a command: whitespace outside quotes collapsed.
pub(crate) fn shell_key(text: &str, escape: char) -> String {
    let mut out = String::with_capacity(text.len() + 6);
    out.push_str("shell");
    out.push(ITEM);
    words::collapse_ws_into(&mut out, text, escape);
    out
}

/// Paths of COPY/ADD/VOLUME in either form (already unquoted / canonical).
pub(crate) fn paths_key<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    items_key("paths", items)
}

/// A port as EXPOSE means it: `8000/TCP` and `8000` are the same port.
pub(crate) fn normalize_port(port: &str) -> String {
    let lower = port.to_ascii_lowercase();
    match lower.strip_suffix("/tcp") {
        Some(p) => p.to_string(),
        None => lower,
    }
}

/// EXPOSE: the set of ports.
pub(crate) fn ports_key(ports: &[String]) -> String {
    let mut ports: Vec<String> = ports.iter().map(|p| normalize_port(p)).collect();
    ports.sort();
    ports.dedup();
    items_key("ports", ports)
}

/// A flag as compared: `--link` is `--link=true`; `--mount` fields in any order.
fn flag_key(flag: &Flag) -> String {
    let value = flag.value.as_deref().unwrap_or("true");
    if flag.name == "mount" {
        let mut fields: Vec<&str> = value.split(',').collect();
        fields.sort_unstable();
        format!("{}={}", flag.name, fields.join(","))
    } else {
        format!("{}={}", flag.name, value)
    }
}

/// The key of an instruction from its parts.
pub(crate) fn instruction_key(keyword: &str, flags: &[Flag], args_key: &str) -> String {
    let mut out = String::with_capacity(keyword.len() + args_key.len() + 8);
    out.push_str(keyword);
    out.push(PART);
    if !flags.is_empty() {
        let mut flags: Vec<String> = flags.iter().map(flag_key).collect();
        flags.sort();
        for (i, f) in flags.iter().enumerate() {
            if i > 0 {
                out.push(ITEM);
            }
            out.push_str(f);
        }
    }
    out.push(PART);
    out.push_str(args_key);
    out
}

/// Appends a heredoc to an instruction key: its name, form and body (tabs stripped for `<<-`).
pub(crate) fn push_heredoc_key(key: &mut String, h: &Heredoc) {
    key.push(PART);
    key.push_str("heredoc");
    key.push(ITEM);
    key.push_str(&h.name);
    key.push(ITEM);
    key.push_str(if h.expand { "expand" } else { "literal" });
    key.push(ITEM);
    if h.chomp {
        for line in h.content.split_inclusive('\n') {
            key.push_str(line.trim_start_matches('\t'));
        }
    } else {
        key.push_str(&h.content);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(name: &str, value: Option<&str>) -> Flag {
        Flag {
            name: name.into(),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn flag_order_and_bool_form_are_ignored() {
        let a = instruction_key(
            "COPY",
            &[flag("link", None), flag("from", Some("b"))],
            "paths",
        );
        let b = instruction_key(
            "COPY",
            &[flag("from", Some("b")), flag("link", Some("true"))],
            "paths",
        );
        assert_eq!(a, b);
        let c = instruction_key("COPY", &[flag("from", Some("c"))], "paths");
        assert_ne!(a, c);
    }

    #[test]
    fn mount_fields_in_any_order() {
        let a = instruction_key(
            "RUN",
            &[flag("mount", Some("type=cache,target=/root/.cache"))],
            "x",
        );
        let b = instruction_key(
            "RUN",
            &[flag("mount", Some("target=/root/.cache,type=cache"))],
            "x",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn ports() {
        assert_eq!(normalize_port("8000/TCP"), "8000");
        assert_eq!(normalize_port("53/udp"), "53/udp");
        assert_eq!(
            ports_key(&["443".into(), "80/tcp".into()]),
            ports_key(&["80".into(), "443".into(), "443".into()])
        );
    }

    #[test]
    fn heredoc_chomp_strips_tabs() {
        let mut a = String::new();
        let mut b = String::new();
        let h = |content: &str, chomp| Heredoc {
            name: "EOF".into(),
            chomp,
            expand: true,
            content: content.into(),
            line_start: 1,
            line_end: 2,
        };
        push_heredoc_key(&mut a, &h("\techo hi\n", true));
        push_heredoc_key(&mut b, &h("echo hi\n", true));
        assert_eq!(a, b);
        let mut c = String::new();
        push_heredoc_key(&mut c, &h("\techo hi\n", false));
        assert_ne!(a, c);
    }
}

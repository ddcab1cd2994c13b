//! `compose.yaml` drift: the YAML tree counts, not key order, quoting or layout.

use yaml_rust2::{Yaml, YamlLoader};

use super::{Finding, FindingKind};

/// The compose settings whose loss weakens the container, and why.
const HARDENING: &[(&str, &str, Option<&str>)] = &[
    ("read_only", "the root filesystem is writable again", None),
    (
        "cap_drop",
        "the container keeps Linux capabilities it does not need",
        None,
    ),
    (
        "security_opt",
        "processes can gain privileges (no-new-privileges)",
        None,
    ),
    ("mem_limit", "the container has no memory limit", None),
    ("cpus", "the container has no CPU limit", None),
    ("pids_limit", "the container has no process limit", None),
    (
        "healthcheck",
        "compose no longer knows when the app is healthy",
        Some("P18"),
    ),
    (
        "env_file",
        "runtime secrets no longer come from the env file",
        Some("P14"),
    ),
    (
        "depends_on",
        "the app may start before its backing services are healthy",
        None,
    ),
    (
        "tmpfs",
        "a read-only container loses its writable scratch space",
        None,
    ),
];

fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Real(r) => Some(r.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Null => Some("null".to_owned()),
        _ => None,
    }
}

fn same(a: &Yaml, b: &Yaml) -> bool {
    match (a, b) {
        (Yaml::Hash(x), Yaml::Hash(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Yaml::Array(x), Yaml::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => match (scalar(a), scalar(b)) {
            (Some(x), Some(y)) => x == y || numeric_eq(&x, &y),
            _ => false,
        },
    }
}

fn numeric_eq(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

fn show(y: &Yaml) -> String {
    match scalar(y) {
        Some(s) => format!("`{s}`"),
        None => match y {
            Yaml::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| scalar(i).unwrap_or_else(|| "…".to_owned()))
                    .collect();
                format!("[{}]", parts.join(", "))
            }
            _ => "{…}".to_owned(),
        },
    }
}

/// The line of `path` in `text`, found by walking the keys' indentation.
fn line_of(text: &str, path: &[String]) -> Option<usize> {
    let mut from = 0;
    let mut indent: Option<usize> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    for key in path {
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(from) {
            let trimmed = line.trim_start();
            let this_indent = line.len() - trimmed.len();
            if let Some(parent) = indent
                && !trimmed.is_empty()
                && !trimmed.starts_with('#')
                && this_indent <= parent
                && i > from
            {
                break;
            }
            let bare = trimmed.trim_start_matches("- ");
            let matches = [
                format!("{key}:"),
                format!("\"{key}\":"),
                format!("'{key}':"),
            ]
            .iter()
            .any(|k| bare.starts_with(k.as_str()));
            if matches && indent.is_none_or(|p| this_indent > p) {
                hit = Some((i, this_indent));
                break;
            }
        }
        let (i, ind) = hit?;
        found = Some(i + 1);
        from = i;
        indent = Some(ind);
    }
    found
}

struct Walker<'a> {
    actual_text: &'a str,
    /// The file is a compose file: changes to a service are explained.
    compose: bool,
    out: Vec<Finding>,
}

impl Walker<'_> {
    fn explain(&self, path: &[String], removed: bool) -> (String, Option<&'static str>) {
        let last = path.last().map(String::as_str).unwrap_or("");
        let in_service = self.compose && path.len() == 3 && path[0] == "services";
        if in_service
            && removed
            && let Some((_, why, id)) = HARDENING.iter().find(|(k, _, _)| *k == last)
        {
            return (format!(": {why}"), *id);
        }
        if in_service && last == "ports" {
            return (": published ports changed".to_owned(), Some("P06"));
        }
        if in_service && last == "user" && !removed {
            return (String::new(), Some("P15"));
        }
        (String::new(), None)
    }

    fn walk(&mut self, want: &Yaml, have: &Yaml, path: &mut Vec<String>) {
        if same(want, have) {
            return;
        }
        match (want, have) {
            (Yaml::Hash(w), Yaml::Hash(h)) => {
                for (k, v) in w {
                    let key = scalar(k).unwrap_or_default();
                    path.push(key);
                    match h.get(k) {
                        Some(hv) => self.walk(v, hv, path),
                        None => {
                            let (why, id) = self.explain(path, true);
                            let parent_line = line_of(self.actual_text, &path[..path.len() - 1]);
                            self.out.push(
                                Finding::new(
                                    FindingKind::Removed,
                                    parent_line,
                                    format!("`{}` removed{why}", path.join(".")),
                                )
                                .practice(id),
                            );
                        }
                    }
                    path.pop();
                }
                for (k, v) in h {
                    if w.get(k).is_none() {
                        let key = scalar(k).unwrap_or_default();
                        path.push(key);
                        let (why, mut id) = self.explain(path, false);
                        let mut message = format!("`{}` added ({})", path.join("."), show(v));
                        if path.len() == 4
                            && path[2] == "environment"
                            && crate::secrets::env(&path[3], &scalar(v).unwrap_or_default())
                                .is_some()
                        {
                            message = format!(
                                "`{}` added: a secret in the compose file (P14)",
                                path.join(".")
                            );
                            id = Some("P14");
                        }
                        if path.len() == 3 && path[2] == "privileged" {
                            message.push_str(": the container runs privileged");
                        }
                        message.push_str(&why);
                        self.out.push(
                            Finding::new(
                                FindingKind::Added,
                                line_of(self.actual_text, path),
                                message,
                            )
                            .practice(id),
                        );
                        path.pop();
                    }
                }
            }
            _ => {
                let (why, id) = self.explain(path, false);
                self.out.push(
                    Finding::new(
                        FindingKind::Changed,
                        line_of(self.actual_text, path),
                        format!(
                            "`{}` changed from {} to {}{why}",
                            path.join("."),
                            show(want),
                            show(have)
                        ),
                    )
                    .practice(id),
                );
            }
        }
    }
}

/// The text as a YAML 1.1 parser splits it into lines. Compose's parser (and PyYAML) end a
/// line, and so a comment, at NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
/// (U+2029) as well as at LF and CR; the YAML 1.2 parser used here does not. Turning them into
/// LF first makes drift see every key Compose sees: a comment can never hide one.
pub fn yaml_line_breaks(text: &str) -> String {
    text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n")
}

/// Compares a rendered compose file (`compose.yaml`, `compose.debug.yaml`,
/// `compose.build.yaml`: `file` names it in messages) with the one on disk, explaining the
/// hardening a change loses.
pub fn compare(file: &str, expected: &str, actual: &str) -> Vec<Finding> {
    tree(file, expected, actual, true)
}

/// Compares two YAML files as trees: key order, quoting, comments and layout are formatting.
/// `file` names the file in messages; `compose` explains changes to a compose service.
pub(super) fn tree(file: &str, expected: &str, actual: &str, compose: bool) -> Vec<Finding> {
    let want = match YamlLoader::load_from_str(expected) {
        Ok(docs) => docs.into_iter().next().unwrap_or(Yaml::Null),
        Err(e) => {
            return vec![Finding::new(
                FindingKind::Changed,
                None,
                format!("internal: the rendered {file} does not parse: {e}"),
            )];
        }
    };
    let yaml_view = yaml_line_breaks(actual);
    let actual = yaml_view.as_str();
    let have = match YamlLoader::load_from_str(actual) {
        Ok(docs) => docs.into_iter().next().unwrap_or(Yaml::Null),
        Err(e) => {
            let line = e.marker().line();
            return vec![Finding::new(
                FindingKind::Changed,
                Some(line.max(1)),
                format!("{file} is not valid YAML: {}", e.info()),
            )];
        }
    };
    let mut walker = Walker {
        actual_text: actual,
        compose,
        out: Vec::new(),
    };
    walker.walk(&want, &have, &mut Vec::new());
    if walker.out.is_empty() {
        walker.out.push(Finding::new(
            FindingKind::Formatting,
            None,
            "only key order, quoting, comments or layout differ",
        ));
    }
    walker.out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "services:\n  app:\n    build:\n      context: .\n    ports:\n      - \"127.0.0.1:8000:8000\"\n    read_only: true\n    cpus: 1\n";

    #[test]
    fn key_order_and_quoting_are_formatting() {
        let other = "services:\n  'app':\n    cpus: \"1\"\n    read_only: true\n    build: {context: .}\n    ports: ['127.0.0.1:8000:8000']\n";
        let f = compare("compose.yaml", BASE, other);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::Formatting);
    }

    #[test]
    fn removed_hardening_is_explained() {
        let other = BASE.replace("    read_only: true\n", "");
        let f = compare("compose.yaml", BASE, &other);
        assert_eq!(
            f[0].message,
            "`services.app.read_only` removed: the root filesystem is writable again"
        );
        assert_eq!(f[0].line, Some(2));
    }

    #[test]
    fn changed_ports_name_p06_with_line() {
        let other = BASE.replace("127.0.0.1:8000", "0.0.0.0:8000");
        let f = compare("compose.yaml", BASE, &other);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::Changed);
        assert_eq!(f[0].practice, Some("P06"));
        assert_eq!(f[0].line, Some(5));
    }

    #[test]
    fn added_secret_names_p14() {
        let other = BASE.replace(
            "    cpus: 1\n",
            "    cpus: 1\n    environment:\n      DB_PASSWORD: x\n",
        );
        let f = compare("compose.yaml", BASE, &other);
        assert_eq!(f[0].message, "`services.app.environment` added ({…})");
        let base2 = BASE.replace(
            "    cpus: 1\n",
            "    cpus: 1\n    environment:\n      A: b\n",
        );
        let other2 = base2.replace("      A: b\n", "      A: b\n      DB_PASSWORD: x\n");
        let f = compare("compose.yaml", &base2, &other2);
        assert_eq!(
            f[0].message,
            "`services.app.environment.DB_PASSWORD` added: a secret in the compose file (P14)"
        );
        assert_eq!(f[0].line, Some(11));
    }

    #[test]
    fn invalid_yaml_is_reported_with_its_line() {
        let f = compare("compose.yaml", BASE, "services:\n  app: [\n");
        assert_eq!(f[0].kind, FindingKind::Changed);
        assert!(
            f[0].message.starts_with("compose.yaml is not valid YAML"),
            "{f:?}"
        );
    }

    #[test]
    fn line_separators_end_a_comment_as_compose_sees_it() {
        for sep in ['\u{2028}', '\u{2029}', '\u{85}'] {
            let other = format!("# header{sep}include: [evil.yaml]\n{BASE}");
            let f = compare("compose.yaml", BASE, &other);
            assert!(
                f.iter()
                    .any(|f| f.kind == FindingKind::Added && f.message.contains("include")),
                "U+{:04X}: {f:?}",
                u32::from(sep)
            );
        }
    }
}

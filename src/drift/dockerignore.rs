//! `.dockerignore` drift: the patterns count, not their order, comments or spacing — unless a
//! `!` exception is present, where order decides what is excluded.

use super::{Finding, FindingKind};

/// A pattern and its line.
struct Pattern {
    text: String,
    line: usize,
}

fn patterns(text: &str) -> Vec<Pattern> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return None;
            }
            Some(Pattern {
                text: normalize(trimmed),
                line: i + 1,
            })
        })
        .collect()
}

/// Docker cleans patterns like paths: a leading `/` or `./` means nothing, nor does a
/// trailing `/`.
fn normalize(pattern: &str) -> String {
    let (bang, rest) = match pattern.strip_prefix('!') {
        Some(rest) => ("!", rest.trim_start()),
        None => ("", pattern),
    };
    let rest = rest.trim_start_matches("./").trim_start_matches('/');
    let rest = rest.trim_end_matches('/');
    format!("{bang}{rest}")
}

/// What a pattern keeps out of the build context, and the practice that asks for it.
fn meaning(pattern: &str) -> (&'static str, &'static str) {
    let p = pattern.to_ascii_lowercase();
    let p = p.trim_start_matches("**/");
    const SECRET: &[&str] = &[
        ".env",
        ".pem",
        ".key",
        ".crt",
        ".p12",
        ".pfx",
        "id_rsa",
        "id_ed25519",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".aws",
        ".ssh",
        "credentials",
        "secret",
    ];
    const VCS: &[&str] = &[".git", ".hg", ".svn", ".gitignore", ".gitattributes"];
    const CACHE: &[&str] = &[
        "__pycache__",
        ".pyc",
        ".pyo",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".cache",
        "target",
        "dist",
        "build",
        ".next",
        ".parcel-cache",
        "coverage",
        ".coverage",
        ".gradle",
        ".eggs",
        ".egg-info",
        ".npm",
        ".yarn",
        ".pnpm-store",
        "htmlcov",
        "vendor",
    ];
    const EDITOR: &[&str] = &[
        ".vscode",
        ".idea",
        ".swp",
        ".ds_store",
        "~",
        ".project",
        ".classpath",
        ".settings",
    ];
    const DOCKER: &[&str] = &[
        "dockerfile",
        ".dockerignore",
        "compose",
        "docker-compose",
        "dgen.toml",
    ];
    if SECRET.iter().any(|s| p.contains(s)) {
        ("secrets", "P14")
    } else if VCS.iter().any(|s| p.starts_with(s)) {
        ("version control", "P04")
    } else if EDITOR.iter().any(|s| p.contains(s)) {
        ("editor files", "P04")
    } else if DOCKER.iter().any(|s| p.contains(s)) {
        ("Docker files", "P04")
    } else if CACHE.iter().any(|s| p.contains(s)) {
        ("caches and build output", "P04")
    } else {
        ("other paths", "P04")
    }
}

/// Compares the rendered `.dockerignore` with the one on disk: removed patterns grouped by
/// what they kept out ("secrets no longer ignored: .env, *.pem (P14)"), added ones together.
pub fn compare(expected: &str, actual: &str) -> Vec<Finding> {
    let want = patterns(expected);
    let have = patterns(actual);
    let mut findings = Vec::new();
    let mut groups: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for p in &want {
        if !have.iter().any(|h| h.text == p.text) {
            let (what, id) = meaning(&p.text);
            match groups.iter_mut().find(|g| g.0 == what) {
                Some(g) => g.2.push(&p.text),
                None => groups.push((what, id, vec![&p.text])),
            }
        }
    }
    // Secrets first, then the rest in the order met.
    groups.sort_by_key(|g| g.1 != "P14");
    for (what, id, list) in &groups {
        let why = if *id == "P14" {
            "they may reach the build context and the image"
        } else {
            "they now reach the build context"
        };
        let shown: Vec<&str> = list.iter().take(8).copied().collect();
        let more = if list.len() > 8 {
            format!(" and {} more", list.len() - 8)
        } else {
            String::new()
        };
        findings.push(
            Finding::new(
                FindingKind::Removed,
                None,
                format!(
                    "{what} no longer ignored: {}{more}: {why} ({id})",
                    shown.join(", ")
                ),
            )
            .practice(Some(id)),
        );
    }
    let added: Vec<&Pattern> = have
        .iter()
        .filter(|h| !want.iter().any(|p| p.text == h.text))
        .collect();
    let (exceptions, plain): (Vec<&&Pattern>, Vec<&&Pattern>) =
        added.iter().partition(|h| h.text.starts_with('!'));
    if !exceptions.is_empty() {
        let list: Vec<&str> = exceptions.iter().map(|h| h.text.as_str()).collect();
        findings.push(Finding::new(
            FindingKind::Added,
            Some(exceptions[0].line),
            format!(
                "exception{} {} added: matching files are let back into the build context",
                if list.len() == 1 { "" } else { "s" },
                list.join(", ")
            ),
        ));
    }
    if !plain.is_empty() {
        let list: Vec<&str> = plain.iter().take(8).map(|h| h.text.as_str()).collect();
        let more = if plain.len() > 8 {
            format!(" and {} more", plain.len() - 8)
        } else {
            String::new()
        };
        findings.push(Finding::new(
            FindingKind::Added,
            Some(plain[0].line),
            format!(
                "{} pattern{} added: {}{more}",
                plain.len(),
                if plain.len() == 1 { "" } else { "s" },
                list.join(", ")
            ),
        ));
    }
    let has_exceptions = want.iter().chain(&have).any(|p| p.text.starts_with('!'));
    if findings.is_empty() {
        let same_order = want
            .iter()
            .map(|p| &p.text)
            .eq(have.iter().map(|p| &p.text));
        if has_exceptions && !same_order {
            findings.push(Finding::new(
                FindingKind::Moved,
                None,
                "patterns reordered around a `!` exception: the order decides what is excluded",
            ));
        } else {
            findings.push(Finding::new(
                FindingKind::Formatting,
                None,
                "only comments, blank lines, spacing or pattern order differ",
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_comments_and_spelling_are_formatting() {
        let f = compare(
            "# x\n.git\n.env\nnode_modules/\n",
            ".env\n/node_modules\n# other\n\n.git\n",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::Formatting);
    }

    #[test]
    fn removed_secret_pattern_names_p14() {
        let f = compare(".git\n.env\n*.pem\n__pycache__\n", ".git\n");
        assert_eq!(
            f[0].message,
            "secrets no longer ignored: .env, *.pem: they may reach the build context and the image (P14)"
        );
        assert_eq!(f[0].practice, Some("P14"));
        assert_eq!(
            f[1].message,
            "caches and build output no longer ignored: __pycache__: they now reach the build context (P04)"
        );
        assert_eq!(f.len(), 2);
        let f = compare(".git\n.env\n", ".env\n");
        assert_eq!(
            f[0].message,
            "version control no longer ignored: .git: they now reach the build context (P04)"
        );
    }

    #[test]
    fn added_pattern_has_its_line() {
        let f = compare(".git\n", ".git\n\ndata\n");
        assert_eq!(f[0].kind, FindingKind::Added);
        assert_eq!(f[0].line, Some(3));
    }

    #[test]
    fn order_matters_with_exceptions() {
        let f = compare("*.md\n!README.md\n", "!README.md\n*.md\n");
        assert_eq!(f[0].kind, FindingKind::Moved);
    }
}

//! Sources versus `.dockerignore`: a path the manifest copies must reach the build context.
//!
//! The generated `.dockerignore` keeps VCS data, tool caches, Docker files and secrets out of the
//! context. When a source named in the manifest is itself matched by one of those patterns (a
//! `certs/ca.crt`, a `Dockerfile.base` the app reads, `dgen.toml` itself), the build would fail
//! or copy nothing, silently. So:
//! - a source matched by a secret pattern (P14) is refused by validation, with the reason;
//! - a source matched by any other pattern gets an explicit `!` exception at the end of the
//!   generated `.dockerignore` ([`exceptions`]);
//! - files inside a source folder that the patterns keep out are reported as warnings
//!   ([`kept_out_inside`]): the secret deny-list deliberately holds inside copied folders.
//!
//! Matching follows Docker's rules: patterns are relative to the context root, `*` and `?` stay
//! within one path segment, `**` spans any number of segments, a pattern that matches a folder
//! excludes everything under it, the last matching pattern wins and `!` re-includes.

use std::path::Path;

/// The generated `.dockerignore`'s secret patterns (P14): a source they match is refused.
pub const SECRET_PATTERNS: &[&str] = &[
    ".env",
    ".env.*",
    "**/.env",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/id_rsa*",
    "**/id_ed25519*",
    "**/.npmrc",
    "**/.pypirc",
    "**/.netrc",
    ".aws",
    ".ssh",
    "**/credentials*.json",
    "secrets",
];

/// One segment of a glob against one path segment: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`, `\x`.
fn segment_match(pattern: &[char], name: &[char]) -> bool {
    match pattern.first() {
        None => name.is_empty(),
        Some('*') => (0..=name.len()).any(|i| segment_match(&pattern[1..], &name[i..])),
        Some('?') => !name.is_empty() && segment_match(&pattern[1..], &name[1..]),
        Some('[') => {
            let Some(ch) = name.first() else {
                return false;
            };
            let Some(close) = pattern.iter().skip(1).position(|c| *c == ']') else {
                return false;
            };
            let class = &pattern[1..1 + close];
            let (negate, class) = match class.first() {
                Some('!' | '^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= *ch && *ch <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == *ch;
                    i += 1;
                }
            }
            hit != negate && segment_match(&pattern[close + 2..], &name[1..])
        }
        Some('\\') if pattern.len() > 1 => {
            name.first() == Some(&pattern[1]) && segment_match(&pattern[2..], &name[1..])
        }
        Some(c) => name.first() == Some(c) && segment_match(&pattern[1..], &name[1..]),
    }
}

fn segments_match(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.first() {
        None => path.is_empty(),
        Some(&"**") => (0..=path.len()).any(|i| segments_match(&pattern[1..], &path[i..])),
        Some(p) => {
            !path.is_empty()
                && segment_match(
                    &p.chars().collect::<Vec<_>>(),
                    &path[0].chars().collect::<Vec<_>>(),
                )
                && segments_match(&pattern[1..], &path[1..])
        }
    }
}

fn clean(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// Whether `pattern` (without `!`) matches `path` or one of its parent folders.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pattern = clean(pattern);
    let path = clean(path);
    (1..=path.len()).any(|n| segments_match(&pattern, &path[..n]))
}

/// The patterns of a `.dockerignore` text, in order, as `(negated, pattern)`.
pub fn patterns(text: &str) -> Vec<(bool, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.strip_prefix('!') {
            Some(rest) => (true, rest.trim().to_owned()),
            None => (false, l.to_owned()),
        })
        .collect()
}

/// The pattern that keeps `path` out of the context, if any (the last match wins).
pub fn excluded_by(patterns: &[(bool, String)], path: &str) -> Option<String> {
    let mut by = None;
    for (negated, pattern) in patterns {
        if matches(pattern, path) {
            by = if *negated {
                None
            } else {
                Some(pattern.clone())
            };
        }
    }
    by
}

/// The secret pattern that matches `path`, if any.
pub fn secret_pattern(path: &str) -> Option<&'static str> {
    SECRET_PATTERNS.iter().copied().find(|p| matches(p, path))
}

/// The `!` exceptions the rendered `.dockerignore` text needs so that every source reaches the
/// context; secret-looking sources are refused by validation before rendering.
pub fn exceptions(text: &str, sources: &[String]) -> Vec<String> {
    let patterns = patterns(text);
    sources
        .iter()
        .map(|s| s.trim_end_matches('/'))
        .filter(|s| excluded_by(&patterns, s).is_some() && secret_pattern(s).is_none())
        .map(|s| format!("!{s}"))
        .collect()
}

/// `text` with a closing section of `!` exceptions for `sources`, when any is needed.
pub fn with_exceptions(text: &str, sources: &[String]) -> String {
    let exceptions = exceptions(text, sources);
    if exceptions.is_empty() {
        return text.to_owned();
    }
    let mut out = text.trim_end().to_owned();
    out.push_str(
        "\n\n# Sources named in dgen.toml that a pattern above would keep out of the build context\n",
    );
    for line in exceptions {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The generated `.dockerignore`'s certificate pattern: not a secret (a certificate is public),
/// so a source it matches gets an exception, but it holds inside copied folders.
pub const CERTIFICATES: &str = "**/*.crt";

/// Files under the source folder `source` (inside `dir`) that the secret or certificate
/// patterns keep out of the context, with the pattern; at most `limit`.
pub fn kept_out_inside(dir: &Path, source: &str, limit: usize) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut stack = vec![source.trim_end_matches('/').to_owned()];
    let mut seen = 0;
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > 20_000 || out.len() >= limit {
                return out;
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let path = format!("{rel}/{name}");
            if let Some(pattern) = secret_pattern(&path)
                .or_else(|| matches(CERTIFICATES, &path).then_some(CERTIFICATES))
            {
                out.push((path, pattern));
                continue;
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_docker() {
        assert!(matches("**/*.crt", "certs/ca.crt"));
        assert!(matches("**/*.crt", "ca.crt"));
        assert!(matches("secrets", "secrets/db.txt"));
        assert!(!matches("secrets", "app/secrets"));
        assert!(matches("Dockerfile.*", "Dockerfile.base"));
        assert!(!matches("Dockerfile.*", "docs/Dockerfile.base"));
        assert!(matches("**/__pycache__", "app/__pycache__/x.pyc"));
        assert!(matches("**/*.py[cod]", "a/b.pyc"));
        assert!(!matches("**/*.py[cod]", "a/b.py"));
        assert!(matches(".env.*", ".env.local"));
        assert!(!matches("*.md", "docs/a.md"));
    }

    #[test]
    fn exceptions_for_safe_sources_only() {
        let text = "# x\n.git\ndgen.toml\n**/*.crt\n**/*.key\nsecrets\nDockerfile.*\n";
        let sources: Vec<String> = [
            "app",
            "certs/ca.crt",
            "dgen.toml",
            "Dockerfile.base",
            "tls/server.key",
            "secrets",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(
            exceptions(text, &sources),
            vec!["!certs/ca.crt", "!dgen.toml", "!Dockerfile.base"]
        );
        let out = with_exceptions(text, &sources);
        assert!(out.ends_with("!Dockerfile.base\n"), "{out}");
        let after = patterns(&out);
        assert_eq!(excluded_by(&after, "certs/ca.crt"), None);
        assert_eq!(
            excluded_by(&after, "certs/other.crt").as_deref(),
            Some("**/*.crt")
        );
        assert_eq!(
            excluded_by(&after, "tls/server.key").as_deref(),
            Some("**/*.key")
        );
        assert_eq!(with_exceptions(text, &["app".to_owned()]), text);
    }
}

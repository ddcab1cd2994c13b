//! Choosing the top-level paths to copy for stacks whose sources are plain files and
//! directories (everything but Python, which has its own layout rules).

use super::{Detected, ProjectFiles};

/// Files that never go into an image, whatever the stack.
const NEVER_FILES: [&str; 14] = [
    "Dockerfile",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "dgen.toml",
    "dgen.schema.json",
    "Makefile",
    "Procfile",
    "LICENSE",
    "CHANGELOG.md",
    "README.md",
    "CONTRIBUTING.md",
    "SECURITY.md",
];

/// The top-level entries to copy: files for which `keep_file` says yes and directories for
/// which `keep_dir` does, never dot-files, tests, docs, dependencies or build output (nor the
/// directories in `never`). Returns the paths, and the directories left out with why.
pub fn top_level(
    files: &ProjectFiles,
    never: &[&str],
    keep_file: impl Fn(&str) -> bool,
    keep_dir: impl Fn(&str) -> bool,
) -> (Vec<String>, Vec<(String, &'static str)>) {
    let mut keep = Vec::new();
    let mut left_out = Vec::new();
    for (name, is_dir) in files.top() {
        if name.starts_with('.') || NEVER_FILES.contains(&name) {
            continue;
        }
        if is_dir {
            if never.contains(&name) {
                left_out.push((name.to_owned(), "build output or dependencies"));
            } else if let Some(why) = files.never_copied(name) {
                left_out.push((name.to_owned(), why));
            } else if keep_dir(name) {
                keep.push(name.to_owned());
            } else {
                left_out.push((name.to_owned(), "not needed at run time"));
            }
        } else if keep_file(name) {
            keep.push(name.to_owned());
        }
    }
    (keep, left_out)
}

/// The `sources` value, explained with what was left out.
pub fn detected(keep: Vec<String>, left_out: &[(String, &'static str)]) -> Detected<Vec<String>> {
    let detected = Detected::found(keep, "the project's layout");
    if left_out.is_empty() {
        return detected;
    }
    let list: Vec<String> = left_out
        .iter()
        .map(|(name, why)| {
            if name == why {
                name.clone()
            } else {
                format!("{name} ({why})")
            }
        })
        .collect();
    detected.because(format!("left out: {}", list.join(", ")))
}

/// The extension of a file name, without the dot.
pub fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

/// The digits right after `marker` in `text` (skipping spaces and `||`, `??`, `,`, `=`, `(`,
/// `:`), as a port: `process.env.PORT || 3000` with marker `process.env.PORT` gives 3000.
pub fn port_after(text: &str, marker: &str) -> Option<u32> {
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let after = &rest[at + marker.len()..];
        let trimmed =
            after.trim_start_matches(|c: char| c.is_whitespace() || "|?,=(:\"')".contains(c));
        let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(port) = digits.parse::<u32>()
            && (1..=65535).contains(&port)
            && digits.len() >= 2
        {
            return Some(port);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_after_markers() {
        assert_eq!(
            port_after(
                "const port = Number(process.env.PORT || 3000);",
                "process.env.PORT"
            ),
            Some(3000)
        );
        assert_eq!(
            port_after("server.listen(8080, '0.0.0.0')", ".listen("),
            Some(8080)
        );
        assert_eq!(port_after("app.listen(port)", ".listen("), None);
        assert_eq!(port_after("Addr: \":8081\",", "Addr:"), Some(8081));
    }
}

//! The Python version (`3.N`), from the first of: `.python-version`, `runtime.txt`,
//! `.tool-versions`, Pipfile's `[requires]`, `pyproject.toml`'s `requires-python` or Poetry's
//! `python` constraint; else dgen's default.

use crate::init::{Detected, ProjectFiles};
use crate::stacks::python::Python as Settings;

/// The oldest Python minor version still supported upstream: a constraint's lower bound below
/// it is raised to it (when the constraint allows), so the image does not start on an
/// end-of-life runtime.
const OLDEST_SUPPORTED: u32 = 10;

/// The minor version in `text` such as `3.11`, `3.11.4`, `python-3.11.4`, `cpython-3.11`,
/// `3.11.4/envs/venv`; `None` for other interpreters (`pypy3.10`) and other majors.
fn minor_of(text: &str) -> Option<u32> {
    let text = text.trim();
    let text = ["cpython-", "python-", "python"]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text);
    let rest = text.strip_prefix("3.")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The version a constraint such as `>=3.11`, `^3.11`, `~=3.10`, `>=3.8,<3.13`, `==3.12.*`
/// asks for: its lower bound, raised to the oldest supported version when the constraint
/// allows; without a lower bound, dgen's default when allowed. Returns the minor version and,
/// when it is not simply the lower bound, why.
fn from_constraint(spec: &str, default_minor: u32) -> Option<(u32, Option<String>)> {
    let mut lower: Option<u32> = None;
    let mut upper: Option<u32> = None; // exclusive
    for clause in spec.split([',', '|']) {
        let clause = clause.trim();
        if clause.is_empty() || clause == "*" {
            continue;
        }
        let op_len = clause
            .find(|ch: char| ch.is_ascii_digit())
            .unwrap_or(clause.len());
        let (op, version) = (clause[..op_len].trim(), clause[op_len..].trim());
        let mut parts = version.split('.');
        if parts.next() != Some("3") {
            continue;
        }
        let minor: Option<u32> = parts.next().and_then(|m| m.parse().ok());
        let patch_given = parts.next().is_some_and(|p| p != "*" && p != "0");
        let Some(minor) = minor else {
            continue;
        };
        let raise = |l: &mut Option<u32>, v: u32| *l = Some(l.map_or(v, |x| x.max(v)));
        let cap = |u: &mut Option<u32>, v: u32| *u = Some(u.map_or(v, |x| x.min(v)));
        match op {
            ">=" | ">" | "^" | "~=" => raise(&mut lower, minor),
            "~" | "==" | "===" | "" => {
                raise(&mut lower, minor);
                cap(&mut upper, minor + 1);
            }
            "<" => cap(&mut upper, if patch_given { minor + 1 } else { minor }),
            "<=" => cap(&mut upper, minor + 1),
            _ => {}
        }
    }
    let allowed = |v: u32| lower.is_none_or(|l| v >= l) && upper.is_none_or(|u| v < u);
    match lower {
        Some(l) if l < OLDEST_SUPPORTED && allowed(OLDEST_SUPPORTED) => Some((
            OLDEST_SUPPORTED,
            Some(format!(
                "3.{l} is past its end of life: the oldest supported version the constraint allows"
            )),
        )),
        Some(l) => Some((l, None)),
        None if allowed(default_minor) => Some((default_minor, None)),
        None => upper.filter(|u| *u > 0).map(|u| {
            (
                u - 1,
                Some("the newest version the constraint allows".to_owned()),
            )
        }),
    }
}

/// The Python version for the project.
pub fn detect(
    files: &ProjectFiles,
    pyproject: Option<&toml::Table>,
    pipfile: Option<&toml::Table>,
) -> Detected<String> {
    let default = Settings::default().version;
    let default_minor = minor_of(&default).unwrap_or(12);
    let found = |minor: u32, from: &str| Detected::found(format!("3.{minor}"), from);

    if let Some(text) = files.read(".python-version")
        && let Some(minor) = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .and_then(minor_of)
    {
        return found(minor, ".python-version");
    }
    if let Some(text) = files.read("runtime.txt")
        && let Some(minor) = minor_of(text.trim())
    {
        return found(minor, "runtime.txt");
    }
    if let Some(text) = files.read(".tool-versions")
        && let Some(minor) = text.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("python"))
                .then(|| words.next().and_then(minor_of))
                .flatten()
        })
    {
        return found(minor, ".tool-versions");
    }
    if let Some(requires) = pipfile.and_then(|p| p.get("requires")) {
        for key in ["python_version", "python_full_version"] {
            if let Some(minor) = requires
                .get(key)
                .and_then(|v| v.as_str())
                .and_then(minor_of)
            {
                return found(minor, &format!("Pipfile [requires] {key}"));
            }
        }
    }
    let constraints = [
        (
            pyproject
                .and_then(|p| p.get("project"))
                .and_then(|p| p.get("requires-python")),
            "pyproject.toml [project] requires-python",
        ),
        (
            pyproject
                .and_then(|p| p.get("tool"))
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.get("python")),
            "pyproject.toml [tool.poetry.dependencies] python",
        ),
    ];
    for (value, from) in constraints {
        if let Some(spec) = value.and_then(|v| v.as_str())
            && let Some((minor, why)) = from_constraint(spec, default_minor)
        {
            let detected = found(minor, &format!("{from} = \"{spec}\""));
            return match why {
                Some(why) => detected.because(why),
                None => detected,
            };
        }
    }
    Detected::default(
        default,
        "no .python-version, runtime.txt or requires-python found",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_versions() {
        assert_eq!(minor_of("3.11.4"), Some(11));
        assert_eq!(minor_of("python-3.10.14"), Some(10));
        assert_eq!(minor_of("3.12/envs/app"), Some(12));
        assert_eq!(minor_of("pypy3.10"), None);
        assert_eq!(minor_of("2.7"), None);
    }

    #[test]
    fn constraints() {
        let pick = |s| from_constraint(s, 12).map(|(m, why)| (m, why.is_some()));
        assert_eq!(pick(">=3.11"), Some((11, false)));
        assert_eq!(pick("^3.11"), Some((11, false)));
        assert_eq!(pick("~=3.10"), Some((10, false)));
        assert_eq!(pick(">=3.8"), Some((10, true)));
        assert_eq!(pick(">=3.8,<3.10"), Some((8, false)));
        assert_eq!(pick("==3.9.*"), Some((9, false)));
        assert_eq!(pick("<3.12"), Some((11, true)));
        assert_eq!(pick(">=3.10, <4"), Some((10, false)));
        assert_eq!(pick("*"), Some((12, false)));
        assert_eq!(pick(">=2.7"), Some((12, false)));
    }
}

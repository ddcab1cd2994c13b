//! Plain paths: the one check for a path that is written into a Dockerfile word, a shell word,
//! a YAML scalar or an nginx configuration, where it must mean nothing but itself.
//!
//! A plain path holds only ASCII letters, digits, `/` and the punctuation its [`PathShape`]
//! allows; the shape also says whether it must be absolute or relative, and whether `.`, `..`
//! and empty components are refused.

use std::fmt;

/// Where a path must start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Either.
    Any,
    /// At `/`.
    Absolute,
    /// Not at `/`.
    Relative,
}

/// What a plain path of one kind may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathShape {
    /// Punctuation allowed besides ASCII letters, digits and `/`.
    pub punctuation: &'static str,
    /// Where the path must start.
    pub anchor: Anchor,
    /// Whether every component must be a name: not empty (a leading `/` and trailing `/`s
    /// aside), not `.` or `..`; and there must be at least one.
    pub clean: bool,
}

const fn shape(punctuation: &'static str, anchor: Anchor, clean: bool) -> PathShape {
    PathShape {
        punctuation,
        anchor,
        clean,
    }
}

impl PathShape {
    /// The same in a Dockerfile word, a shell word and a YAML scalar: letters, digits and
    /// `/ . _ - + @` (`WORKDIR`, `COPY` arguments).
    pub const WORD: PathShape = shape("._-+@", Anchor::Any, false);
    /// A directory inside the image, as a [`WORD`](Self::WORD): absolute, with no `.` or `..`
    /// (`[app] workdir`, `[compose] tmpfs`).
    pub const IMAGE_DIR: PathShape = shape("._-+@", Anchor::Absolute, true);
    /// An absolute path an nginx configuration takes literally: letters, digits, `/ . _ -`.
    pub const NGINX: PathShape = shape("._-", Anchor::Absolute, true);
    /// A project path a build step names (a Go package, a jar, an asset): letters, digits and
    /// `/ . _ -` (whether it stays inside the project is checked on its own).
    pub const PROJECT: PathShape = shape("._-", Anchor::Any, false);
    /// A project path written into `.dockerignore` and `COPY` lines: relative, letters,
    /// digits and `/ . _ -`, no `.` or `..` (a build output, a workspace package).
    pub const RELATIVE: PathShape = shape("._-", Anchor::Relative, true);
    /// A path the app writes at run time, relative to its workdir or absolute: letters, digits
    /// and `/ . _ - @`, no `.` or `..`.
    pub const WRITABLE: PathShape = shape("._-@", Anchor::Any, true);
}

/// Why a path is not plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Nothing, or nothing but `/`s where a name is needed.
    Empty,
    /// A character the shape does not allow, and where it is.
    Character(char, usize),
    /// Relative where an absolute path is needed.
    NotAbsolute,
    /// Absolute where a relative path is needed.
    NotRelative,
    /// A `.`, `..` or empty component.
    Component(String),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Empty => f.write_str("the path is empty"),
            PathError::Character(ch, at) => write!(f, "{ch:?} at byte {at} is not allowed"),
            PathError::NotAbsolute => f.write_str("the path must start with `/`"),
            PathError::NotRelative => f.write_str("the path must not start with `/`"),
            PathError::Component(c) if c.is_empty() => f.write_str("the path has an empty part"),
            PathError::Component(c) => write!(f, "the path has a `{c}` part"),
        }
    }
}

impl std::error::Error for PathError {}

/// A path that passed a [`PathShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainPath(String);

impl PlainPath {
    /// Checks `value` against `shape`.
    pub fn parse(value: &str, shape: PathShape) -> Result<PlainPath, PathError> {
        if value.is_empty() {
            return Err(PathError::Empty);
        }
        let absolute = value.starts_with('/');
        match shape.anchor {
            Anchor::Absolute if !absolute => return Err(PathError::NotAbsolute),
            Anchor::Relative if absolute => return Err(PathError::NotRelative),
            _ => {}
        }
        if let Some((at, ch)) = value.char_indices().find(|&(_, ch)| {
            !(ch.is_ascii_alphanumeric() || ch == '/' || shape.punctuation.contains(ch))
        }) {
            return Err(PathError::Character(ch, at));
        }
        if shape.clean {
            let inner = value
                .strip_prefix('/')
                .unwrap_or(value)
                .trim_end_matches('/');
            if inner.is_empty() {
                return Err(PathError::Empty);
            }
            if let Some(part) = inner
                .split('/')
                .find(|part| part.is_empty() || *part == "." || *part == "..")
            {
                return Err(PathError::Component(part.to_owned()));
            }
        }
        Ok(PlainPath(value.to_owned()))
    }

    /// Whether `value` passes `shape`.
    pub fn is(value: &str, shape: PathShape) -> bool {
        PlainPath::parse(value, shape).is_ok()
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlainPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is(value: &str, shape: PathShape) -> bool {
        PlainPath::is(value, shape)
    }

    #[test]
    fn words_hold_nothing_to_quote() {
        for ok in ["/srv/app", "app", "a+b@c/d.e_f-g", "./x", "/a//b"] {
            assert!(is(ok, PathShape::WORD), "{ok}");
        }
        for bad in [
            "", "/a b", "$HOME", "a\\b", "a\"b", "a'b", "a;b", "a`b", "a\nb", "a:b", "é",
        ] {
            assert!(!is(bad, PathShape::WORD), "{bad:?}");
        }
    }

    #[test]
    fn image_dirs_are_absolute_and_clean() {
        for ok in ["/app", "/srv/my-app+1@x", "/app/"] {
            assert!(is(ok, PathShape::IMAGE_DIR), "{ok}");
        }
        for bad in ["app", "/", "/a/../b", "/a/./b", "/a//b", "/a b", "/$x"] {
            assert!(!is(bad, PathShape::IMAGE_DIR), "{bad:?}");
        }
        assert_eq!(
            PlainPath::parse("/a/../b", PathShape::IMAGE_DIR),
            Err(PathError::Component("..".into()))
        );
    }

    #[test]
    fn nginx_paths_have_no_plus_or_at() {
        assert!(is("/usr/share/nginx/html", PathShape::NGINX));
        for bad in ["app", "/a;b", "/a+b", "/a@b", "/a/../b", "/a b"] {
            assert!(!is(bad, PathShape::NGINX), "{bad:?}");
        }
    }

    #[test]
    fn project_and_relative_paths() {
        assert!(is("./cmd/server", PathShape::PROJECT));
        assert!(!is("./cmd/server", PathShape::RELATIVE));
        for ok in ["dist", "packages/api/", "a.b_c-d"] {
            assert!(is(ok, PathShape::RELATIVE), "{ok}");
        }
        for bad in ["", "/dist", "../x", "a/../b", "a//b", "a b", "a+b", "."] {
            assert!(!is(bad, PathShape::RELATIVE), "{bad:?}");
        }
        assert_eq!(
            PlainPath::parse("/dist", PathShape::RELATIVE),
            Err(PathError::NotRelative)
        );
    }

    #[test]
    fn writable_paths() {
        for ok in ["instance", "/var/lib/app", "data/uploads/", "a@b"] {
            assert!(is(ok, PathShape::WRITABLE), "{ok}");
        }
        for bad in [
            "", "/", "../x", "a/../b", "a b", "a;b", "$HOME", "a\nb", "x/./y", "a//b", "a+b",
        ] {
            assert!(!is(bad, PathShape::WRITABLE), "{bad:?}");
        }
        assert_eq!(
            PlainPath::parse("a;b", PathShape::WRITABLE),
            Err(PathError::Character(';', 1))
        );
    }
}

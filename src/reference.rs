//! Image references, checked against the grammar of Docker's distribution reference:
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] remote-name          (at most 255 characters)
//! domain           := host [ ":" port ]
//! host             := domain-name | "[" IPv6 "]"
//! domain-name      := domain-component ( "." domain-component )*
//! domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//! remote-name      := path-component ( "/" path-component )*
//! path-component   := alnum ( separator alnum )*
//! alnum            := [a-z0-9]+
//! separator        := "." | "_" | "__" | "-"+
//! tag              := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest           := algorithm ":" hex            (hex: at least 32 of [0-9a-fA-F])
//! algorithm        := component ( [+._-] component )*   (component: [A-Za-z][A-Za-z0-9]*)
//! ```
//!
//! The first `/`-separated part is the domain when it holds a `.` or a `:`, or is
//! `localhost`, or has an upper-case letter; otherwise the whole name is the remote name.

/// The most characters a name (domain and remote name) may have.
pub const NAME_MAX: usize = 255;

/// A reference split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The registry host (and port), when named.
    pub domain: Option<&'a str>,
    /// The repository path below the registry.
    pub path: &'a str,
    /// The tag, when given.
    pub tag: Option<&'a str>,
    /// The digest, when given.
    pub digest: Option<&'a str>,
}

/// Parses `text` as an image reference; the error says which part is wrong.
pub fn parse(text: &str) -> Result<Reference<'_>, &'static str> {
    if text.is_empty() {
        return Err("the reference is empty");
    }
    let (name, tag, digest) = split(text);
    if let Some(digest) = digest
        && !is_digest(digest)
    {
        return Err("the digest is not ALGORITHM:HEX (e.g. sha256: and 64 hex digits)");
    }
    if let Some(tag) = tag
        && !is_tag(tag)
    {
        return Err(
            "the tag is not 1–128 letters, digits, `_`, `.` or `-` (not starting with `.` or `-`)",
        );
    }
    if name.len() > NAME_MAX {
        return Err("the name is longer than 255 characters");
    }
    let (domain, path) = split_domain(name);
    if let Some(domain) = domain
        && !is_domain(domain)
    {
        return Err("the registry host is not a host name or address with an optional port");
    }
    if !is_remote_name(path) {
        return Err(
            "the repository name is not lower-case letters and digits separated by one `.`, one or two `_`, or `-`s",
        );
    }
    Ok(Reference {
        domain,
        path,
        tag,
        digest,
    })
}

/// Splits `text` into `(name, tag, digest)` without judging the parts: the digest after the
/// first `@`, the tag after a `:` in the last `/`-separated part of the rest. [`parse`] splits
/// with it; rules that read a Dockerfile's `FROM` as written (a variable, a name the builder
/// would refuse) split with it too.
pub fn split(text: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (&rest[..at], Some(&rest[at + 1..]), digest)
        }
        None => (rest, None, digest),
    }
}

/// Whether `text` is a valid image reference.
pub fn is_reference(text: &str) -> bool {
    parse(text).is_ok()
}

fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|ch| ch.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// One path component: `alnum (separator alnum)*`.
pub fn is_path_component(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        // A separator run: ".", "_", "__" or "-"+, then an alnum must follow.
        let start = i;
        let first = bytes[i];
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &bytes[start..i];
        let ok = match first {
            b'.' => sep == b".",
            b'_' => sep == b"_" || sep == b"__",
            b'-' => sep.iter().all(|&b| b == b'-'),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A repository path: path components separated by `/`.
pub fn is_remote_name(text: &str) -> bool {
    !text.is_empty() && text.split('/').all(is_path_component)
}

/// A registry host with an optional port: `registry.example.com`, `localhost:5000`,
/// `[::1]:5000`.
pub fn is_domain(text: &str) -> bool {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return false;
        };
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", Some(port)),
                None => return false,
            },
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if let Some(port) = port
        && (!port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err())
    {
        return false;
    }
    if text.starts_with('[') {
        return true;
    }
    !host.is_empty()
        && host.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

/// A tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_tag(text: &str) -> bool {
    let b = text.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A digest: `algorithm:hex`, at least 32 hex digits (64 for sha256).
pub fn is_digest(text: &str) -> bool {
    let Some((algorithm, hex)) = text.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['+', '.', '_', '-']).all(|c| {
        c.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && c.chars().all(|ch| ch.is_ascii_alphanumeric())
    });
    let hex_ok = hex.len() >= 32 && hex.chars().all(|ch| ch.is_ascii_hexdigit());
    let length_ok = algorithm != "sha256" || hex.len() == 64;
    algorithm_ok && hex_ok && length_ok
}

/// Whether `text` is `sha256:` and 64 lower-case hex digits: the only digest dgen pins (the
/// manifest's `[image] digest`, `dgen.lock`).
pub fn is_sha256(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.chars().all(|ch| matches!(ch, '0'..='9' | 'a'..='f'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_references() {
        for ok in [
            "python",
            "python:3.12-slim",
            "library/python:3.12",
            "gcr.io/distroless/static-debian12:nonroot",
            "localhost:5000/app",
            "localhost/app:1",
            "registry.example.com:5000/team/app:v1.2.3",
            "nginxinc/nginx-unprivileged:1.27-alpine",
            "a__b/c---d/e.f_g",
            "[::1]:5000/app",
            "Registry.Example.com/app",
            &format!("python@sha256:{}", "a".repeat(64)),
            &format!("python:3.12@sha256:{}", "0".repeat(64)),
        ] {
            assert!(is_reference(ok), "{ok}: {:?}", parse(ok));
        }
    }

    #[test]
    fn invalid_references() {
        for bad in [
            "",
            "app-",
            "-app",
            "a..b",
            "a.-b",
            "a___b",
            "a_-b",
            "App",
            "a//b",
            "/a",
            "a/",
            "a:",
            "a:-x",
            "a:.x",
            "a:has space",
            "python:3.12 AS x",
            "python@sha256:abc",
            "python@sha256:",
            "exa_mple.com/app",
            "example.com:port/app",
            "-example.com/app",
            "example.com:99999/app",
            "example.com:/app",
            &format!("a:{}", "x".repeat(129)),
            &"a".repeat(256),
        ] {
            assert!(!is_reference(bad), "{bad}");
        }
    }

    #[test]
    fn parts() {
        let r = parse("localhost:5000/team/app:1.0").unwrap();
        assert_eq!(r.domain, Some("localhost:5000"));
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag, Some("1.0"));
        let r = parse("team/app").unwrap();
        assert_eq!(r.domain, None);
        assert_eq!(r.path, "team/app");
    }

    #[test]
    fn split_reads_any_text() {
        assert_eq!(
            split("python:3.12-slim"),
            ("python", Some("3.12-slim"), None)
        );
        assert_eq!(
            split("localhost:5000/app"),
            ("localhost:5000/app", None, None)
        );
        assert_eq!(
            split("registry.example.com/x/y:1@sha256:ab"),
            ("registry.example.com/x/y", Some("1"), Some("sha256:ab"))
        );
        assert_eq!(split("$BASE"), ("$BASE", None, None));
    }

    #[test]
    fn sha256_pins_only() {
        assert!(is_sha256(&format!("sha256:{}", "a".repeat(64))));
        assert!(!is_sha256(&format!("sha256:{}", "A".repeat(64))));
        assert!(!is_sha256(&format!("sha512:{}", "a".repeat(64))));
        assert!(!is_sha256("sha256:abc"));
    }
}

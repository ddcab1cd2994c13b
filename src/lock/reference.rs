//! Image references as a Dockerfile's `FROM` names them, and where their registry is.

use std::fmt;
use std::net::IpAddr;

/// Docker Hub's registry host, where references without a host go.
pub const DOCKER_HUB: &str = "registry-1.docker.io";

/// A tagged image reference, split the way the distribution API needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The reference as written, e.g. `python:3.12-slim`.
    pub original: String,
    /// The registry host (and port), e.g. `registry-1.docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// The repository path in that registry, e.g. `library/python`.
    pub repository: String,
    /// The tag, e.g. `3.12-slim`.
    pub tag: String,
}

/// Why a reference cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadReference(pub String);

impl fmt::Display for BadReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Reference {
    /// Parses a tagged reference such as `python:3.12-slim`, `gcr.io/distroless/static:nonroot`
    /// or `127.0.0.1:5000/team/base:1`. A reference with a digest or without a tag is refused:
    /// there is nothing to resolve.
    pub fn parse(text: &str) -> Result<Reference, BadReference> {
        let bad = |why: &str| BadReference(format!("`{text}` {why}"));
        if text.contains('@') {
            return Err(bad("is already pinned by digest"));
        }
        let parsed = crate::reference::parse(text)
            .map_err(|why| bad(&format!("is not a valid image reference: {why}")))?;
        let Some(tag) = parsed.tag else {
            return Err(bad("has no tag"));
        };
        let (host, path) = (parsed.domain, parsed.path);
        let (registry, repository) = match host {
            None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io") => {
                let repository = if path.contains('/') {
                    path.to_owned()
                } else {
                    format!("library/{path}")
                };
                (DOCKER_HUB.to_owned(), repository)
            }
            Some(host) => (host.to_owned(), path.to_owned()),
        };
        Ok(Reference {
            original: text.to_owned(),
            registry,
            repository,
            tag: tag.to_owned(),
        })
    }

    /// Whether the registry is on this machine (`localhost`, `127.0.0.0/8`, `::1`): the only
    /// registries spoken to over plain HTTP, as Docker does.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

/// Whether `host` (optionally with a port) is a loopback address or `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `digest` is `sha256:` and 64 lower-case hex digits.
pub use crate::reference::is_sha256 as is_digest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_names_get_library() {
        let r = Reference::parse("python:3.12-slim").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_str()),
            (DOCKER_HUB, "library/python", "3.12-slim")
        );
        let r = Reference::parse("nginxinc/nginx-unprivileged:1.27-alpine").unwrap();
        assert_eq!(r.repository, "nginxinc/nginx-unprivileged");
        let r = Reference::parse("docker.io/library/node:22-slim").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.tag.as_str()),
            (DOCKER_HUB, "22-slim")
        );
    }

    #[test]
    fn other_registries_keep_their_host() {
        let r = Reference::parse("gcr.io/distroless/static-debian12:nonroot").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_str()),
            ("gcr.io", "distroless/static-debian12", "nonroot")
        );
        assert!(!r.is_loopback());
        let r = Reference::parse("127.0.0.1:5000/team/base:1.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert!(r.is_loopback());
        assert!(
            Reference::parse("localhost:5000/x:1")
                .unwrap()
                .is_loopback()
        );
        assert!(Reference::parse("[::1]:5000/x:1").unwrap().is_loopback());
        assert!(
            !Reference::parse("127.0.0.1.example.com/x:1")
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn refuses_what_cannot_be_resolved() {
        for bad in [
            "python",
            "python@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "Python:3",
            "python:",
            "python:3 slim",
            "a//b:1",
            "evil.com:99999/x:1",
            "host.example/x:1\n",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?}");
        }
    }
}

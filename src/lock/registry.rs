//! A small OCI distribution API client: resolves a tag to the digest its registry reports.
//!
//! - `HEAD /v2/<repository>/manifests/<tag>` (a `GET` when the registry does not answer a `HEAD`
//!   with a digest), asking for an OCI image index or a Docker manifest list first, so that a
//!   multi-platform tag pins its index, not one platform's manifest; single-platform manifests
//!   (OCI and Docker v2) are accepted too.
//! - Anonymous bearer tokens, as Docker Hub and most registries issue them: a `401` with
//!   `WWW-Authenticate: Bearer realm=…,service=…,scope=…` is answered by fetching a token from the
//!   realm and retrying once.
//! - HTTPS, except for a registry on a loopback address, which is spoken to over plain HTTP, as
//!   Docker does.
//!
//! HTTP goes through `ureq` (blocking, rustls): a few small crates, no async runtime, and the
//! same client for https registries and plain-HTTP loopback ones.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use super::reference::{Reference, is_digest, is_loopback_host};

/// The manifest media types dgen pins, most wanted first.
pub const ACCEPTED: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// What a tag resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The digest the registry reports (`Docker-Content-Digest`).
    pub digest: String,
    /// The manifest's media type.
    pub media_type: String,
}

impl Resolved {
    /// Whether the digest names a multi-platform index (OCI index or Docker manifest list).
    pub fn is_index(&self) -> bool {
        self.media_type == ACCEPTED[0] || self.media_type == ACCEPTED[1]
    }
}

/// Why a tag could not be resolved. The message names the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// The image reference, as written.
    pub image: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.image, self.message)
    }
}

impl std::error::Error for RegistryError {}

/// A registry client with a timeout for each whole request.
pub struct Client {
    tls: ureq::Agent,
    loopback: ureq::Agent,
    timeout: Duration,
}

const MAX_MANIFEST: u64 = 4 * 1024 * 1024;

impl Client {
    /// A client whose requests each give up after `timeout`.
    pub fn new(timeout: Duration) -> Client {
        let agent = |https_only: bool| -> ureq::Agent {
            let mut config = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .https_only(https_only)
                .max_redirects(5)
                .user_agent(concat!("dgen/", env!("CARGO_PKG_VERSION")));
            if !https_only {
                // A loopback registry is reached directly, never through a proxy.
                config = config.proxy(None);
            }
            config.build().into()
        };
        Client {
            tls: agent(true),
            loopback: agent(false),
            timeout,
        }
    }

    fn agent_for(&self, url: &str) -> &ureq::Agent {
        let host = url
            .split_once("://")
            .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
        if url.starts_with("http://") && is_loopback_host(host) {
            &self.loopback
        } else {
            &self.tls
        }
    }

    /// Resolves `reference`'s tag to the digest its registry reports now.
    pub fn resolve(&self, reference: &Reference) -> Result<Resolved, RegistryError> {
        let fail = |message: String| RegistryError {
            image: reference.original.clone(),
            message,
        };
        let url = manifest_url(reference);
        let accept = ACCEPTED.join(", ");
        let mut token: Option<String> = None;
        for attempt in 0..2 {
            let mut response = self
                .send(&url, "HEAD", &accept, token.as_deref())
                .map_err(&fail)?;
            let status = response.status().as_u16();
            if status == 401 && attempt == 0 {
                let challenge = header(&response, "www-authenticate").unwrap_or_default();
                token = Some(self.token(&challenge, reference).map_err(&fail)?);
                continue;
            }
            if status == 405
                || status == 501
                || (status == 200 && digest_header(&response).is_none())
            {
                // Some registries answer only GET, or give no digest to a HEAD: fetch the
                // manifest and hash it.
                response = self
                    .send(&url, "GET", &accept, token.as_deref())
                    .map_err(&fail)?;
                return self.finish(reference, &mut response, true).map_err(fail);
            }
            return self.finish(reference, &mut response, false).map_err(fail);
        }
        Err(fail(
            "the registry refused the anonymous token (401): dgen lock reads public images only"
                .to_owned(),
        ))
    }

    fn finish(
        &self,
        reference: &Reference,
        response: &mut ureq::http::Response<ureq::Body>,
        has_body: bool,
    ) -> Result<Resolved, String> {
        let status = response.status().as_u16();
        match status {
            200 => {}
            401 | 403 => {
                return Err(format!(
                    "access denied ({status}): the registry wants credentials for {}; dgen lock uses anonymous access",
                    reference.repository
                ));
            }
            404 => {
                return Err(format!(
                    "not found (404): {} has no tag `{}` at {}, or the repository does not exist",
                    reference.repository, reference.tag, reference.registry
                ));
            }
            429 => return Err("rate limited by the registry (429): try again later".to_owned()),
            other => return Err(format!("the registry answered HTTP {other}")),
        }
        let media_type = header(response, "content-type")
            .map(|t| t.split(';').next().unwrap_or("").trim().to_owned())
            .unwrap_or_default();
        if !ACCEPTED.contains(&media_type.as_str()) {
            return Err(format!(
                "unknown manifest media type `{}`: expected an OCI image index or manifest, or a Docker manifest list or v2 manifest",
                if media_type.is_empty() {
                    "(none)"
                } else {
                    &media_type
                }
            ));
        }
        let reported = digest_header(response);
        if let Some(digest) = &reported
            && !is_digest(digest)
        {
            return Err(format!(
                "the registry reported `{digest}`, not a sha256 digest"
            ));
        }
        let digest = if has_body {
            let mut body = Vec::new();
            response
                .body_mut()
                .as_reader()
                .take(MAX_MANIFEST)
                .read_to_end(&mut body)
                .map_err(|e| self.describe_io(&e))?;
            let computed = sha256_digest(&body);
            if let Some(reported) = reported
                && reported != computed
            {
                return Err(format!(
                    "the registry reported digest {reported}, but the manifest it sent hashes to {computed}"
                ));
            }
            computed
        } else {
            reported.expect("checked by the caller")
        };
        Ok(Resolved { digest, media_type })
    }

    fn send(
        &self,
        url: &str,
        method: &str,
        accept: &str,
        token: Option<&str>,
    ) -> Result<ureq::http::Response<ureq::Body>, String> {
        let agent = self.agent_for(url);
        let result = if method == "HEAD" {
            let mut request = agent.head(url).header("Accept", accept);
            if let Some(token) = token {
                request = request.header("Authorization", &format!("Bearer {token}"));
            }
            request.call()
        } else {
            let mut request = agent.get(url).header("Accept", accept);
            if let Some(token) = token {
                request = request.header("Authorization", &format!("Bearer {token}"));
            }
            request.call()
        };
        result.map_err(|e| self.describe(&e))
    }

    fn describe(&self, error: &ureq::Error) -> String {
        match error {
            ureq::Error::Timeout(_) => format!(
                "timed out after {}s (--timeout sets the limit)",
                self.timeout.as_secs_f64()
            ),
            ureq::Error::Io(io) => self.describe_io(io),
            other => other.to_string(),
        }
    }

    fn describe_io(&self, error: &std::io::Error) -> String {
        if matches!(
            error.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ) {
            format!(
                "timed out after {}s (--timeout sets the limit)",
                self.timeout.as_secs_f64()
            )
        } else {
            error.to_string()
        }
    }

    /// Fetches an anonymous pull token for `reference` as `challenge` (a `WWW-Authenticate`
    /// value) asks.
    fn token(&self, challenge: &str, reference: &Reference) -> Result<String, String> {
        let Some(params) = challenge
            .trim()
            .strip_prefix("Bearer ")
            .or_else(|| challenge.trim().strip_prefix("bearer "))
        else {
            return Err(format!(
                "access denied (401): the registry wants {} credentials; dgen lock uses anonymous access",
                challenge.split_whitespace().next().unwrap_or("unnamed")
            ));
        };
        let params = parse_challenge(params);
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let realm = get("realm").ok_or("the registry's 401 names no token realm")?;
        let realm_host = realm
            .split_once("://")
            .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
        if !(realm.starts_with("https://")
            || (realm.starts_with("http://") && is_loopback_host(realm_host)))
        {
            return Err(format!(
                "the token realm `{realm}` is not https (plain HTTP only on this machine)"
            ));
        }
        let scope =
            get("scope").unwrap_or_else(|| format!("repository:{}:pull", reference.repository));
        let mut query = Vec::new();
        if let Some(service) = get("service") {
            query.push(format!("service={}", encode(&service)));
        }
        query.push(format!("scope={}", encode(&scope)));
        let separator = if realm.contains('?') { '&' } else { '?' };
        let url = format!("{realm}{separator}{}", query.join("&"));
        let mut response = self
            .agent_for(&url)
            .get(&url)
            .call()
            .map_err(|e| format!("token request failed: {}", self.describe(&e)))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(format!(
                "access denied (401): the token service answered HTTP {status} for anonymous access"
            ));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("token request failed: {}", self.describe(&e)))?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|_| "the token service did not answer JSON".to_owned())?;
        json.get("token")
            .or_else(|| json.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty() && t.chars().all(|ch| ch.is_ascii_graphic()))
            .map(str::to_owned)
            .ok_or_else(|| "the token service's answer holds no token".to_owned())
    }
}

/// The manifest URL of `reference`: plain HTTP for a loopback registry only, HTTPS otherwise.
pub fn manifest_url(reference: &Reference) -> String {
    let scheme = if reference.is_loopback() {
        "http"
    } else {
        "https"
    };
    format!(
        "{scheme}://{}/v2/{}/manifests/{}",
        reference.registry, reference.repository, reference.tag
    )
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn digest_header(response: &ureq::http::Response<ureq::Body>) -> Option<String> {
    header(response, "docker-content-digest").map(|d| d.trim().to_owned())
}

/// `key="value",key2="value2"` pairs of a `WWW-Authenticate` challenge.
fn parse_challenge(params: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = params.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                value.push(*c);
                chars.next();
            }
        }
        out.push((key.trim().to_ascii_lowercase(), value));
    }
    out
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `sha256:` and the hex SHA-256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::from("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed() {
        let params = parse_challenge(
            r#"realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/python:pull""#,
        );
        assert_eq!(
            params,
            [
                (
                    "realm".to_owned(),
                    "https://auth.example.com/token".to_owned()
                ),
                ("service".to_owned(), "registry.example.com".to_owned()),
                (
                    "scope".to_owned(),
                    "repository:library/python:pull".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn plain_http_for_loopback_only() {
        let url = |r: &str| manifest_url(&Reference::parse(r).unwrap());
        assert_eq!(
            url("python:3.12-slim"),
            "https://registry-1.docker.io/v2/library/python/manifests/3.12-slim"
        );
        assert_eq!(
            url("127.0.0.1:5000/a/b:1"),
            "http://127.0.0.1:5000/v2/a/b/manifests/1"
        );
        assert_eq!(url("localhost/a:1"), "http://localhost/v2/a/manifests/1");
        assert_eq!(
            url("registry.example.com:5000/a:1"),
            "https://registry.example.com:5000/v2/a/manifests/1"
        );
        assert_eq!(
            url("10.0.0.1:5000/a:1"),
            "https://10.0.0.1:5000/v2/a/manifests/1"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

//! `dgen lock` against a tiny scripted registry on 127.0.0.1: the anonymous bearer-token dance,
//! the digest the registry reports, `--update`, and each registry error (401, 404, an unknown
//! media type, a timeout) giving exit 2, a message naming the image and an untouched lock. The
//! happy path against a real registry (CNCF Distribution) is in the engine suite.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

/// One request the fake registry saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    accept: Option<String>,
}

type Handler = dyn Fn(&Seen, u16) -> Option<String> + Send + Sync;

/// A registry on 127.0.0.1 that answers each request with what `handler` returns (a whole HTTP
/// response), or never answers when it returns `None`.
struct Fake {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    fn start(handler: Box<Handler>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let handler: Arc<Handler> = Arc::from(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                let handler = handler.clone();
                std::thread::spawn(move || serve(stream, &log, &*handler, port));
            }
        });
        Fake { port, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, handler: &Handler, port: u16) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let (mut authorization, mut accept) = (None, None);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "authorization" => authorization = Some(value.trim().to_owned()),
                    "accept" => accept = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let seen = Seen {
            method,
            path,
            authorization,
            accept,
        };
        log.lock().unwrap().push(seen.clone());
        match handler(&seen, port) {
            Some(response) => {
                let mut s = &stream;
                if s.write_all(response.as_bytes()).is_err() {
                    return;
                }
            }
            None => {
                std::thread::sleep(std::time::Duration::from_secs(30));
                return;
            }
        }
    }
}

fn respond(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

fn project(dir: &Path, base: &str) {
    std::fs::write(dir.join("app.py"), "print('hi')\n").unwrap();
    std::fs::write(dir.join("requirements.txt"), "flask==3.0.3\n").unwrap();
    std::fs::write(
        dir.join("dgen.toml"),
        format!(
            "name = \"lk\"\nstack = \"python\"\n\n[app]\ncommand = [\"python\", \"app.py\"]\nsources = [\"app.py\"]\n\n[healthcheck]\nenabled = false\n\n[image]\nbase = \"{base}\"\n"
        ),
    )
    .unwrap();
}

fn dgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dgen"))
        .args(args)
        .current_dir(dir)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A registry that wants an anonymous bearer token, then reports `digest` for `team/base:1`.
fn token_registry(digest: Arc<Mutex<&'static str>>) -> Fake {
    Fake::start(Box::new(move |seen: &Seen, port| {
        if seen.path.starts_with("/token?") {
            return Some(respond(
                "200 OK",
                &[("Content-Type", "application/json")],
                r#"{"token":"anon-123"}"#,
            ));
        }
        if seen.path != "/v2/team/base/manifests/1" {
            return Some(respond("404 Not Found", &[], ""));
        }
        if seen.authorization.as_deref() != Some("Bearer anon-123") {
            let challenge = format!(
                "Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"fake-registry\",scope=\"repository:team/base:pull\""
            );
            return Some(respond(
                "401 Unauthorized",
                &[("WWW-Authenticate", &challenge)],
                "",
            ));
        }
        let d = *digest.lock().unwrap();
        Some(respond(
            "200 OK",
            &[("Content-Type", INDEX), ("Docker-Content-Digest", d)],
            "",
        ))
    }))
}

#[test]
fn lock_follows_the_bearer_dance_and_pins_the_reported_digest() {
    let digest = Arc::new(Mutex::new(D1));
    let registry = token_registry(digest.clone());
    let dir = tempfile::tempdir().unwrap();
    let base = format!("127.0.0.1:{}/team/base:1", registry.port);
    project(dir.path(), &base);

    let out = dgen(dir.path(), &["lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lock = std::fs::read_to_string(dir.path().join("dgen.lock")).unwrap();
    assert!(lock.contains(&format!("reference = \"{base}\"")), "{lock}");
    assert!(lock.contains(&format!("digest = \"{D1}\"")), "{lock}");
    assert!(lock.contains("resolved_at = \"20"), "{lock}");

    let seen = registry.seen();
    let token = seen.iter().find(|s| s.path.starts_with("/token?")).unwrap();
    assert!(
        token.path.contains("service=fake-registry")
            && token.path.contains("scope=repository%3Ateam%2Fbase%3Apull"),
        "{token:?}"
    );
    let manifest = seen.iter().rfind(|s| s.path.starts_with("/v2/")).unwrap();
    assert_eq!(manifest.method, "HEAD");
    let accept = manifest.accept.clone().unwrap();
    for media in [
        INDEX,
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ] {
        assert!(accept.contains(media), "{accept}");
    }

    // render pins FROM from the lock, with no registry involved.
    let before = registry.seen().len();
    let out = dgen(dir.path(), &["render", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dockerfile = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert_eq!(dockerfile.matches(&format!("FROM {base}@{D1}")).count(), 2);
    assert_eq!(registry.seen().len(), before, "render used the network");
    assert!(dgen(dir.path(), &["check"]).status.success());

    // A plain `dgen lock` keeps what is locked; --update follows the moved tag.
    *digest.lock().unwrap() = D2;
    assert!(dgen(dir.path(), &["lock"]).status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dgen.lock")).unwrap(),
        lock
    );
    let out = dgen(dir.path(), &["lock", "--update"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("moved {base}: {D1} -> {D2}")));
    let updated = std::fs::read_to_string(dir.path().join("dgen.lock")).unwrap();
    assert!(updated.contains(D2) && !updated.contains(D1), "{updated}");

    // The Dockerfile on disk now pins the old digest: check says so.
    let out = dgen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(dgen(dir.path(), &["render", "-q"]).status.success());
    assert!(dgen(dir.path(), &["check"]).status.success());
}

#[test]
fn a_get_is_hashed_when_the_head_has_no_digest() {
    let body = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    let registry = Fake::start(Box::new(move |seen: &Seen, _| {
        if seen.method == "HEAD" {
            return Some(respond("200 OK", &[("Content-Type", INDEX)], ""));
        }
        Some(respond("200 OK", &[("Content-Type", INDEX)], body))
    }));
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        &format!("127.0.0.1:{}/team/base:1", registry.port),
    );
    let out = dgen(dir.path(), &["lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // sha256 of the body, computed independently by the test.
    let expected = {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(body.as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    };
    let lock = std::fs::read_to_string(dir.path().join("dgen.lock")).unwrap();
    assert!(lock.contains(&expected), "{lock}");
}

/// Each registry error: exit 2, the image named, and an existing lock left byte for byte.
#[test]
fn registry_errors_exit_2_name_the_image_and_leave_the_lock() {
    let cases: Vec<(&str, Box<Handler>, &str)> = vec![
        (
            "401",
            Box::new(|_: &Seen, _| {
                Some(respond(
                    "401 Unauthorized",
                    &[("WWW-Authenticate", "Basic realm=\"private\"")],
                    "",
                ))
            }),
            "401",
        ),
        (
            "404",
            Box::new(|_: &Seen, _| Some(respond("404 Not Found", &[], ""))),
            "not found (404)",
        ),
        (
            "media type",
            Box::new(|_: &Seen, _| {
                Some(respond(
                    "200 OK",
                    &[
                        (
                            "Content-Type",
                            "application/vnd.docker.distribution.manifest.v1+prettyjws",
                        ),
                        ("Docker-Content-Digest", D2),
                    ],
                    "",
                ))
            }),
            "unknown manifest media type `application/vnd.docker.distribution.manifest.v1+prettyjws`",
        ),
        ("timeout", Box::new(|_: &Seen, _| None), "timed out"),
        (
            "bad digest",
            Box::new(|_: &Seen, _| {
                Some(respond(
                    "200 OK",
                    &[
                        ("Content-Type", INDEX),
                        ("Docker-Content-Digest", "md5:abc"),
                    ],
                    "",
                ))
            }),
            "not a sha256 digest",
        ),
    ];
    for (name, handler, needle) in cases {
        let registry = Fake::start(handler);
        let dir = tempfile::tempdir().unwrap();
        let other = "python:3.12-slim";
        project(
            dir.path(),
            &format!("127.0.0.1:{}/team/base:1", registry.port),
        );
        let old_lock = format!(
            "version = 1\n\n[[image]]\nreference = \"{other}\"\ndigest = \"{D1}\"\nresolved_at = \"2026-01-01T00:00:00Z\"\n"
        );
        std::fs::write(dir.path().join("dgen.lock"), &old_lock).unwrap();
        let started = std::time::Instant::now();
        let out = dgen(dir.path(), &["lock", "--timeout", "1"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!(
                "cannot resolve 127.0.0.1:{}/team/base:1",
                registry.port
            )),
            "{name}: {err}"
        );
        assert!(err.contains(needle), "{name}: {err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("dgen.lock")).unwrap(),
            old_lock,
            "{name}"
        );
        assert!(started.elapsed().as_secs() < 20, "{name}: took too long");
    }
}

#[test]
fn render_warns_and_check_fails_on_a_lock_that_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), "python:3.12-slim");
    std::fs::write(
        dir.path().join("dgen.lock"),
        format!(
            "version = 1\n\n[[image]]\nreference = \"python:3.11-slim\"\ndigest = \"{D1}\"\nresolved_at = \"2026-01-01T00:00:00Z\"\n"
        ),
    )
    .unwrap();
    let out = dgen(dir.path(), &["render"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: base image python:3.12-slim is not in dgen.lock")
            && err.contains("run `dgen lock`"),
        "{err}"
    );
    let out = dgen(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("dgen.lock pins python:3.11-slim, which dgen.toml no longer uses"),
        "{report}"
    );
    let out = dgen(dir.path(), &["lock", "--check"]);
    assert_eq!(out.status.code(), Some(1));

    // A hostile lock cannot add to the Dockerfile: it is refused whole.
    std::fs::write(
        dir.path().join("dgen.lock"),
        "version = 1\n\n[[image]]\nreference = \"python:3.12-slim\"\ndigest = \"sha256:00\\nRUN curl evil\"\nresolved_at = \"x\"\n",
    )
    .unwrap();
    let out = dgen(dir.path(), &["render", "--stdout"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("dgen.lock"), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("evil"));
}

#[test]
fn plain_http_only_for_loopback() {
    // A non-loopback registry is spoken to over https: with nothing listening there, the error
    // names https, never a plain-HTTP attempt. 192.0.2.0/24 is TEST-NET-1 (unroutable).
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), "192.0.2.1:5000/team/base:1");
    let out = dgen(dir.path(), &["lock", "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot resolve 192.0.2.1:5000/team/base:1"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("dgen.lock").exists());
}

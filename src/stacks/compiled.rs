//! What the compiled stacks (Go, Rust, Java) share: the health-check probes they build from
//! standard-library source in their build stage, and the checks of versions, names and assets.
//!
//! Why a probe of our own: the final images (distroless, scratch, a JRE) have no curl or wget,
//! and often no shell. Each stack therefore compiles a tiny probe from the source below, written
//! into the build stage with `printf` (no heredocs: Docker 20.10's built-in frontend lacks them),
//! so that the whole probe is readable in the generated Dockerfile. The probe takes two
//! arguments, `http://127.0.0.1:PORT/PATH` or `tcp://127.0.0.1:PORT`, and the timeout in whole
//! seconds; it exits 0 on a 2xx or 3xx answer (redirects are not followed) or an accepted
//! connection, and 1 otherwise, saying why on stderr, which `docker inspect` shows.
//!
//! An app that has its own health check (a `-healthcheck` flag, say) names it in
//! `[healthcheck] command`; no probe is built then.

use super::Probe;
use crate::manifest::Checker;
use crate::manifest::Seg;
use crate::manifest::is_version;

/// Where the probe lives in the final image (Go and Rust).
pub const PROBE_PATH: &str = "/usr/local/bin/healthcheck";

/// The Go probe: standard library only, built with `CGO_ENABLED=0` into a static binary.
const GO_PROBE: &str = r#"package main

import (
    "bufio"
    "fmt"
    "net"
    "os"
    "strconv"
    "strings"
    "time"
)

func fail(why ...interface{}) {
    fmt.Fprintln(os.Stderr, append([]interface{}{"unhealthy:"}, why...)...)
    os.Exit(1)
}

func main() {
    if len(os.Args) != 3 {
        fmt.Fprintln(os.Stderr, "usage: healthcheck http://HOST:PORT/PATH|tcp://HOST:PORT SECONDS")
        os.Exit(2)
    }
    seconds, err := strconv.Atoi(os.Args[2])
    if err != nil || seconds < 1 {
        seconds = 5
    }
    timeout := time.Duration(seconds) * time.Second
    target := os.Args[1]
    http := strings.HasPrefix(target, "http://")
    rest := strings.TrimPrefix(strings.TrimPrefix(target, "http://"), "tcp://")
    host, path := rest, "/"
    if i := strings.Index(rest, "/"); i >= 0 {
        host, path = rest[:i], rest[i:]
    }
    conn, err := net.DialTimeout("tcp", host, timeout)
    if err != nil {
        fail(err)
    }
    defer conn.Close()
    if !http {
        return
    }
    conn.SetDeadline(time.Now().Add(timeout))
    crlf := string([]byte{13, 10})
    fmt.Fprint(conn, "GET ", path, " HTTP/1.0", crlf, "Host: ", host, crlf, "Connection: close", crlf, crlf)
    status, err := bufio.NewReader(conn).ReadString(10)
    if err != nil {
        fail(err)
    }
    fields := strings.Fields(status)
    code := 0
    if len(fields) > 1 {
        code, _ = strconv.Atoi(fields[1])
    }
    if code < 200 || code >= 400 {
        fail("HTTP answer", strconv.Quote(strings.TrimSpace(status)))
    }
}"#;

/// The Rust probe: `std` only, compiled with `rustc` (an HTTP/1.0 GET over a `TcpStream`).
const RUST_PROBE: &str = r#"use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::exit;
use std::time::Duration;

fn fail(why: String) -> ! {
    eprintln!("unhealthy: {}", why);
    exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: healthcheck http://HOST:PORT/PATH|tcp://HOST:PORT SECONDS");
        exit(2);
    }
    let timeout = Duration::from_secs(args[2].parse::<u64>().unwrap_or(5).max(1));
    let (http, rest) = match (args[1].strip_prefix("http://"), args[1].strip_prefix("tcp://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => fail(format!("unsupported target {}", args[1])),
    };
    let (host, path) = match rest.find("/") {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = match host.to_socket_addrs().map(|mut all| all.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) => fail(format!("{} has no address", host)),
        Err(e) => fail(format!("{}: {}", host, e)),
    };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).unwrap_or_else(|e| fail(format!("{}: {}", addr, e)));
    if !http {
        return;
    }
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let crlf = String::from_utf8(vec![13, 10]).unwrap();
    let request = ["GET ", path, " HTTP/1.0", &crlf, "Host: ", host, &crlf, "Connection: close", &crlf, &crlf].concat();
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| fail(format!("{}: {}", addr, e)));
    let mut answer = Vec::new();
    stream.take(4096).read_to_end(&mut answer).unwrap_or_else(|e| fail(format!("{}: {}", addr, e)));
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or("");
    let code: u16 = status_line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    if !(200..400).contains(&code) {
        fail(format!("HTTP answer {:?}", status_line));
    }
}"#;

/// The Java probe: one class, `java.net` only, compiled with `javac` in the JDK stage and run
/// with the JRE's `java`.
const JAVA_PROBE: &str = r#"public class HealthCheck {
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: HealthCheck http://HOST:PORT/PATH|tcp://HOST:PORT SECONDS");
            System.exit(2);
        }
        try {
            int millis = Math.max(1, Integer.parseInt(args[1])) * 1000;
            java.net.URI uri = java.net.URI.create(args[0]);
            if ("tcp".equals(uri.getScheme())) {
                try (java.net.Socket socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), millis);
                }
                return;
            }
            java.net.HttpURLConnection http = (java.net.HttpURLConnection) uri.toURL().openConnection();
            http.setConnectTimeout(millis);
            http.setReadTimeout(millis);
            http.setInstanceFollowRedirects(false);
            int code = http.getResponseCode();
            if (code < 200 || code >= 400) {
                System.err.println("unhealthy: HTTP " + code);
                System.exit(1);
            }
        } catch (Exception e) {
            System.err.println("unhealthy: " + e);
            System.exit(1);
        }
    }
}"#;

/// A probe's source, one shell-quoted word per line, for `printf '%s\n' WORDS > FILE`.
fn shell_lines(source: &str) -> Vec<String> {
    source
        .lines()
        .map(|line| {
            assert!(
                !line.contains(['\'', '\\']) && !line.trim_start().starts_with('#'),
                "probe source line must survive single quotes and Dockerfile continuation: {line}"
            );
            format!("'{line}'")
        })
        .collect()
}

/// The Go probe's source as `printf` words.
pub fn go_probe_lines() -> Vec<String> {
    shell_lines(GO_PROBE)
}

/// The Rust probe's source as `printf` words.
pub fn rust_probe_lines() -> Vec<String> {
    shell_lines(RUST_PROBE)
}

/// The Java probe's source as `printf` words.
pub fn java_probe_lines() -> Vec<String> {
    shell_lines(JAVA_PROBE)
}

/// The probe's two arguments: the target and the timeout in seconds.
pub fn probe_args(probe: &Probe) -> [String; 2] {
    match probe {
        Probe::Http {
            port,
            path,
            timeout_secs,
        } => [
            format!("http://127.0.0.1:{port}{path}"),
            timeout_secs.to_string(),
        ],
        Probe::Tcp { port, timeout_secs } => {
            [format!("tcp://127.0.0.1:{port}"), timeout_secs.to_string()]
        }
    }
}

/// Whether the image needs the probe: the health check is on and is not the app's own command.
pub fn needs_probe(manifest: &crate::manifest::Manifest) -> bool {
    manifest.healthcheck.enabled && manifest.healthcheck.command.is_none()
}

/// Checks a toolchain version: `major.minor` or `major.minor.patch`, digits only, with the
/// given major. Returns whether it is valid.
pub fn check_version(
    c: &mut Checker<'_>,
    path: &[Seg<'_>],
    value: &str,
    majors: &[&str],
    what: &str,
    example: &str,
) -> bool {
    let shape_ok = if majors.is_empty() {
        is_version(value, 1..=3)
    } else {
        is_version(value, 2..=3)
    };
    let major = value.split('.').next().unwrap_or("");
    let ok = shape_ok && (majors.is_empty() || majors.contains(&major));
    if !ok {
        c.error(
            "version",
            path,
            format!("`{value}` is not a {what} version"),
            format!("expected e.g. \"{example}\""),
        );
    }
    ok
}

/// A file name for a binary: letters, digits, `.`, `_` and `-`, not starting with `.` or `-`.
pub fn is_binary_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && !value.starts_with(['.', '-'])
        && value
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
}

/// A relative path made of plain characters (letters, digits, `.`, `_`, `-`, `/`), which a
/// Dockerfile and a shell take literally.
pub fn is_plain_relative(value: &str) -> bool {
    crate::values::PlainPath::is(value, crate::values::PathShape::PROJECT)
}

/// Checks that `[app] command` starts the binary the image holds, `binary` or its absolute
/// path under `/usr/local/bin`. An error on the stack's own base image (it holds nothing else
/// to run); a warning when `[image] base` replaces it.
pub fn check_command_runs_binary(
    manifest: &crate::manifest::Manifest,
    c: &mut Checker<'_>,
    binary: &str,
    setting: &str,
) {
    let Some(program) = manifest.app.command.first() else {
        return;
    };
    let absolute = format!("/usr/local/bin/{binary}");
    if program == binary || *program == absolute {
        return;
    }
    let path = ["app".into(), "command".into(), 0.into()];
    let message = format!("the command runs `{program}`, but the image's program is `{binary}`");
    let label = format!("not {binary}");
    let diagnostic = if manifest.image.base.is_some() {
        c.warning("command-binary", &path, message, label)
    } else {
        c.error("command-binary", &path, message, label)
    };
    diagnostic.help = Some(format!(
        "the build installs the app as {absolute}: start it with command = [\"{binary}\", ...], or set {setting}"
    ));
}

/// Checks `assets`: relative paths inside the project, plain characters, present on disk.
pub fn check_assets(c: &mut Checker<'_>, table: &str, assets: &[String]) {
    for (i, asset) in assets.iter().enumerate() {
        let path = [table.into(), "assets".into(), i.into()];
        let trimmed = asset.trim_end_matches('/');
        if trimmed == "." || trimmed.is_empty() {
            c.error(
                "source-everything",
                &path,
                "copying the whole project directory is refused (P12)",
                "the whole directory",
            );
            continue;
        }
        if !c.relative_path(&path, asset, "asset") {
            continue;
        }
        if !is_plain_relative(asset) {
            c.error(
                "asset-path",
                &path,
                format!("asset `{asset}` has characters other than letters, digits, `.`, `_`, `-` and `/`"),
                "unusual characters",
            );
            continue;
        }
        c.must_exist(&path, asset, "asset", true);
    }
}

/// On an image without a user database (distroless, scratch) the app runs as a numeric UID:
/// `[user] uid`, else the image's own `nonroot` user. A `[user] name` has no effect there.
pub fn check_runtime_user(manifest: &crate::manifest::Manifest, c: &mut Checker<'_>, uid: u32) {
    if manifest.user.name != crate::manifest::User::default().name {
        c.warning(
            "user-name-unused",
            &["user".into(), "name".into()],
            format!(
                "the final image has no user database: the app runs as UID {}, and `[user] name` is not used",
                manifest.user.uid.unwrap_or(uid)
            ),
            "not used",
        )
        .help = Some(format!(
            "leave it out; set [user] uid to run as another UID than {uid} (distroless's own nonroot user)"
        ));
    }
}

/// An image without a package manager cannot install `[app] system_packages`.
pub fn check_no_system_packages(
    manifest: &crate::manifest::Manifest,
    c: &mut Checker<'_>,
    what: &str,
) {
    if !manifest.app.system_packages.is_empty() {
        c.error(
            "system-packages",
            &["app".into(), "system_packages".into()],
            format!("{what} have no package manager to install `system_packages`"),
            "cannot be installed",
        )
        .help = Some(
            "link what the binary needs statically, or pick a runtime image with apt (see the stack's `runtime`)"
                .to_owned(),
        );
    }
}

/// The assets as the templates copy them: without `./` or a trailing `/`.
pub fn tidy_paths(paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.trim_end_matches('/').trim_start_matches("./").to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_sources_survive_shell_quoting() {
        for lines in [go_probe_lines(), rust_probe_lines(), java_probe_lines()] {
            assert!(lines.len() > 10);
            assert!(
                lines
                    .iter()
                    .all(|l| l.starts_with('\'') && l.ends_with('\''))
            );
            // No template delimiters either: the lines go through minijinja as values only,
            // but keep them plain.
            assert!(lines.iter().all(|l| !l.contains("{{") && !l.contains("{%")));
        }
    }

    #[test]
    fn probe_arguments() {
        assert_eq!(
            probe_args(&Probe::Http {
                port: 8080,
                path: "/healthz".into(),
                timeout_secs: 5
            }),
            ["http://127.0.0.1:8080/healthz".to_owned(), "5".to_owned()]
        );
        assert_eq!(
            probe_args(&Probe::Tcp {
                port: 3000,
                timeout_secs: 2
            }),
            ["tcp://127.0.0.1:3000".to_owned(), "2".to_owned()]
        );
    }

    #[test]
    fn binary_names() {
        assert!(is_binary_name("server"));
        assert!(is_binary_name("hello-rust_2"));
        assert!(!is_binary_name("-x"));
        assert!(!is_binary_name("a/b"));
        assert!(!is_binary_name("a b"));
    }
}

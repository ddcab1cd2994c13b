//! End-to-end scenarios: real-world-shaped Dockerfiles as the manifest would render them,
//! and one hand edit of each kind on disk, each with its exact report.

use super::{ChangeKind, DockerfileDiff, FormattingKind, diff, parse, parse_str};

/// The Python shape dgen renders: a venv builder and a slim runtime stage.
const PYTHON: &str = r#"FROM python:3.12-slim AS builder
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --no-create-home app
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY app.py .
COPY templates ./templates
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"#;

/// A single-stage Node service.
const NODE: &str = r#"FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
USER node
EXPOSE 3000
HEALTHCHECK CMD ["node", "healthcheck.js"]
CMD ["node", "server.js"]
"#;

/// A Go multi-stage build with BuildKit cache mounts and a distroless runtime.
const GO: &str = r#"# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/server"]
"#;

/// Heredocs for a script and a config file.
const HEREDOC: &str = r#"# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends ca-certificates
rm -rf /var/lib/apt/lists/*
EOF
COPY <<EOF /etc/app/config.toml
[server]
port = 8080
EOF
RUN useradd --system app
USER app
CMD ["/usr/local/bin/app"]
"#;

/// `base` with the one occurrence of `from` replaced.
fn edit(base: &str, from: &str, to: &str) -> String {
    assert_eq!(base.matches(from).count(), 1, "{from:?} must occur once");
    base.replacen(from, to, 1)
}

fn report(expected: &str, actual: &str) -> DockerfileDiff {
    let e = parse_str(expected);
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    let r = diff(&e, &parse_str(actual));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    r
}

/// The report as text, and the kinds of its changes.
fn text(expected: &str, actual: &str) -> String {
    report(expected, actual).to_string()
}

#[test]
fn fixtures_parse_cleanly_and_compare_clean() {
    for (src, stages) in [(PYTHON, 2), (NODE, 1), (GO, 2), (HEREDOC, 1)] {
        let d = parse_str(src);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.stages.len(), stages);
        assert!(report(src, src).is_clean());
    }
}

// ---- Python -------------------------------------------------------------------------

#[test]
fn python_user_removed() {
    let r = report(PYTHON, &edit(PYTHON, "USER app\n", ""));
    assert_eq!(
        r.to_string(),
        "stage #1:\n  line 20: USER app removed: the container now runs as root (P15)\n"
    );
    let (stage, c) = r.changes().next().unwrap();
    assert_eq!(stage.unwrap().actual_index, Some(1));
    assert_eq!(c.kind, ChangeKind::Removed);
    assert_eq!(c.before.as_ref().unwrap().line_start, 20);
    assert!(c.after.is_none());
    assert_eq!(r.practices(), ["P15"]);
    assert!(!r.formatting_only() && !r.is_clean());
}

#[test]
fn python_add_for_copy() {
    let r = report(PYTHON, &edit(PYTHON, "COPY app.py .", "ADD app.py ."));
    assert_eq!(
        r.to_string(),
        "stage #1:\n  line 18: ADD used instead of COPY (P11)\n"
    );
    let (_, c) = r.changes().next().unwrap();
    assert_eq!(c.kind, ChangeKind::Changed);
    assert_eq!(c.keyword, "ADD");
    assert_eq!(c.before.as_ref().unwrap().text, "COPY app.py .");
    assert_eq!(c.after.as_ref().unwrap().text, "ADD app.py .");
}

#[test]
fn python_run_added() {
    let r = report(
        PYTHON,
        &edit(
            PYTHON,
            "WORKDIR /app\n",
            "RUN apt-get update && apt-get install -y curl\nWORKDIR /app\n",
        ),
    );
    assert_eq!(
        r.to_string(),
        "stage #1:\n\
         \x20 line 16: apt-get install without --no-install-recommends: unneeded packages in the image (P13)\n\
         \x20 line 16: apt lists not removed: /var/lib/apt/lists stays in the image (rm -rf /var/lib/apt/lists/* in the same RUN) (P13)\n\
         \x20 line 16: RUN added next to another RUN: one more layer (group the commands) (P13)\n"
    );
    let (_, c) = r.changes().next().unwrap();
    assert_eq!(c.kind, ChangeKind::Added);
    let rules: Vec<_> = c.explanations.iter().map(|e| e.rule).collect();
    assert_eq!(rules, ["apt-recommends", "apt-lists", "run-layers"]);
}

#[test]
fn python_harmless_run_added_gets_a_plain_explanation() {
    let r = report(
        PYTHON,
        &edit(
            PYTHON,
            "USER app\n",
            "RUN python -m compileall /app\nUSER app\n",
        ),
    );
    assert_eq!(
        r.to_string(),
        "stage #1:\n  line 20: RUN python -m compileall /app added\n"
    );
    assert_eq!(r.changes().next().unwrap().1.explanations[0].rule, "drift");
    assert!(r.practices().is_empty());
}

#[test]
fn python_base_tag_changed() {
    let r = report(
        PYTHON,
        &edit(
            PYTHON,
            "\nFROM python:3.12-slim\n",
            "\nFROM python:latest\n",
        ),
    );
    assert_eq!(
        r.to_string(),
        "stage #1:\n  line 8: base image changed from python:3.12-slim to python:latest: untagged/latest base (P05)\n"
    );
    // A tag bump that keeps a slim, pinned base is a plain change.
    let r = report(
        PYTHON,
        &edit(
            PYTHON,
            "FROM python:3.12-slim AS builder",
            "FROM python:3.13-slim AS builder",
        ),
    );
    assert_eq!(
        r.to_string(),
        "stage builder:\n  line 1: base image changed from python:3.12-slim to python:3.13-slim\n"
    );
    // Leaving the slim variant in the runtime stage.
    let r = report(
        PYTHON,
        &edit(PYTHON, "\nFROM python:3.12-slim\n", "\nFROM python:3.12\n"),
    );
    assert_eq!(
        r.to_string(),
        "stage #1:\n  line 8: base image changed from python:3.12-slim to python:3.12: not a slim image (P03)\n"
    );
}

#[test]
fn python_ports_changed() {
    let r = report(PYTHON, &edit(PYTHON, "EXPOSE 8000\n", "EXPOSE 8000 22\n"));
    assert_eq!(
        r.to_string(),
        "stage #1:\n  line 21: EXPOSE 22 added: SSH port exposed (P06)\n"
    );
    let r = report(PYTHON, &edit(PYTHON, "EXPOSE 8000\n", "EXPOSE 8080\n"));
    assert_eq!(
        r.to_string(),
        "stage #1:\n\
         \x20 line 21: port 8080 exposed: not the app's (8000) (P06)\n\
         \x20 line 21: port 8000 no longer exposed: the app's port is not declared\n"
    );
    // Same ports, other spelling: formatting only.
    let r = report(PYTHON, &edit(PYTHON, "EXPOSE 8000\n", "EXPOSE 8000/tcp\n"));
    assert!(r.formatting_only());
    assert_eq!(
        r.to_string(),
        "formatting: equivalent spelling (quotes, JSON or shell form of paths, legacy ENV form, port order) (line 21)\n"
    );
}

#[test]
fn python_crlf_is_formatting_only() {
    let crlf = PYTHON.replace('\n', "\r\n");
    let r = diff(&parse_str(PYTHON), &parse(crlf.as_bytes()));
    assert!(r.formatting_only());
    assert!(!r.has_changes() && !r.is_clean());
    assert_eq!(
        r.to_string(),
        "formatting: CRLF line endings (the manifest renders LF)\n"
    );
    assert_eq!(r.formatting[0].kind, FormattingKind::LineEndings);
    // With a BOM too.
    let bom = [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat();
    let r = diff(&parse_str(PYTHON), &parse(&bom));
    assert_eq!(
        r.to_string(),
        "formatting: byte-order mark at the start of the file (line 1)\n\
         formatting: CRLF line endings (the manifest renders LF)\n"
    );
}

#[test]
fn python_continuation_relayout_is_formatting_only() {
    let relaid = edit(
        PYTHON,
        "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends libpq5 \\\n    && rm -rf /var/lib/apt/lists/*\n",
        "RUN apt-get update && \\\n\tapt-get install -y --no-install-recommends libpq5 && \\\n\t# clean up\n\trm -rf /var/lib/apt/lists/*\n",
    );
    let relaid = edit(
        &relaid,
        "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1 \\\n    PATH=/opt/venv/bin:$PATH\n",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH\n",
    );
    let r = report(PYTHON, &relaid);
    assert!(r.formatting_only(), "{r}");
    assert_eq!(
        r.to_string(),
        "formatting: comments differ: 1 added (line 12)\n\
         formatting: line continuations laid out differently (lines 9, 10)\n"
    );
}

#[test]
fn python_keyword_case_is_formatting_only() {
    let lower = PYTHON
        .replace("FROM ", "from ")
        .replace("RUN ", "run ")
        .replace("COPY ", "Copy ");
    let r = report(PYTHON, &lower);
    assert!(r.formatting_only());
    assert_eq!(
        r.to_string(),
        "formatting: instruction keywords in a different case (lines 1, 2, 5, 6, 8, 12, 15, 17, 18, 19)\n"
    );
}

#[test]
fn python_whitespace_and_blank_lines_are_formatting_only() {
    let spaced = edit(PYTHON, "COPY app.py .\n", "COPY   app.py   .  \n\n");
    let r = report(PYTHON, &spaced);
    assert!(r.formatting_only());
    assert_eq!(
        r.to_string(),
        "formatting: blank lines differ (line 19)\nformatting: whitespace differs (line 18)\n"
    );
    // A comment added: formatting; a directive added: formatting.
    let r = report(
        PYTHON,
        &format!("# syntax=docker/dockerfile:1\n# Built by hand\n{PYTHON}"),
    );
    assert!(r.formatting_only());
    assert_eq!(
        r.to_string(),
        "formatting: parser directives differ: # syntax=docker/dockerfile:1 added (line 1)\n\
         formatting: comments differ: 1 added (line 2)\n"
    );
}

#[test]
fn python_more_practice_edits() {
    let cases = [
        (
            "RUN pip install --no-cache-dir -r requirements.txt",
            "RUN pip install -r requirements.txt",
            "stage builder:\n  line 6: pip install without --no-cache-dir: the download cache stays in the image (P10)\n",
        ),
        (
            "    PYTHONUNBUFFERED=1 \\\n",
            "",
            "stage #1:\n  line 9: PYTHONUNBUFFERED no longer set: logs can get stuck in a buffer (P08)\n",
        ),
        (
            "HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \\\n    CMD [\"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)\"]\n",
            "",
            "stage #1:\n  line 22: HEALTHCHECK removed: nothing tells Docker whether the app is healthy (P18)\n",
        ),
        (
            "HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \\\n    CMD [\"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)\"]\n",
            "HEALTHCHECK NONE\n",
            "stage #1:\n  line 22: HEALTHCHECK disabled (HEALTHCHECK NONE): nothing tells Docker whether the app is healthy (P18)\n",
        ),
        (
            "USER app\n",
            "ENV DB_PASSWORD=hunter2\nUSER app\n",
            "stage #1:\n  line 20: ENV with secret-looking key DB_PASSWORD: the value is baked into the image (P14)\n",
        ),
        (
            "COPY app.py .",
            "COPY --chown=app:app app.py .",
            "stage #1:\n  line 18: chown of app files (--chown=app:app): the runtime user can modify the app (P17)\n",
        ),
        (
            "COPY app.py .\nCOPY templates ./templates\n",
            "COPY . .\n",
            "stage #1:\n  line 18: COPY . . copies the whole context (P12)\n  line 19: COPY templates ./templates removed\n",
        ),
        (
            "CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]",
            "CMD gunicorn --bind 0.0.0.0:8000 app:app",
            "stage #1:\n  line 24: CMD in shell form: the app runs under /bin/sh -c and does not get signals (use the JSON form)\n",
        ),
        (
            "WORKDIR /app\n",
            "WORKDIR app\n",
            "stage #1:\n  line 16: WORKDIR app is relative: it depends on the WORKDIR before it\n",
        ),
        (
            "RUN useradd --system --no-create-home app",
            "RUN useradd --system --no-create-home -u 1000 app",
            "stage #1:\n  line 15: useradd with UID 1000: the runtime user is bound to a fixed UID (P16)\n",
        ),
        (
            "USER app\n",
            "USER root\n",
            "stage #1:\n  line 20: USER changed from app to root: the container now runs as root (P15)\n",
        ),
        (
            "    PYTHONUNBUFFERED=1 \\\n",
            "    PYTHONUNBUFFERED= \\\n",
            "stage #1:\n  line 9: PYTHONUNBUFFERED no longer set: logs can get stuck in a buffer (P08)\n",
        ),
        (
            "ENV PYTHONDONTWRITEBYTECODE=1 \\\n",
            "ENV PYTHONDONTWRITEBYTECODE=0 \\\n",
            "stage #1:\n  line 9: ENV changed from PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 … to PYTHONDONTWRITEBYTECODE=0 PYTHONUNBUFFERED=1 …\n",
        ),
        (
            "USER app\n",
            "RUN pip install flask-cors\nUSER app\n",
            "stage #1:\n\
             \x20 line 20: dependency install RUN pip install flask-cors added below COPY app.py .: every source edit reinstalls dependencies (P09)\n\
             \x20 line 20: pip install without --no-cache-dir: the download cache stays in the image (P10)\n",
        ),
        (
            "COPY requirements.txt .",
            "COPY . .",
            "stage builder:\n\
             \x20 line 5: COPY . . copies the whole context (P12)\n\
             \x20 line 5: COPY . . now comes before the dependency install: every source edit reinstalls dependencies (P09)\n",
        ),
        (
            "COPY templates ./templates\n",
            "COPY templates ./templates\nCOPY .env .\n",
            "stage #1:\n  line 20: COPY .env . copies a secret file (.env) into the image (P14)\n",
        ),
    ];
    for (from, to, expected) in cases {
        assert_eq!(
            text(PYTHON, &edit(PYTHON, from, to)),
            expected,
            "{from:?} -> {to:?}"
        );
    }
}

// ---- Node ---------------------------------------------------------------------------

#[test]
fn node_layers_reordered() {
    let reordered = edit(
        NODE,
        "RUN npm ci --omit=dev\nCOPY . .\n",
        "COPY . .\nRUN npm ci --omit=dev\n",
    );
    let r = report(NODE, &reordered);
    assert_eq!(
        r.to_string(),
        "stage #0:\n  line 5: COPY . . moved above the dependency install: every source edit reinstalls dependencies (P09)\n"
    );
    let (_, c) = r.changes().next().unwrap();
    assert_eq!(c.kind, ChangeKind::Moved);
    assert_eq!(c.before.as_ref().unwrap().line_start, 6);
    assert_eq!(c.after.as_ref().unwrap().line_start, 5);
    // The package manifests no longer copied first: the COPY . . ends up first too.
    let r = report(
        NODE,
        &edit(NODE, "COPY package.json package-lock.json ./\n", ""),
    );
    assert_eq!(
        r.to_string(),
        "stage #0:\n  line 4: COPY package.json package-lock.json ./ removed\n"
    );
}

#[test]
fn node_reorder_without_practice() {
    let r = report(
        NODE,
        &edit(NODE, "USER node\nEXPOSE 3000\n", "EXPOSE 3000\nUSER node\n"),
    );
    assert_eq!(
        r.to_string(),
        "stage #0:\n  line 8: USER node moved below EXPOSE 3000\n"
    );
}

// ---- Go -----------------------------------------------------------------------------

#[test]
fn go_multi_stage_edit() {
    let edited = edit(
        GO,
        "go build -o /out/server",
        "go build -ldflags=\"-s -w\" -o /out/server",
    );
    assert_eq!(
        text(GO, &edited),
        "stage build:\n  line 9: RUN changed from … build -o … to … build -ldflags=\"-s -w\" -o …\n"
    );
    // Renaming the build stage and its reference.
    let renamed = edit(
        &edit(GO, "AS build\n", "AS builder\n"),
        "--from=build ",
        "--from=builder ",
    );
    assert_eq!(
        text(GO, &renamed),
        "stage builder:\n  line 3: stage renamed from build to builder\n\
         stage #1:\n  line 14: COPY changed from --from=build /out/server /server to --from=builder /out/server /server\n"
    );
    // The runtime stage now runs as root, and the global ARG moved on.
    let edited = edit(
        &edit(GO, "USER nonroot:nonroot\n", ""),
        "GO_VERSION=1.22",
        "GO_VERSION=1.23",
    );
    assert_eq!(
        text(GO, &edited),
        "before the first FROM:\n  line 2: ARG changed from GO_VERSION=1.22 to GO_VERSION=1.23\n\
         stage #1:\n  line 15: USER nonroot:nonroot removed: the container now runs as root (P15)\n"
    );
    // A stage added at the end becomes the image: it is reported in full.
    let extra = format!("{GO}\nFROM alpine:latest\nCOPY --from=build /out/server /server\n");
    assert_eq!(
        text(GO, &extra),
        "stage #2:\n\
         \x20 line 19: stage #2 added as the final stage: the container now runs as root (P15)\n\
         \x20 line 19: base image alpine:latest: untagged/latest base (P05)\n\
         \x20 line 20: COPY --from=build /out/server /server added\n"
    );
}

#[test]
fn go_formatting_edits() {
    // Mount flags in another order, the syntax directive dropped.
    let edited = edit(
        &GO.replacen("# syntax=docker/dockerfile:1\n", "", 1),
        "--mount=type=cache,target=/go/pkg/mod \\\n    --mount=type=cache,target=/root/.cache/go-build \\\n",
        "--mount=type=cache,target=/root/.cache/go-build \\\n    --mount=type=cache,target=/go/pkg/mod \\\n",
    );
    let r = report(GO, &edited);
    assert!(r.formatting_only());
    assert_eq!(
        r.to_string(),
        "formatting: parser directives differ: # syntax=docker/dockerfile:1 removed\n\
         formatting: flags in a different order (line 8)\n"
    );
}

// ---- Heredocs -----------------------------------------------------------------------

#[test]
fn heredoc_edits() {
    let r = report(
        HEREDOC,
        &edit(
            HEREDOC,
            "-y --no-install-recommends ca-certificates",
            "-y ca-certificates",
        ),
    );
    assert_eq!(
        r.to_string(),
        "stage #0:\n  line 3: apt-get install without --no-install-recommends: unneeded packages in the image (P13)\n"
    );
    let r = report(HEREDOC, &edit(HEREDOC, "port = 8080", "port = 9090"));
    assert_eq!(
        r.to_string(),
        "stage #0:\n  line 9: COPY <<EOF /etc/app/config.toml changed: the heredoc body differs\n"
    );
    // Trailing blanks on the heredoc line: formatting.
    let r = report(HEREDOC, &edit(HEREDOC, "RUN <<EOF\n", "RUN <<EOF   \n"));
    assert!(r.formatting_only());
    assert_eq!(r.to_string(), "formatting: whitespace differs (line 3)\n");
    // A heredoc turned into a RUN line is a real change.
    let r = report(
        HEREDOC,
        &edit(
            HEREDOC,
            "port = 8080\nEOF\n",
            "port = 8080\nEOF\nRUN <<EOF\nchown -R app /etc/app\nEOF\n",
        ),
    );
    assert_eq!(
        r.to_string(),
        "stage #0:\n\
         \x20 line 13: RUN added next to another RUN: one more layer (group the commands) (P13)\n\
         \x20 line 13: chown of app files (chown -R app /etc/app): the runtime user can modify the app (P17)\n"
    );
}

// ---- Robustness ---------------------------------------------------------------------

#[test]
fn diff_of_garbage_and_large_files_is_bounded() {
    let _heavy = super::HEAVY_TEST.lock().unwrap_or_else(|e| e.into_inner());
    let ((), spent) = super::cpu_timed(|| {
        // 1.6 MB, 4,000 stages, every other stage changed.
        let big_a = PYTHON.repeat(2_000);
        let big_b = big_a.replace("EXPOSE 8000", "EXPOSE 8001");
        let r = diff(&parse_str(&big_a), &parse_str(&big_b));
        assert_eq!(r.stages.len(), 2_000);
        let bytes: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let r = diff(&parse_str(PYTHON), &parse(&bytes));
        assert!(r.has_changes());
    });
    let limit = if cfg!(debug_assertions) { 15.0 } else { 2.0 };
    assert!(spent.as_secs_f64() < limit, "{spent:?}");
}

#[test]
fn random_edits_never_panic() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let junk = [
        "\\",
        "<<EOF",
        "EOF",
        "# c",
        "",
        "FROM scratch",
        "COPY . .",
        "USER root",
        "RUN <<-X",
        "\t",
        "\"",
        "[",
        "ONBUILD RUN x",
    ];
    for fixture in [PYTHON, NODE, GO, HEREDOC] {
        for _ in 0..150 {
            let mut lines: Vec<String> = fixture.lines().map(str::to_string).collect();
            for _ in 0..(next() % 4 + 1) {
                let n = lines.len().max(1);
                let i = (next() as usize) % n;
                match next() % 5 {
                    0 if !lines.is_empty() => {
                        lines.remove(i);
                    }
                    1 if !lines.is_empty() => {
                        let l = lines[i].clone();
                        lines.insert((next() as usize) % n, l);
                    }
                    2 if !lines.is_empty() => {
                        let j = (next() as usize) % n;
                        lines.swap(i, j);
                    }
                    3 => lines.insert(
                        i.min(lines.len()),
                        junk[(next() as usize) % junk.len()].to_string(),
                    ),
                    _ if !lines.is_empty() => lines[i] = lines[i].to_lowercase(),
                    _ => {}
                }
            }
            let edited = lines.join(if next() % 2 == 0 { "\n" } else { "\r\n" });
            let (a, b) = (parse_str(fixture), parse_str(&edited));
            for r in [diff(&a, &b), diff(&b, &a)] {
                let _ = r.to_string();
                let _ = serde_json::to_string(&r).unwrap();
                for (_, c) in r.changes() {
                    assert!(!c.explanations.is_empty());
                    assert!(c.line >= 1);
                }
                assert_eq!(r.is_clean(), r.formatting.is_empty() && !r.has_changes());
            }
        }
    }
}

#[test]
fn new_final_stage_without_healthcheck() {
    let extra = format!(
        "{PYTHON}\nFROM python:3.12-slim AS debug\nUSER app\nCMD [\"python\", \"-m\", \"pdb\", \"app.py\"]\n"
    );
    assert_eq!(
        text(PYTHON, &extra),
        "stage debug:\n\
         \x20 line 26: stage debug added as the final stage without a HEALTHCHECK: nothing tells Docker whether the app is healthy (P18)\n\
         \x20 line 27: USER app added\n\
         \x20 line 28: CMD [\"python\", \"-m\", \"pdb\", \"app.py\"] added\n"
    );
}

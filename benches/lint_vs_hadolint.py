#!/usr/bin/env python3
"""Benchmark: `dgen lint` vs hadolint, each in ONE process over the same >= 400 varied
Dockerfiles (the hand-written corpus in tests/lint_corpus, each in 20 variants: other base
tags, extra instructions, comments, continuations, CRLF). Not a test: it prints figures.

Usage: benches/lint_vs_hadolint.py [--dgen PATH] [--hadolint PATH] [--runs N]
(dgen defaults to target/release/dgen; hadolint to the judges' venv or PATH).
"""
import argparse
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import tempfile
import time

repo = pathlib.Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("--dgen", default=str(repo / "target/release/dgen"))
ap.add_argument("--hadolint", default=shutil.which("hadolint") or os.path.expanduser("~/.cache/dgen-tools/venv/bin/hadolint"))
ap.add_argument("--runs", type=int, default=5)
args = ap.parse_args()

rng = random.Random(11)
corpus = sorted((repo / "tests/lint_corpus").glob("*.Dockerfile"))
extras = [
    "RUN echo hello > /tmp/x",
    "ENV LOG_LEVEL=info TZ=UTC",
    "LABEL org.opencontainers.image.source=example",
    "RUN apt-get update && apt-get install -y curl",
    "ARG BUILD_DATE",
    "# a comment line",
    "RUN set -eux; \\\n    mkdir -p /data; \\\n    chmod 755 /data",
    "COPY config/ /etc/app/",
    "EXPOSE 9090",
    "USER nobody",
]
tags = ["3.12-slim", "3.11", "lts", "latest", "22-alpine", "1.22-bookworm", "21-jre"]
out = pathlib.Path(tempfile.mkdtemp(prefix="dgen-lint-bench-"))
n = 0
for src in corpus:
    lines = src.read_text().splitlines()
    for v in range(20):
        ls = list(lines)
        for _ in range(rng.randint(0, 4)):
            ls.insert(rng.randint(1, len(ls)), rng.choice(extras))
        if v % 3 == 0:
            ls = [l.replace(":3.12", ":" + rng.choice(tags), 1) if l.startswith("FROM") else l for l in ls]
        text = ("\r\n" if v % 7 == 0 else "\n").join(ls) + "\n"
        d = out / f"{src.stem}-{v:02d}"
        d.mkdir()
        (d / "Dockerfile").write_text(text)
        n += 1
files = sorted(str(p) for p in out.glob("*/Dockerfile"))
print(f"{n} Dockerfiles in {out}")


def timed(cmd):
    best = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best.append(time.perf_counter() - t)
    return min(best), statistics.median(best)


d_min, d_med = timed([args.dgen, "lint", "--format", "json", str(out)])
print(f"dgen lint (1 process, {n} files):  min {d_min*1000:8.1f} ms  median {d_med*1000:8.1f} ms  ({d_min/n*1e6:.0f} µs/file)")
if args.hadolint and os.path.exists(args.hadolint):
    h_min, h_med = timed([args.hadolint, "--no-fail", "--format", "json", *files])
    print(f"hadolint  (1 process, {n} files):  min {h_min*1000:8.1f} ms  median {h_med*1000:8.1f} ms  ({h_min/n*1e6:.0f} µs/file)")
    print(f"dgen lint is {h_min/d_min:.0f}x faster (min), {h_med/d_med:.0f}x (median)")
else:
    print("hadolint not found: pass --hadolint PATH")
shutil.rmtree(out)

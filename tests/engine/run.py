#!/usr/bin/env python3
"""End-to-end test of the generated files in a real Docker engine.

    python3 tests/engine/run.py [--example NAME]...

Builds every example under examples/ (those with a dgen.toml and a generated
Dockerfile) on stand-in base images, runs it, and checks from outside the
promises listed in promises.PROMISES. Set DGEN_SKIP_ENGINE=1 to skip the suite.
Exit status: 0 all promises held, 1 a promise broke, 2 no engine could be started.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import engine
import example as examples
import lockfiles
import own_image
import promises
import standins
from engine import Daemon, Docker, EngineUnavailable, log

REPO = Path(__file__).resolve().parents[2]
SKIP_VARIABLE = "DGEN_SKIP_ENGINE"


def default_cache_dir() -> Path:
    if os.environ.get("DGEN_ENGINE_CACHE"):
        return Path(os.environ["DGEN_ENGINE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dgen-engine"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--example", action="append", default=[], metavar="NAME",
                        help="test only this example (repeatable); default: all")
    parser.add_argument("--examples-dir", type=Path, default=REPO / "examples")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(),
                        help="where stand-in image tarballs and lock tools are kept between runs")
    parser.add_argument("--health-timeout", type=float, default=90, help="seconds to wait for `healthy`")
    parser.add_argument("--health-interval", type=float, default=2,
                        help="probe the health check this often (seconds) instead of the image's interval, "
                             "to keep the suite short; the probe command, timeout and retries stay the "
                             "generated ones (0: keep the image's interval)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get(SKIP_VARIABLE) == "1":
        print(f"engine suite SKIPPED: {SKIP_VARIABLE}=1 is set, so no image was built or run.", flush=True)
        return 0
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    _one_run_at_a_time(args.cache_dir)
    try:
        engine.ensure_packages()
        client = engine.pick_client()
        if not client:
            raise EngineUnavailable("no docker client on PATH can build with BuildKit")
    except EngineUnavailable as error:
        return _no_engine(error)
    docker, daemon = Docker(client), Daemon(client)
    log(f"docker client: {client} (BuildKit via DOCKER_BUILDKIT=1)")
    try:
        daemon.start()
        return run_suite(docker, args)
    except EngineUnavailable as error:
        return _no_engine(error)
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        _remove_test_images(docker, daemon)
        daemon.stop()
        log(f"total {time.monotonic() - started:.0f}s")


def run_suite(docker: Docker, args: argparse.Namespace) -> int:
    own = own_image.wanted(args.example)
    only = [name for name in args.example if name != own_image.NAME]
    if own and args.example and not only:
        return _own_image(docker, args)
    found = examples.discover(args.examples_dir, only)
    if not found:
        print(f"engine suite FAILED: no example with a dgen.toml and a generated Dockerfile in {args.examples_dir}")
        return 1
    log(f"examples: {', '.join(e.name for e in found)}")
    stand_ins = standins.StandIns(docker, args.cache_dir)
    tools = lockfiles.Tools(args.cache_dir)
    checks = []
    with tempfile.TemporaryDirectory(prefix="dgen-engine-") as tmp:
        for ex in found:
            check = promises.ExampleCheck(docker, stand_ins, ex, args.health_timeout, args.health_interval)
            check.run(prepare_error=_prepare(ex, Path(tmp), tools, stand_ins))
            checks.append(check)
    report(checks, stand_ins)
    ok = all(o.status != promises.FAIL for c in checks for o in c.outcomes.values())
    if own:
        ok = _own_image(docker, args) == 0 and ok
    return 0 if ok else 1


def _own_image(docker: Docker, args: argparse.Namespace) -> int:
    failures = own_image.check(docker, standins.StandIns(docker, args.cache_dir), REPO)
    for failure in failures:
        print(f"FAIL {own_image.NAME}: {failure}")
    print(f"engine: {own_image.NAME} {'FAILED' if failures else 'passed'}")
    return 1 if failures else 0


def _prepare(ex: examples.Example, tmp: Path, tools: lockfiles.Tools, stand_ins: standins.StandIns) -> str | None:
    """Temp copy, run-time lock files, stand-ins for its base images; an error message if any step failed."""
    try:
        examples.prepare(ex, tmp, tools)
        for note in ex.notes:
            log(f"{ex.name}: {note}")
        for image in ex.base_images():
            stand_ins.ensure(image)
    except Exception as error:  # reported as promise 1 of this example, the others go on
        return f"{type(error).__name__}: {error}"
    return None


# --- the report ---------------------------------------------------------------

def report(checks: list[promises.ExampleCheck], stand_ins: standins.StandIns) -> None:
    print()
    if stand_ins.used:
        print("Stand-in base images were used (no container registry is reachable here):")
        for line in stand_ins.notes():
            print(f"  {line}")
        print()
    failures = [(c.example.name, n, o) for c in checks for n, o in c.outcomes.items() if o.status == promises.FAIL]
    for name, number, outcome in failures:
        first_line, _, rest = outcome.detail.partition("\n")
        print(f"FAIL {name}: promise {number} ({promises.PROMISES[number]}): {first_line}")
        if rest:
            print("    " + rest.replace("\n", "\n    "))
    if failures:
        print()
    print_table(checks)
    interval = checks[0].health_interval if checks else 0
    if interval:
        print(f"(s to healthy: the generated health check, probed every {interval:g} s instead of the "
              f"image's interval; --health-interval 0 keeps the image's)")
    counted = [o.status for c in checks for o in c.outcomes.values()]
    passed, failed = counted.count(promises.PASS), counted.count(promises.FAIL)
    skipped = len(counted) - passed - failed
    print(f"\nengine: {passed} passed, {failed} failed, {skipped} skipped")


def print_table(checks: list[promises.ExampleCheck]) -> None:
    headers = ["example", "cold build s", "warm rebuild s", "image size", "added above base", "s to healthy",
               f"promises 1-{len(promises.PROMISES)}"]
    rows = []
    for check in checks:
        m = check.metrics
        marks = "".join({promises.PASS: "✓", promises.FAIL: "✗", promises.NOT_APPLICABLE: "-"}.get(o.status, "?")
                        for o in check.outcomes.values())
        rows.append([check.example.name, _num(m.cold_s), _num(m.warm_s), _size(m.size), _size(m.added),
                     _num(m.healthy_s), marks])
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) if i == 0 else str(cell).rjust(w) for i, (cell, w) in
                        enumerate(zip(row, widths))))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _size(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f} MB"


# --- plumbing -----------------------------------------------------------------

def _no_engine(error: Exception) -> int:
    print(f"\nengine suite FAILED: no Docker engine could be started: {error}\n"
          f"(set {SKIP_VARIABLE}=1 to skip this suite on a machine without one)", file=sys.stderr, flush=True)
    return 2


def _one_run_at_a_time(cache_dir: Path) -> None:
    """Runs on one machine share the daemon (one run stops the daemon it started): wait for any other run.
    The lock is released when this process exits."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock = open(cache_dir / "run.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another engine run holds the lock; waiting for it to finish")
        fcntl.flock(lock, fcntl.LOCK_EX)
    _HELD.append(lock)


_HELD: list = []  # the lock file stays open (and locked) for the life of the process


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _remove_test_images(docker: Docker, daemon: Daemon) -> None:
    """Remove what the examples left (stand-ins stay, with their tarball cache)."""
    if not daemon.answers():
        return
    for kind, remove in (("ps", ["rm", "-f", "-v"]), ("network", ["network", "rm"]), ("volume", ["volume", "rm", "-f"])):
        listing = ["ps", "-aq"] if kind == "ps" else [kind, "ls", "-q"]
        for prefix in promises.NAME_PREFIXES:
            found = docker.run(*listing, "--filter", f"name={prefix}", check=False).stdout.split()
            if found:
                docker.run(*remove, *found, check=False)
    images = docker.run("images", "-q", "--filter", "reference=dgen-engine-test/*", check=False).stdout.split()
    if images:
        docker.run("rmi", "-f", *sorted(set(images)), check=False)
    if daemon.process:  # our own daemon: also drop dangling layers and the build cache
        docker.run("image", "prune", "-f", check=False)
        docker.run("builder", "prune", "-af", check=False)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""End-to-end test of the generated files in a real Docker engine.

    python3 tests/engine/run.py [--example NAME]... [--corpus NAME]... [--jobs N]

Builds every example under examples/ (those with a dgen.toml and a generated
Dockerfile) on stand-in base images, runs it, and checks from outside the
promises listed in promises.PROMISES; then takes every app of tests/corpus/
through `dgen init --yes` -> render -> compose up -> healthy -> page.
Set DGEN_SKIP_ENGINE=1 to skip the suite.
Exit status: 0 all promises held, 1 a promise broke (or the corpus harness could
not run), 2 no engine could be started. Corpus apps that fail are reported with
their reason and the first-try figure; they fail the run only with --corpus-strict.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import corpus
import buildfeat
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


def default_jobs() -> int:
    """Two at a time: examples that share no base image (see `families`), and corpus apps.
    DGEN_ENGINE_JOBS or `--jobs` overrides."""
    try:
        return max(1, int(os.environ.get("DGEN_ENGINE_JOBS", "2")))
    except ValueError:
        return 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--example", action="append", default=[], metavar="NAME",
                        help="test only this example (repeatable); default: all")
    parser.add_argument("--examples-dir", type=Path, default=REPO / "examples")
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME",
                        help="take only this corpus app through the journey (repeatable); default: all, "
                             "unless --example is given (then none)")
    parser.add_argument("--corpus-dir", type=Path, default=REPO / "tests" / "corpus")
    parser.add_argument("--no-corpus", action="store_true", help="skip the corpus")
    parser.add_argument("--corpus-strict", action="store_true",
                        default=os.environ.get("DGEN_CORPUS_STRICT") == "1",
                        help="a corpus app that fails fails the run (DGEN_CORPUS_STRICT=1)")
    parser.add_argument("--dgen", type=Path, default=os.environ.get("DGEN_BIN"),
                        help="the dgen binary the corpus runs (default: $DGEN_BIN, else `cargo build` here)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="examples, corpus apps and stand-in builds run this many at a time")
    parser.add_argument("--data-root", type=Path,
                        help="start a daemon of our own with this data root (e.g. an empty dir, to time a cold "
                             "run); refused when a daemon already answers")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir(),
                        help="where stand-in image tarballs and lock tools are kept between runs")
    parser.add_argument("--health-timeout", type=float, default=150,
                        help="seconds to wait for `healthy` (generous: other builds may share the machine)")
    parser.add_argument("--health-interval", type=float, default=2,
                        help="probe the health check this often (seconds) instead of the image's interval, "
                             "to keep the suite short; the probe command, timeout and retries stay the "
                             "generated ones (0: keep the image's interval)")
    parser.add_argument("--proof", action="append", default=[], choices=buildfeat.PROOF_NAMES,
                        help="run only this build-feature proof (tests/engine/buildfeat.py; repeatable); "
                             "all of them run after the examples when no --example is given")
    parser.add_argument("--proofs", action="store_true", help="run only the build-feature proofs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get(SKIP_VARIABLE) == "1":
        print(f"engine suite SKIPPED: {SKIP_VARIABLE}=1 is set, so no image was built or run.", flush=True)
        return 0
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    _one_run_at_a_time([default_cache_dir(), args.cache_dir])
    try:
        engine.ensure_packages()
        client = engine.pick_client()
        if not client:
            raise EngineUnavailable("no docker client on PATH can build with BuildKit")
    except EngineUnavailable as error:
        return _no_engine(error)
    docker, daemon = Docker(client), Daemon(client, data_root=args.data_root)
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
    args.example = only
    if args.proofs or args.proof:
        return run_proofs(docker, args, args.proof)
    only_corpus = bool(args.corpus) and not args.example  # `--corpus NAME` alone: no example
    found = [] if only_corpus else examples.discover(args.examples_dir, args.example)
    try:
        apps = _corpus_apps(args)
        dgen = _dgen_binary(args) if apps else None
    except corpus.CorpusError as error:
        print(f"engine suite FAILED: the corpus harness cannot run: {error}", flush=True)
        return 1
    if not found and not apps:
        print(f"engine suite FAILED: no example with a dgen.toml and a generated Dockerfile in {args.examples_dir}")
        return 1
    log(f"examples: {', '.join(e.name for e in found) or 'none'}; corpus: {', '.join(a.name for a in apps) or 'none'}; "
        f"{args.jobs} at a time")
    stand_ins = standins.StandIns(docker, args.cache_dir)
    tools = lockfiles.Tools(args.cache_dir, stand_ins)
    phase = time.monotonic()
    errors = stand_ins.ensure_all(_images_needed(found), max(2, args.jobs))
    for tag, error in errors.items():
        log(f"stand-in {tag}: FAILED: {error.splitlines()[0]}")
    log(f"stand-ins ready in {time.monotonic() - phase:.0f}s")
    with tempfile.TemporaryDirectory(prefix="dgen-engine-") as tmp:
        def one_example(ex: examples.Example) -> promises.ExampleCheck:
            check = promises.ExampleCheck(docker, stand_ins, ex, args.health_timeout, args.health_interval)
            check.run(prepare_error=_prepare(ex, Path(tmp), tools, stand_ins))
            return check

        def one_app(app: corpus.CorpusApp) -> corpus.CorpusResult:
            return corpus.CorpusRun(docker, stand_ins, tools, app, dgen, args.health_timeout,
                                    args.health_interval).run(Path(tmp))

        own_failures: list[str] = []

        def one_family(family: list[examples.Example], with_own: bool = False) -> list[promises.ExampleCheck]:
            if with_own:
                try:
                    own_failures.extend(own_image.check(docker, stand_ins, REPO))
                except Exception as error:  # reported as the own image's failure, the family goes on
                    own_failures.append(f"the harness failed: {error!r}")
            return [one_example(ex) for ex in family]

        grouped = families(found)
        # dgen's own image shares its Rust build image with the Rust examples: it runs first in
        # their family (never beside them, for the reason `families` gives), else on its own.
        own_family = own_image_family(grouped, (REPO / "Dockerfile").read_text()) if own else None
        if own and own_family is None:
            grouped.append([])
            own_family = len(grouped) - 1
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            # The longest chain starts first: the own image's family, when there is one.
            order = sorted(range(len(grouped)), key=lambda i: i != own_family)
            family_futures = [pool.submit(one_family, grouped[i], i == own_family) for i in order]
            app_futures = [pool.submit(one_app, app) for app in apps]
            by_name = {c.example.name: c for f in family_futures for c in f.result()}
            checks = [by_name[ex.name] for ex in found]
            results = [f.result() for f in app_futures]
    report(checks, stand_ins)
    corpus.report(results)
    examples_ok = all(o.status != promises.FAIL for c in checks for o in c.outcomes.values())
    # A blocked app (a backing service this machine cannot offer) is reported, never counted as
    # healthy, and does not fail a strict run: nothing dgen does can unblock it here.
    corpus_ok = all(r.ok or r.blocked for r in results) or not args.corpus_strict
    if results and not all(r.ok or r.blocked for r in results) and not args.corpus_strict:
        print("(corpus failures are reported, not failed on: --corpus-strict or DGEN_CORPUS_STRICT=1 fails on them)")
    status = 0 if examples_ok and corpus_ok else 1
    if own:
        status = max(status, _own_image_report(own_failures))
    if not args.example and not args.corpus:
        status = max(status, run_proofs(docker, args, None))
    return status


def _corpus_apps(args: argparse.Namespace) -> list[corpus.CorpusApp]:
    if args.no_corpus or (args.example and not args.corpus):
        return []
    return corpus.discover(args.corpus_dir, args.corpus)


def _dgen_binary(args: argparse.Namespace) -> Path:
    """The dgen the corpus runs: --dgen/$DGEN_BIN, else this checkout's, built with cargo."""
    if args.dgen:
        if not os.access(args.dgen, os.X_OK):
            raise corpus.CorpusError(f"--dgen {args.dgen} is not an executable")
        return args.dgen.resolve()
    log("building dgen for the corpus (cargo build --bin dgen)")
    built = subprocess.run(["cargo", "build", "--quiet", "--bin", "dgen"], cwd=REPO, capture_output=True, text=True)
    binary = REPO / "target" / "debug" / "dgen"
    if built.returncode != 0 or not binary.is_file():
        raise corpus.CorpusError(f"cargo build --bin dgen failed:\n{built.stderr[-2000:]}")
    return binary


def families(found: list[examples.Example]) -> list[list[examples.Example]]:
    """The examples, in families that share a base image (directly or through another member),
    largest first: a family's members run one after another, families side by side.

    Two `--no-cache` builds that start from the same image each leave a cache record for the
    same base steps (FROM, ENV, WORKDIR); warm rebuilds of the two then interleave and BuildKit
    picks one record or the other, so an example's dependency layer, built under the other
    record, reads as missing (promise 6). Examples that share no base image cannot disturb each
    other that way."""
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, ex in enumerate(found):
        for image in ex.base_images():
            if image in first_with:
                parent[root(i)] = root(first_with[image])
            else:
                first_with[image] = i
    groups: dict[int, list[examples.Example]] = {}
    for i, ex in enumerate(found):
        groups.setdefault(root(i), []).append(ex)
    return sorted(groups.values(), key=len, reverse=True)


def _images_needed(found: list[examples.Example]) -> list[str]:
    """The base images of every example's Dockerfile and the images of its compose services that
    have a stand-in, so that they are made side by side before the examples start."""
    images = []
    for ex in found:
        images += ex.base_images()
        for name in ("compose.yaml", "compose.debug.yaml"):
            path = ex.source / name
            if path.is_file():
                images += [m.strip("'\"") for m in re.findall(r"^\s+image:\s*(\S+)\s*$", path.read_text(), re.M)]
    return [image for image in dict.fromkeys(images) if standins.find_recipe(image)]


def run_proofs(docker: Docker, args: argparse.Namespace, only: list[str] | None) -> int:
    """The build-feature proofs (buildfeat.py): digest pinning, arm64, build secrets, cache mounts."""
    stand_ins = standins.StandIns(docker, args.cache_dir)
    with tempfile.TemporaryDirectory(prefix="dgen-proofs-") as tmp:
        proofs = buildfeat.run_proofs(docker, stand_ins, lockfiles.Tools(args.cache_dir), args.cache_dir,
                                      Path(tmp), only)
    buildfeat.report(proofs)
    return 0 if all(p.status != buildfeat.FAIL for p in proofs) else 1


def own_image_family(grouped: list[list[examples.Example]], dockerfile: str) -> int | None:
    """The index of the family whose members share a base image with dgen's own Dockerfile."""
    own = set(examples.base_images(dockerfile))
    return next((i for i, family in enumerate(grouped)
                 if any(own & set(ex.base_images()) for ex in family)), None)


def _own_image(docker: Docker, args: argparse.Namespace) -> int:
    return _own_image_report(own_image.check(docker, standins.StandIns(docker, args.cache_dir), REPO))


def _own_image_report(failures: list[str]) -> int:
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


def _one_run_at_a_time(cache_dirs: list[Path]) -> None:
    """Runs on one machine share the daemon (one run stops the daemon it started): wait for any other run.
    The lock in the default cache dir is taken by every run, whatever its --cache-dir (so a run with an
    empty cache still waits for the others), then the one in its own cache dir, always in that order.
    The locks are released when this process exits."""
    for cache_dir in dict.fromkeys(path.resolve() for path in cache_dirs):
        cache_dir.mkdir(parents=True, exist_ok=True)
        lock = open(cache_dir / "run.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another engine run holds {cache_dir / 'run.lock'}; waiting for it to finish")
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
    images += docker.run("images", "-q", "--filter", "reference=dgen-engine-test/*/*", check=False).stdout.split()
    if images:
        docker.run("rmi", "-f", *sorted(set(images)), check=False)
    if daemon.process:  # our own daemon: also drop dangling layers and the build cache
        docker.run("image", "prune", "-f", check=False)
        docker.run("builder", "prune", "-af", check=False)


if __name__ == "__main__":
    sys.exit(main())

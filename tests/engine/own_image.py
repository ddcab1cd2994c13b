"""dgen's own image, made by dgen (the repository's dgen.toml): built in the engine like an
example, then `docker run` with a project mounted must exit 0 when its files match its
dgen.toml and 1 when they drifted.

    python3 tests/engine/run.py --example dgen-own-image
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import example as examples
from engine import Docker, log

NAME = "dgen-own-image"
TAG = f"dgen-engine-test/{NAME}:{os.getpid()}"
MOUNTED_EXAMPLE = "flask-pip"


# A cold release build of dgen (every dependency, then dgen) on two shared cores, next to the
# other families' builds.
BUILD_TIMEOUT = 3600


def wanted(only: list[str]) -> bool:
    """Named with --example, or a whole run (unless DGEN_OWN_IMAGE=0). In a whole run it is
    built first in the family of the Rust examples, which share its build image."""
    return NAME in only or (not only and os.environ.get("DGEN_OWN_IMAGE", "1") != "0")


def _version(text: str) -> tuple[int, ...]:
    found = re.search(r"(\d+)\.(\d+)", text)
    return tuple(int(n) for n in found.groups()) if found else (0, 0)


def _build(docker: Docker, repo: Path, dockerfile: str, tmp: Path):
    """Builds the committed Dockerfile. When the stand-in for the Rust build image is older than
    dgen's rust-version (Debian's rustc stands in for the official image), the build stage
    cannot compile dgen: the final stage, as generated, is then built on a build stage that holds
    a binary compiled on this machine, and the log says so."""
    build_image = next(ref for ref in examples.base_images(dockerfile) if ref.startswith("rust:"))
    wanted = _version(re.search(r'^rust-version = "([^"]+)"', (repo / "Cargo.toml").read_text(), re.M).group(1))
    have = docker.run("run", "--rm", "--network", "none", build_image, "rustc", "--version", check=False).stdout
    if _version(have) >= wanted:
        log(f"{NAME}: the stand-in for {build_image} has {have.strip()} (dgen needs "
            f"{'.'.join(map(str, wanted))}): building the committed Dockerfile as it is")
        return docker.build(repo, TAG, timeout=BUILD_TIMEOUT)
    log(f"{NAME}: the stand-in for {build_image} has {have.strip() or 'no rustc'}, older than dgen's "
        f"rust-version {'.'.join(map(str, wanted))}: building the final stage as generated on a binary "
        "compiled on this machine (the real image builds it in its build stage)")
    subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "dgen"], cwd=repo, check=True)
    binary_context = tmp / "binary"
    (binary_context / "out").mkdir(parents=True)
    shutil.copy2(repo / "target" / "release" / "dgen", binary_context / "out" / "dgen")
    (binary_context / "Dockerfile").write_text("FROM scratch\nCOPY out/ /out/\n")
    binary_tag = f"{TAG}-binary"
    made = docker.build(binary_context, binary_tag)
    if not made.ok:
        return made
    final = dockerfile[dockerfile.rindex("\nFROM ") + 1:]
    swapped = tmp / "Dockerfile.final-stage"
    swapped.write_text(f"FROM {binary_tag} AS build\n{final}")
    return docker.build(repo, TAG, dockerfile=swapped, timeout=BUILD_TIMEOUT)


def check(docker: Docker, stand_ins, repo: Path) -> list[str]:
    """The failures (empty when every promise held); logs what it measured."""
    dockerfile = (repo / "Dockerfile").read_text()
    for image in examples.base_images(dockerfile):
        stand_ins.ensure(image)
    with tempfile.TemporaryDirectory(prefix="dgen-own-build-") as tmp:
        build = _build(docker, repo, dockerfile, Path(tmp))
    log(f"{NAME}: build {'ok' if build.ok else 'FAILED'} in {build.seconds:.1f}s")
    if not build.ok:
        return [f"build failed:\n{build.output[-3000:]}"]
    failures = []
    user = docker.out("image", "inspect", "--format", "{{.Config.User}}", TAG)
    if user in ("", "0", "root"):
        failures.append(f"the image runs as root (USER {user!r})")
    size = docker.image_size(TAG)
    log(f"{NAME}: image {size / 1e6:.1f} MB, USER {user}")
    with tempfile.TemporaryDirectory(prefix="dgen-own-image-") as tmp:
        os.chmod(tmp, 0o755)  # the image's user is not root: it must be able to read the mount
        current = Path(tmp) / "current"
        drifted = Path(tmp) / "drifted"
        source = repo / "examples" / MOUNTED_EXAMPLE
        shutil.copytree(source, current, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
        shutil.copytree(source, drifted, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
        for path in (current, drifted):
            for sub in [path, *path.rglob("*")]:
                os.chmod(sub, 0o755 if sub.is_dir() else 0o644)
        text = (drifted / "Dockerfile").read_text()
        lines = [l for l in text.splitlines(keepends=True) if not l.startswith("USER ")]
        if len(lines) == len(text.splitlines()):
            failures.append("could not drift the example: its Dockerfile has no USER line")
        (drifted / "Dockerfile").write_text("".join(lines))
        for project, want in ((current, 0), (drifted, 1)):
            result = docker.run("run", "--rm", "--network", "none", "-v", f"{project}:/work:ro", TAG, check=False)
            shown = (result.stdout + result.stderr).strip()
            log(f"{NAME}: docker run on the {project.name} example: exit {result.returncode}")
            if result.returncode != want:
                failures.append(f"docker run on the {project.name} example exited {result.returncode}, "
                                f"not {want}:\n{shown}")
            elif want == 1 and "(P15)" not in shown:
                failures.append(f"the drifted example's report does not name P15:\n{shown}")
    docker.run("rmi", "-f", TAG, f"{TAG}-binary", check=False)
    return failures

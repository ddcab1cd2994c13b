"""dgen's own image, made by dgen (the repository's dgen.toml): built in the engine like an
example, then `docker run` with a project mounted must exit 0 when its files match its
dgen.toml and 1 when they drifted.

    python3 tests/engine/run.py --example dgen-own-image
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import example as examples
from engine import Docker, log

NAME = "dgen-own-image"
TAG = f"dgen-engine-test/{NAME}:{os.getpid()}"
MOUNTED_EXAMPLE = "flask-pip"


def wanted(only: list[str]) -> bool:
    return not only or NAME in only


def check(docker: Docker, stand_ins, repo: Path) -> list[str]:
    """The failures (empty when every promise held); logs what it measured."""
    dockerfile = (repo / "Dockerfile").read_text()
    for image in examples.base_images(dockerfile):
        stand_ins.ensure(image)
    build = docker.build(repo, TAG)
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
    docker.run("rmi", "-f", TAG, check=False)
    return failures

"""Run-time-only lock files.

Lock files embed registry addresses, so the examples never commit them: the
suite creates them in the temp copy, against the index this machine uses, with
the same tool version the generated Dockerfile pins.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import machine
from engine import log

SOURCE_NAME = "machine-index"


class Tools:
    """Package tools installed into venvs under the cache dir, one venv per tool version."""

    def __init__(self, cache_dir: Path, stand_ins=None):
        self.dir = cache_dir / "tools"
        self._lock = threading.RLock()  # examples are prepared side by side: one installs, the others wait
        # standins.StandIns, for lock files made inside a build image (Ruby's `bundle lock`); None: no engine.
        self.stand_ins = stand_ins

    def executable(self, tool: str, version: str | None) -> Path:
        with self._lock:
            return self._executable(tool, version)

    def _executable(self, tool: str, version: str | None) -> Path:
        venv = self.dir / f"{tool}-{version or 'latest'}"
        exe = venv / "bin" / tool
        if not exe.exists():
            log(f"installing {tool} {version or '(latest)'} into {venv}")
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            spec = f"{tool}=={version}" if version else tool
            _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", spec], venv.parent)
        return exe

    def npm_executable(self, package: str, version: str, overrides: dict[str, str] | None = None) -> Path:
        """An npm package's program (pnpm, yarn, verdaccio), installed with this machine's npm under the
        cache dir. `overrides`: npm's `overrides` for the install (a dependency the registry cannot resolve)."""
        with self._lock:
            return self._npm_executable(package, version, overrides or {})

    def _npm_executable(self, package: str, version: str, overrides: dict[str, str]) -> Path:
        prefix = self.dir / f"npm-{package}-{version}"
        exe = prefix / "node_modules" / ".bin" / package
        if not exe.exists():
            log(f"installing {package}@{version} into {prefix}")
            prefix.mkdir(parents=True, exist_ok=True)
            if overrides:
                (prefix / "package.json").write_text(json.dumps({"private": True, "overrides": overrides}))
            _run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", f"{package}@{version}"],
                 prefix)
        return exe


NODE_LOCK_FILES = {"npm": "package-lock.json", "yarn": "yarn.lock", "pnpm": "pnpm-lock.yaml"}


def pinned_version(dockerfile: str, tool: str) -> str | None:
    match = re.search(rf"\b{tool}==([A-Za-z0-9_.+!-]+)", dockerfile)
    return match[1] if match else None


def create(project: Path, manifest: dict, dockerfile: str, tools: Tools) -> list[str]:
    manager = manifest.get("python", {}).get("package_manager")
    if manager == "uv" and not (project / "uv.lock").exists():
        return [_uv_lock(project, dockerfile, tools)]
    if manager == "poetry" and not (project / "poetry.lock").exists():
        return [_poetry_lock(project, dockerfile, tools)]
    # Node.js: the node stack, or a static site with a Node.js build.
    node = manifest.get("node", {}) if manifest.get("stack") == "node" else manifest.get("static", {})
    if manifest.get("stack") == "node" or (manifest.get("stack") == "static" and node.get("build")):
        manager = node.get("package_manager", "npm")
        if not (project / NODE_LOCK_FILES[manager]).exists():
            return [_node_lock(project, manager, dockerfile, tools)]
    # Ruby: `bundle lock` in the image the Dockerfile builds the gems in, as a user runs it.
    if manifest.get("stack") == "ruby" and not (project / "Gemfile.lock").exists():
        return [_bundle_lock(project, dockerfile, tools)]
    # Rust: a Cargo.lock with registry packages names the registry, so it is made here (std-only
    # examples may commit theirs).
    if manifest.get("stack") == "rust" and not (project / "Cargo.lock").exists():
        _run(["cargo", "generate-lockfile"], project)
        return ["created Cargo.lock at run time (this machine's cargo and registry; resolved for the "
                "package's rust-version)"]
    return []


def _node_lock(project: Path, manager: str, dockerfile: str, tools: Tools) -> str:
    """The lock file, resolved against the registry this machine's npm is configured with."""
    quiet = ["--ignore-scripts"]
    if manager == "npm":
        _run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund", *quiet], project)
        return "created package-lock.json at run time (this machine's npm and registry)"
    berry = re.search(r"corepack install --global yarn@([0-9][A-Za-z0-9_.+-]*)", dockerfile)
    if manager == "yarn" and berry:
        return _berry_lock(project, berry[1], tools)
    match = re.search(rf"\b{manager}@([0-9][A-Za-z0-9_.+-]*)", dockerfile)
    if not match:
        raise RuntimeError(f"the Dockerfile pins no {manager} version (`npm install --global {manager}@X`)")
    exe = tools.npm_executable(manager, match[1])
    registry = machine.npm_settings("").get("registry")
    if manager == "pnpm":
        _run([str(exe), "install", "--lockfile-only", *quiet], project)
    else:  # yarn 1 has no lock-only mode: install into a throwaway folder outside the project
        modules = tools.dir / "yarn-modules-scratch"
        _run([str(exe), "install", "--non-interactive", "--no-progress", "--modules-folder", str(modules),
              *quiet, *(["--registry", registry] if registry else [])], project)
        shutil.rmtree(modules, ignore_errors=True)
    return f"created {NODE_LOCK_FILES[manager]} at run time ({manager} {match[1]}, this machine's registry)"


FIRST_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.I | re.M)


def _bundle_lock(project: Path, dockerfile: str, tools: Tools) -> str:
    """Gemfile.lock made by `bundle lock` in the Dockerfile's first (build) stage image, with no network:
    the Ruby stand-ins carry their gems locally. Its PLATFORMS is the image's Linux platform (e.g.
    x86_64-linux), which deployment mode needs; no `ruby` platform is added, since the stand-in's native
    gems exist only as platform gems."""
    match = FIRST_FROM.search(dockerfile)
    if not match:
        raise RuntimeError("the Dockerfile has no FROM line to run `bundle lock` in")
    if tools.stand_ins is None:
        raise RuntimeError("Gemfile.lock is made with `bundle lock` in the build image: no engine was given")
    image = match[1].split("@", 1)[0]
    tools.stand_ins.ensure(image)
    result = tools.stand_ins.docker.run("run", "--rm", "--network", "none", "-v", f"{project}:/app", "-w", "/app",
                                        image, "bundle", "lock", check=False)
    if result.returncode != 0 or not (project / "Gemfile.lock").is_file():
        raise RuntimeError(f"bundle lock in {image} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    lock = (project / "Gemfile.lock").read_text()
    platforms = re.search(r"^PLATFORMS\n((?:  .+\n)+)", lock, re.M)
    named = ", ".join(platforms[1].split()) if platforms else "none"
    return f"created Gemfile.lock at run time (`bundle lock` in {image}, no network; platforms: {named})"


def _berry_lock(project: Path, version: str, tools: Tools) -> str:
    """Yarn 2+: corepack runs the Yarn package.json pins, fetched from this machine's npm registry;
    `--mode=update-lockfile` resolves without linking (nothing is installed into the copy). A Berry
    lock file names no registry, so the one here fits any engine."""
    corepack = tools.npm_executable("corepack", "0.34.6")
    registry = machine.npm_settings("").get("registry", "").rstrip("/")  # corepack appends "/<name>"
    scratch = tools.dir / "yarn-berry-scratch"
    env = {"COREPACK_HOME": str(tools.dir / "corepack"), "COREPACK_ENABLE_DOWNLOAD_PROMPT": "0",
           "YARN_ENABLE_GLOBAL_CACHE": "false", "YARN_CACHE_FOLDER": str(scratch / "cache"),
           "YARN_INSTALL_STATE_PATH": str(scratch / "install-state.gz"), "YARN_ENABLE_TELEMETRY": "0"}
    if registry:
        env |= {"COREPACK_NPM_REGISTRY": registry, "YARN_NPM_REGISTRY_SERVER": registry}
    _run([str(corepack), "yarn", "install", "--mode=update-lockfile"], project, env=env)
    shutil.rmtree(scratch, ignore_errors=True)
    return f"created yarn.lock at run time (Yarn {version} through corepack, this machine's registry)"


def _uv_lock(project: Path, dockerfile: str, tools: Tools) -> str:
    version = pinned_version(dockerfile, "uv")
    uv = tools.executable("uv", version)
    _run([str(uv), "lock"], project, env=machine.uv_env())
    return f"created uv.lock at run time (uv {version or 'latest'}, the machine's index)"


def _poetry_env(tools: Tools) -> dict[str, str]:
    return {"POETRY_VIRTUALENVS_CREATE": "false", "POETRY_CACHE_DIR": str(tools.dir / "poetry-cache"),
            "POETRY_NO_INTERACTION": "1"}


def _poetry_lock(project: Path, dockerfile: str, tools: Tools) -> str:
    version = pinned_version(dockerfile, "poetry")
    poetry = tools.executable("poetry", version)
    env = _poetry_env(tools)
    index = machine.simple_index_url()
    _run([str(poetry), "source", "add", "--priority=primary", SOURCE_NAME, index], project, env=env)
    _run([str(poetry), "lock"], project, env=env)
    return (f"created poetry.lock at run time (poetry {version or 'latest'}), resolving against the machine's "
            f"simple index added to the temp copy's pyproject.toml as primary source {SOURCE_NAME!r}")


def add_dependency(project: Path, manager: str, dockerfile: str, tools: Tools, requirement: str) -> None:
    """Add one dependency the way a team does with its package manager, lock file included:
    a line in requirements.txt (pip), `uv add` (uv), `poetry add --lock` (poetry); the tool version
    is the one the Dockerfile pins, the index the machine's (as for the lock file made at run time)."""
    if manager == "pip":
        path = project / "requirements.txt"
        path.write_text(path.read_text().rstrip("\n") + f"\n{requirement}\n")
    elif manager == "uv":
        uv = tools.executable("uv", pinned_version(dockerfile, "uv"))
        _run([str(uv), "add", "--no-sync", requirement], project, env=machine.uv_env())
    elif manager == "poetry":
        poetry = tools.executable("poetry", pinned_version(dockerfile, "poetry"))
        _run([str(poetry), "add", "--lock", requirement], project, env=_poetry_env(tools))
    else:
        raise ValueError(f"no way to add a dependency with {manager!r}")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

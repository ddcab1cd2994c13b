"""The Docker engine: install it, start a daemon when none answers, stop what we started.

Also a thin wrapper around the docker CLI that always builds with BuildKit.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DEBIAN_PACKAGES = ["docker.io", "docker-compose", "debootstrap"]
SOCKET = Path("/var/run/docker.sock")
DAEMON_START_TIMEOUT = 60
DAEMON_STOP_TIMEOUT = 30
BUILD_TIMEOUT = 1800  # a cold build on a loaded 2-core machine; only a hang exceeds it
BUILDX_LESS_CLIENT_MAX_MAJOR = 22  # from 23 on, the CLI needs the buildx plugin for BuildKit


class EngineUnavailable(RuntimeError):
    """No Docker engine could be installed or started."""


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[engine {time.monotonic() - STARTED:5.0f}s] {message}", flush=True)


# --- installation -----------------------------------------------------------

def _apt_get(*args: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], env=env, stdout=subprocess.DEVNULL).returncode == 0


def ensure_packages() -> None:
    """Install Debian's docker.io, docker-compose and debootstrap if any tool is missing."""
    if all(shutil.which(tool) for tool in ("dockerd", "docker-compose", "debootstrap")) and pick_client():
        return
    if os.geteuid() != 0:
        raise EngineUnavailable("docker.io/docker-compose/debootstrap are missing and we are not root to install them")
    log(f"installing {' '.join(DEBIAN_PACKAGES)} with apt-get")
    if not _apt_get("install", "-y", "-q", *DEBIAN_PACKAGES):
        if not (_apt_get("update", "-q") and _apt_get("install", "-y", "-q", *DEBIAN_PACKAGES)):
            raise EngineUnavailable(f"apt-get could not install {' '.join(DEBIAN_PACKAGES)}")


def _client_supports_buildkit(client: str) -> bool:
    version = subprocess.run([client, "version", "--format", "{{.Client.Version}}"],
                             capture_output=True, text=True).stdout.strip()
    match = re.match(r"(\d+)\.", version)
    if not match:
        return False
    if int(match[1]) <= BUILDX_LESS_CLIENT_MAX_MAJOR:
        return True  # its built-in BuildKit client works with DOCKER_BUILDKIT=1
    return subprocess.run([client, "buildx", "version"], capture_output=True).returncode == 0


def pick_client() -> str | None:
    """The first `docker` on PATH that can drive BuildKit (a modern CLI needs buildx; an old one has it built in)."""
    seen = set()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory or ".") / "docker"
        real = candidate.resolve() if candidate.exists() else None
        if real is None or real in seen or not os.access(candidate, os.X_OK):
            continue
        seen.add(real)
        if _client_supports_buildkit(str(candidate)):
            return str(candidate)
    return None


# --- daemon -------------------------------------------------------------------

class Daemon:
    """A dockerd this suite started (or None's worth of work when one already answers)."""

    def __init__(self, client: str, data_root: Path | None = None):
        self.client = client
        self.data_root = data_root  # start our own daemon with this data root (refused when one answers)
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def answers(self) -> bool:
        return subprocess.run([self.client, "info"], capture_output=True).returncode == 0

    def start(self) -> None:
        if self.answers():
            if self.data_root:
                raise EngineUnavailable(f"a Docker daemon already answers, so none can be started with the data "
                                        f"root {self.data_root}")
            log("a Docker daemon already answers; using it (it will be left running)")
            return
        dockerd = shutil.which("dockerd")
        if not dockerd:
            raise EngineUnavailable("dockerd is not installed")
        log_file = tempfile.NamedTemporaryFile(prefix="dgen-dockerd-", suffix=".log", delete=False)
        self.log_path = Path(log_file.name)
        log(f"starting dockerd in the background (log: {self.log_path})")
        command = [dockerd]
        if self.data_root:
            self.data_root.mkdir(parents=True, exist_ok=True)
            command += ["--data-root", str(self.data_root)]
            log(f"dockerd data root: {self.data_root}")
        self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + DAEMON_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineUnavailable(f"dockerd exited with {self.process.returncode}:\n{self.log_tail()}")
            if SOCKET.exists() and self.answers():
                log(f"dockerd is up (pid {self.process.pid})")
                return
            time.sleep(0.5)
        self.stop()
        raise EngineUnavailable(f"dockerd did not answer within {DAEMON_START_TIMEOUT}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the daemon we started (its process group: dockerd and its containerd)."""
        if self.process and self.process.poll() is None:
            self._terminate()
        if self.log_path:
            self.log_path.unlink(missing_ok=True)

    def _terminate(self) -> None:
        log(f"stopping dockerd (pid {self.process.pid})")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(DAEMON_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log("dockerd did not stop in time; killing its process group")
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        try:  # a containerd it spawned lives in the same group; it ends with dockerd, but make sure
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- the CLI ------------------------------------------------------------------

@dataclass
class Build:
    ok: bool
    seconds: float
    output: str

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


class Docker:
    """The docker CLI, with BuildKit switched on for every build."""

    def __init__(self, client: str):
        self.client = client
        client_dir = str(Path(client).parent)
        self.env = {**os.environ, "DOCKER_BUILDKIT": "1",
                    "PATH": os.pathsep.join([client_dir, os.environ.get("PATH", "")])}

    def run(self, *args: str, check: bool = True, timeout: float | None = None,
            stdin=None) -> subprocess.CompletedProcess:
        result = subprocess.run([self.client, *args], capture_output=True, text=True, env=self.env,
                                timeout=timeout, stdin=stdin)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed:\n{result.stderr.strip()}")
        return result

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.strip()

    def build(self, context: Path, tag: str, *, no_cache: bool = False, dockerfile: Path | None = None,
              labels: dict[str, str] | None = None, target: str | None = None,
              timeout: float | None = BUILD_TIMEOUT) -> Build:
        args = ["build", "--network", "host", "--progress", "plain", "-t", tag]
        if no_cache:
            args.append("--no-cache")
        if target:
            args += ["--target", target]
        if dockerfile:
            args += ["-f", str(dockerfile)]
        for key, value in (labels or {}).items():
            args += ["--label", f"{key}={value}"]
        start = time.monotonic()
        try:
            result = subprocess.run([self.client, *args, str(context)], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, env=self.env, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            output = expired.output.decode(errors="replace") if isinstance(expired.output, bytes) else expired.output
            return Build(False, time.monotonic() - start, f"{output or ''}\nbuild timed out after {timeout:.0f}s")
        seconds = time.monotonic() - start
        if result.returncode == 0 and not re.search(r"^#\d+ ", result.stdout, re.M):
            raise EngineUnavailable("docker build did not use BuildKit (no BuildKit progress in its output)")
        return Build(result.returncode == 0, seconds, result.stdout)

    def image_exists(self, ref: str) -> bool:
        return self.run("image", "inspect", ref, check=False).returncode == 0

    def image_label(self, ref: str, label: str) -> str | None:
        result = self.run("image", "inspect", "--format", f'{{{{ index .Config.Labels "{label}" }}}}', ref,
                          check=False)
        value = result.stdout.strip()
        return value if result.returncode == 0 and value not in ("", "<no value>") else None

    def image_size(self, ref: str) -> int:
        return int(self.out("image", "inspect", "--format", "{{.Size}}", ref))

    def remove_container(self, name: str) -> None:
        self.run("rm", "-f", "-v", name, check=False)

"""The corpus: apps as a new user brings them (sources only), taken through the whole journey.

    tests/corpus/<app>/            the app's sources, no dgen.toml, no Dockerfile
    tests/corpus/<app>/corpus.toml what the harness needs to know (see CorpusSpec)

Each app is copied to a temp dir, then `dgen init --yes` -> `dgen render` -> a BuildKit build of
the Dockerfile compose names -> `docker-compose up` of every service (backing services on their
stand-ins) -> every service healthy -> the app's process is not root -> the page answers with the
expected status -> `down -v` leaves nothing. No file is edited by hand on the way: the only
changes are the ones the rest of the suite also makes (a `# syntax=` line or digest dropped,
run-time lock files, host ports left to the engine, `.env` from `.env.example` with throwaway
values, and the health check probed more often).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import example as examples
import lockfiles
import promises
import standins
from engine import Docker, log

SPEC_FILE = "corpus.toml"
SPEC_KEYS = {"description", "page", "status", "contains", "shape", "env"}
DGEN_TIMEOUT = 120
BUILD_TIMEOUT = 1200

STAGES = ("init", "render", "prepare", "build", "up", "healthy", "non-root", "page", "down")


class CorpusError(Exception):
    """The corpus itself is unusable (a harness error, not an app's failure)."""


@dataclass
class CorpusSpec:
    page: str = "/"  # the real page that must answer
    status: int = 200  # with this status
    contains: str | None = None  # and, when set, a body containing this text
    shape: str = ""  # what popular example the app is shaped after (for the report)
    description: str = ""
    env: dict[str, str] = field(default_factory=dict)  # values a user would put in .env (no secrets)

    @classmethod
    def load(cls, path: Path) -> CorpusSpec:
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise CorpusError(f"{path}: {error}") from error
        unknown = set(data) - SPEC_KEYS
        if unknown:
            raise CorpusError(f"{path}: unknown keys {sorted(unknown)} (known: {sorted(SPEC_KEYS)})")
        page = data.get("page", "/")
        if not isinstance(page, str) or not page.startswith("/"):
            raise CorpusError(f"{path}: `page` must be a path starting with /")
        status = data.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise CorpusError(f"{path}: `status` must be an HTTP status code")
        env = data.get("env", {})
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()) or \
                not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) for k in env):
            raise CorpusError(f"{path}: `env` must be a table of NAME = \"value\" strings")
        return cls(page, status, data.get("contains"), data.get("shape", ""), data.get("description", ""), env)


@dataclass
class CorpusApp:
    name: str
    source: Path
    spec: CorpusSpec


def discover(corpus_dir: Path, only: list[str]) -> list[CorpusApp]:
    """Every app folder with a corpus.toml; an app folder without one is a harness error."""
    apps = []
    if not corpus_dir.is_dir():
        if only:
            raise CorpusError(f"no corpus directory {corpus_dir}")
        return apps
    for path in sorted(p for p in corpus_dir.iterdir() if p.is_dir()):
        if only and path.name not in only:
            continue
        spec_path = path / SPEC_FILE
        if not spec_path.is_file():
            raise CorpusError(f"corpus app {path.name} has no {SPEC_FILE}")
        for generated in ("dgen.toml", "Dockerfile", "compose.yaml"):
            if (path / generated).exists():
                raise CorpusError(f"corpus app {path.name} holds {generated}: the corpus holds sources only")
        apps.append(CorpusApp(path.name, path, CorpusSpec.load(spec_path)))
    missing = set(only) - {a.name for a in apps}
    if missing:
        raise CorpusError(f"no corpus app named {', '.join(sorted(missing))} in {corpus_dir}")
    return apps


@dataclass
class CorpusResult:
    app: CorpusApp
    stage: str = ""  # the stage that failed; "" when every stage passed
    reason: str = ""
    detail: str = ""
    seconds: float = 0
    healthy_s: float | None = None
    uid: int | None = None
    status: int | None = None
    init_summary: str = ""
    blocked: bool = False  # stopped by the machine (see UNAVAILABLE), neither a pass nor dgen's failure

    @property
    def ok(self) -> bool:
        return not self.stage


class StageFailed(Exception):
    def __init__(self, stage: str, reason: str, detail: str = ""):
        super().__init__(reason)
        self.stage, self.reason, self.detail = stage, reason, detail


class StageBlocked(StageFailed):
    """The journey cannot go on on this machine for a reason outside dgen and the app (a backing
    service whose server cannot be installed here): reported as blocked, never as a pass."""


# Backing-service image families no stand-in can offer here, and why. An app that needs one goes
# through init, render and the build, and is then reported blocked with this reason.
UNAVAILABLE = {
    "mongo": "no MongoDB server can be installed on this machine: Debian ships none, and the npm and "
             "PyPI packages that provide `mongod` download it from MongoDB's servers, which are out of reach",
}


def unavailable(image: str) -> str | None:
    """Why no stand-in can be made for `image` (e.g. `mongo:8`), or None."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return UNAVAILABLE.get(name)


class CorpusRun:
    """One app's journey; never raises: the result says where and why it stopped."""

    def __init__(self, docker: Docker, stand_ins: standins.StandIns, tools: lockfiles.Tools, app: CorpusApp,
                 dgen: Path, health_timeout: float, health_interval: float):
        self.docker, self.stand_ins, self.tools, self.app = docker, stand_ins, tools, app
        self.dgen, self.health_timeout, self.health_interval = dgen, health_timeout, health_interval
        self.result = CorpusResult(app)
        self.one_shot: list[str] = []  # services run from the app's own image (`migrate`)
        self.project = promises.NAME_PREFIXES[1] + "corpus" + re.sub(r"[^a-z0-9]", "", app.name.lower())
        self.tag = f"dgen-engine-test/corpus-{app.name.lower()}:latest"

    def run(self, tmp: Path) -> CorpusResult:
        started = time.monotonic()
        compose = None
        try:
            directory = self._copy(tmp)
            self._lock_files(directory)
            self._dgen(directory, "init", "--yes")
            self._dgen(directory, "render")
            ex = self._prepare(directory)
            compose = promises.Compose(self.docker, self.project, directory,
                                       [directory / "compose.yaml", directory / "compose.engine-test.yaml"])
            services, blocked = self._services(compose, ex)
            self._build(ex, compose)
            if blocked:
                raise StageBlocked("up", blocked)
            self._up(compose)
            self._healthy(compose, ex, services)
            self._non_root(compose, ex)
            self._page(compose, ex)
        except StageFailed as failed:
            self.result.stage, self.result.reason, self.result.detail = failed.stage, failed.reason, failed.detail
            self.result.blocked = isinstance(failed, StageBlocked)
        except Exception as error:  # the harness hit something unexpected: report it as this app's failure
            self.result.stage = self.result.stage or "harness"
            self.result.reason = f"{type(error).__name__}: {error}"
        finally:
            if compose is not None:
                leftovers = compose.down()
                if leftovers and self.result.ok:
                    self.result.stage, self.result.reason = "down", f"`down -v` left: {', '.join(leftovers)}"
            self.docker.run("image", "rm", "-f", self.tag, check=False)
        self.result.seconds = time.monotonic() - started
        log(f"corpus {self.app.name}: " + ("healthy, non-root, page answered" if self.result.ok else
                                          f"{'BLOCKED' if self.result.blocked else 'FAILED'} at "
                                          f"{self.result.stage}: {self.result.reason}"))
        return self.result

    # -- the stages --

    def _copy(self, tmp: Path) -> Path:
        directory = tmp / f"corpus-{self.app.name}"
        shutil.copytree(self.app.source, directory, symlinks=True, ignore=shutil.ignore_patterns(SPEC_FILE))
        return directory

    def _lock_files(self, directory: Path) -> None:
        """A real project commits its lock file; lock files name a registry, so the corpus holds none and
        it is made here, before init (which reads it), with this machine's npm and registry."""
        if (directory / "package.json").is_file() and not any(
                (directory / name).exists() for name in lockfiles.NODE_LOCK_FILES.values()):
            try:
                lockfiles._run(["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit",
                                "--no-fund"], directory)
            except RuntimeError as error:
                raise StageFailed("prepare", f"npm could not make package-lock.json: {str(error)[:300]}")

    def _dgen(self, directory: Path, *args: str) -> None:
        stage = args[0]
        try:
            done = subprocess.run([str(self.dgen), *args], cwd=directory, capture_output=True, text=True,
                                  timeout=DGEN_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise StageFailed(stage, f"`dgen {' '.join(args)}` did not finish within {DGEN_TIMEOUT}s")
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            raise StageFailed(stage, f"`dgen {' '.join(args)}` exited {done.returncode}: "
                                     f"{_first_error(output)}", output[-2000:])
        if stage == "init":
            manifest = directory / "dgen.toml"
            if not manifest.is_file():
                raise StageFailed(stage, "`dgen init --yes` exited 0 but wrote no dgen.toml", output[-2000:])
            self.result.init_summary = init_summary(manifest.read_text())

    def _prepare(self, directory: Path) -> examples.Example:
        import tomllib as toml
        try:
            manifest = toml.loads((directory / "dgen.toml").read_text())
        except toml.TOMLDecodeError as error:
            raise StageFailed("render", f"dgen.toml does not parse: {error}")
        for generated in ("Dockerfile", "compose.yaml"):
            if not (directory / generated).is_file():
                raise StageFailed("render", f"`dgen render` wrote no {generated}")
        ex = examples.Example(f"corpus-{self.app.name}", directory, manifest, dir=directory)
        try:
            examples.adapt(ex, self.tools)
        except Exception as error:
            raise StageFailed("prepare", f"{type(error).__name__}: {error}")
        env_file = directory / ".env"
        lines = env_file.read_text().splitlines() if env_file.exists() else []
        for key, value in self.app.spec.env.items():
            lines = [line for line in lines if not line.startswith(f"{key}=")] + [f"{key}={value}"]
        env_file.write_text("".join(line + "\n" for line in lines))
        return ex

    def _services(self, compose: promises.Compose, ex: examples.Example) -> tuple[list[str], str]:
        """The services compose names, and why the app cannot be brought up here ("" when it can)."""
        override = f'services:\n  {ex.service}:\n    image: "{self.tag}"\n' + self._health_override()
        (compose.directory / "compose.engine-test.yaml").write_text(override)
        try:
            services = compose.services()
            # Services built from the app's own Dockerfile (the one-shot `migrate` of [app]
            # release) run the image under test too, as they would after `docker compose build`.
            config = compose.run("config").stdout
            own = build_context(config, ex.service, compose.directory)
            self.one_shot = [name for name, image in services.items() if name != ex.service and not image
                             and build_context(config, name, compose.directory) == own]
            if self.one_shot:
                override += "".join(f'  {name}:\n    image: "{self.tag}"\n' for name in self.one_shot)
                (compose.directory / "compose.engine-test.yaml").write_text(override)
                services = compose.services()
        except promises.Broken as broken:
            raise StageFailed("up", "compose.yaml is rejected by docker-compose", str(broken))
        if ex.service not in services:
            raise StageFailed("up", f"compose.yaml has no service named {ex.service!r}")
        blocked = []
        for name, image in services.items():
            if name == ex.service or name in self.one_shot:
                continue
            if not image:
                raise StageFailed("up", f"backing service {name} has no image")
            if not standins.find_recipe(image):
                if why := unavailable(image):
                    blocked.append(f"backing service {name} ({image}): {why}")
                    continue
                raise StageFailed("up", f"backing service {name} ({image}) has no stand-in here "
                                        f"(known: {standins.families()})")
        return list(services), "; ".join(blocked)

    def _build(self, ex: examples.Example, compose: promises.Compose) -> None:
        context, dockerfile = build_context(compose.run("config").stdout, ex.service, compose.directory)
        try:
            for image in examples.base_images(dockerfile.read_text()):
                self.stand_ins.ensure(image)
            for image in compose.services().values():
                if image and image != self.tag and not unavailable(image):
                    self.stand_ins.ensure(image)
        except Exception as error:
            raise StageFailed("build", f"a stand-in image could not be made: {error}")
        build = self.docker.build(context, self.tag, dockerfile=dockerfile, timeout=BUILD_TIMEOUT)
        if not build.ok:
            raise StageFailed("build", f"docker build failed after {build.seconds:.0f}s: {_first_error(build.output)}",
                              build.tail())

    def _up(self, compose: promises.Compose) -> None:
        self._started = time.monotonic()
        try:
            compose.up([])
        except promises.Broken as broken:
            raise StageFailed("up", "docker-compose up failed", str(broken))

    def _healthy(self, compose: promises.Compose, ex: examples.Example, services: list[str]) -> None:
        for name in self.one_shot:
            try:
                promises.wait_completed(self.docker, compose.container_any(name), self.health_timeout,
                                        self._started)
            except promises.Broken as broken:
                raise StageFailed("healthy", f"one-shot service {name}: {str(broken).splitlines()[0]}",
                                  str(broken))
        for name in [ex.service, *[s for s in services if s != ex.service and s not in self.one_shot]]:
            try:
                container = compose.container(name)
                seconds = promises.wait_healthy(self.docker, container, self.health_timeout, self._started,
                                                allow_no_healthcheck=name != ex.service)
            except promises.Broken as broken:
                # The app's own log too: an unhealthy app usually says why it did not start.
                logs = self.docker.run("logs", "--tail", "15", compose.container(name), check=False)
                extra = f"\n{logs.stdout}{logs.stderr}" if "exited with code" not in str(broken) else ""
                raise StageFailed("healthy", f"service {name}: {str(broken).splitlines()[0]}", str(broken) + extra)
            if name == ex.service:
                self.result.healthy_s = seconds

    def _non_root(self, compose: promises.Compose, ex: examples.Example) -> None:
        real, effective = main_process_uids(self.docker, compose.container(ex.service))
        self.result.uid = effective
        if 0 in (real, effective):
            raise StageFailed("non-root", f"the app's main process runs as UID {real} (effective {effective})")

    def _page(self, compose: promises.Compose, ex: examples.Example) -> None:
        if not ex.ports:
            raise StageFailed("page", "the manifest declares no port, so the page cannot be reached")
        container = compose.container(ex.service)
        host_port = promises.published_port(self.docker, container, ex.ports[0])
        url = f"http://127.0.0.1:{host_port}{self.app.spec.page}"
        status, body = promises.http_get(url, promises.HTTP_ATTEMPTS_SECONDS)
        self.result.status = status
        if status != self.app.spec.status:
            raise StageFailed("page", f"GET {self.app.spec.page} answered {status}, expected {self.app.spec.status}",
                              body[:500])
        if self.app.spec.contains and self.app.spec.contains not in body:
            raise StageFailed("page", f"GET {self.app.spec.page} answered {status} without "
                                      f"{self.app.spec.contains!r}", body[:500])

    def _health_override(self) -> str:
        return f"    healthcheck:\n      interval: {self.health_interval:g}s\n" if self.health_interval else ""


# --- helpers ------------------------------------------------------------------

def build_context(config: str, service: str, directory: Path) -> tuple[Path, Path]:
    """The build context and Dockerfile compose uses for `service` (from `docker-compose config`)."""
    context, dockerfile, in_service, in_build = None, "Dockerfile", False, False
    for line in config.splitlines():
        if re.match(r"^  \S", line):
            in_service = line.strip().rstrip(":").strip("'\"") == service
            in_build = False
        elif in_service and re.match(r"^    build:\s*$", line):
            in_build = True
        elif in_service and re.match(r"^    \S", line):
            in_build = False
        elif in_service and in_build and (m := re.match(r"^      (context|dockerfile):\s*(.+?)\s*$", line)):
            if m[1] == "context":
                context = m[2].strip("'\"")
            else:
                dockerfile = m[2].strip("'\"")
    root = (directory / context).resolve() if context else directory
    return root, (root / dockerfile).resolve()


def main_process_uids(docker: Docker, container: str) -> tuple[int, int]:
    import json
    state = json.loads(docker.out("inspect", "--format", "{{json .State}}", container))
    if not state.get("Running"):
        raise StageFailed("non-root", "the app's container is not running")
    status = Path(f"/proc/{state['Pid']}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    real, effective = (int(v) for v in fields["Uid"].split()[:2])
    return real, effective


def init_summary(manifest: str) -> str:
    """What init decided, in one line: stack, command, ports, services (from the manifest's keys)."""
    data = tomllib.loads(manifest)
    app = data.get("app", {})
    parts = [f"stack {data.get('stack', '?')}"]
    if app.get("command"):
        parts.append(f"command {app['command']}")
    if app.get("ports"):
        parts.append(f"ports {app['ports']}")
    services = [name for name in ("postgres", "redis", "mysql", "mariadb", "mongo", "mongodb")
                if data.get("compose", {}).get(name) or data.get("services", {}).get(name)]
    if services:
        parts.append(f"services {', '.join(services)}")
    return "; ".join(parts)


def _first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if re.search(r"\berror\b|ERROR|failed|not found|No such", line):
            return line[-300:]
    return lines[-1][-300:] if lines else "no output"


def report(results: list[CorpusResult]) -> None:
    if not results:
        return
    print("\nCorpus (tests/corpus: init --yes -> render -> compose up -> healthy -> non-root -> page):")
    width = max(len(r.app.name) for r in results)
    for r in results:
        if r.ok:
            print(f"  {r.app.name.ljust(width)}  ok      healthy after {r.healthy_s or 0:.1f}s, UID {r.uid}, "
                  f"GET {r.app.spec.page} -> {r.status}  ({r.seconds:.0f}s)")
        elif r.blocked:
            print(f"  {r.app.name.ljust(width)}  BLOCKED at {r.stage} (init, render and build passed): "
                  f"{r.reason}  ({r.seconds:.0f}s)")
        else:
            print(f"  {r.app.name.ljust(width)}  FAILED  at {r.stage}: {r.reason}  ({r.seconds:.0f}s)")
            for line in r.detail.strip().splitlines()[-15:]:
                print(f"  {''.ljust(width)}          | {line[:200]}")
        if r.init_summary:
            print(f"  {''.ljust(width)}          init: {r.init_summary}")
    print("\n" + figure(results))


def figure(results: list[CorpusResult]) -> str:
    """The first-try figure: blocked apps are counted apart, never as healthy."""
    healthy = sum(r.ok for r in results)
    blocked = sum(r.blocked for r in results)
    line = f"corpus: {healthy} of {len(results)} corpus apps healthy on the first try"
    if blocked:
        line += f" ({blocked} blocked by this machine, {len(results) - healthy - blocked} failed)"
    return line

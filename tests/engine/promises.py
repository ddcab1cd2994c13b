"""The promises each example's generated files make, checked from outside the image."""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import standins
from engine import Docker, log
from example import Example, edit_one_source, final_base, planted_paths

PROMISES = {
    1: "cold BuildKit build succeeds",
    2: "container reports healthy",
    3: "non-root process; root-owned, read-only app files; exposed ports = manifest; LD_PRELOAD libraries loaded",
    4: "app answers on its declared port from the host",
    5: "no .git, __pycache__, .env, virtualenv or package cache in the image",
    6: "a source edit reuses the dependency-install layer",
    7: "docker-compose brings the app to healthy; down -v cleans up",
    8: "compose.debug.yaml runs the app under its debugger, whose port answers; the image has no debugger",
}

# Delve comes from the Go module proxy, which this machine cannot reach.
DEBUG_OUT_OF_REACH = {"go": "the Go debug stage installs Delve from the Go module proxy, out of reach here"}
# What a debugger leaves in an image that has one.
DEBUGGER_FILES = re.compile(r"/site-packages/debugpy(?:/|$)|/usr/local/bin/dlv$")

NAME_PREFIXES = ("dgen-engine-test-", "dgenenginetest")  # containers, compose projects: swept at the end

PASS, FAIL, NOT_APPLICABLE, NOT_CHECKED = "pass", "FAIL", "n/a", "not checked"

FORBIDDEN_IN_APP_DIR = {".git", "__pycache__", ".venv", "venv", ".env", "pyvenv.cfg"}
PACKAGE_CACHES = re.compile(r"/\.cache/(?:pip|uv|pypoetry|yarn|gem|composer)(?:/|$)|/\.npm/_cacache(?:/|$)|/pnpm/store(?:/|$)|/\.pnpm-store(?:/|$)|/(?:pypoetry|poetry_cache|pip-cache|uv-cache|composer-cache)(?:/|$)"
                            # Bundler: the .gem files of a BUNDLE_PATH install (<path>/ruby/3.3.0/cache; not
                            # Ruby's own lib/ruby/gems/3.3.0/cache), its user cache, and git checkouts' .git.
                            r"|/ruby/\d+\.\d+\.\d+/cache/.|/\.bundle/cache(?:/|$)|/bundler/gems/[^/]+/\.git(?:/|$)"
                            r"|/\.yarn/(?:berry|cache)(?:/|$)")
DEPENDENCY_INSTALL = re.compile(r"\b(?:pip3? install|uv sync|uv pip install|poetry install|npm (?:ci|install)|"
                                r"yarn install|pnpm install|go mod download|cargo fetch|bundle install|composer install|"
                                # Yarn 2+: its production install, also run from a yarnPath release
                                r"workspaces focus)\b")
# `pip install --no-deps` after the sources installs the project itself (a wheel built from them,
# `[python] install_project`), not its dependencies: it runs again after a source edit, as it must.
PROJECT_INSTALL = re.compile(r"\bpip3?(?: --python \S+)? install\b[^&;|]*--no-deps")
# (Rust: the dependency layer is the `cargo fetch && cargo build` of a stub; the later `cargo build`
# compiles the package itself and runs again after every source edit, as it must.)
BUILD_STEP = re.compile(r"^#(\d+) \[(?:[^\]]+ )?\d+/\d+\] (.+)$")
CACHED_STEP = re.compile(r"^#(\d+) CACHED$")
COMPOSE_TIMEOUT = 180
HTTP_ATTEMPTS_SECONDS = 30  # generous: other runs may share the machine's 2 cores


class Broken(Exception):
    """A promise does not hold; the message says how."""


class NotApplicable(Exception):
    """The promise does not apply to this example (e.g. a worker has no port)."""


@dataclass(frozen=True)
class Entry:
    path: str
    uid: int
    gid: int
    mode: int
    is_dir: bool
    is_link: bool


@dataclass
class Outcome:
    status: str = NOT_CHECKED
    detail: str = ""


@dataclass
class Metrics:
    cold_s: float | None = None
    warm_s: float | None = None
    size: int | None = None
    added: int | None = None
    healthy_s: float | None = None


@dataclass
class ExampleCheck:
    docker: Docker
    stand_ins: standins.StandIns
    example: Example
    health_timeout: float
    health_interval: float = 0
    outcomes: dict[int, Outcome] = field(default_factory=lambda: {n: Outcome() for n in PROMISES})
    metrics: Metrics = field(default_factory=Metrics)
    _filesystem: list[Entry] | None = None

    @property
    def container(self) -> str:
        return f"{NAME_PREFIXES[0]}{self.example.name}"

    @property
    def project(self) -> str:
        return NAME_PREFIXES[1] + re.sub(r"[^a-z0-9]", "", self.example.name.lower())

    # -- running the promises --

    def check(self, number: int, promise) -> bool:
        started = time.monotonic()
        try:
            note = promise()
            self.outcomes[number] = Outcome(PASS, note or "")
        except NotApplicable as reason:
            self.outcomes[number] = Outcome(NOT_APPLICABLE, str(reason))
        except Broken as broken:
            self.outcomes[number] = Outcome(FAIL, str(broken))
        except Exception as error:  # the harness itself hit something: still a broken promise, say what
            self.outcomes[number] = Outcome(FAIL, f"{type(error).__name__}: {error}")
        outcome = self.outcomes[number]
        detail = f": {outcome.detail}" if outcome.detail else ""
        log(f"{self.example.name} promise {number} ({PROMISES[number]}): {outcome.status} "
            f"[{time.monotonic() - started:.1f}s]{detail}")
        return outcome.status != FAIL

    def run(self, prepare_error: str | None = None) -> None:
        if prepare_error:
            self.outcomes[1] = Outcome(FAIL, f"could not prepare the example: {prepare_error}")
            log(f"{self.example.name} promise 1 ({PROMISES[1]}): FAIL: {self.outcomes[1].detail}")
            return
        if not self.check(1, self.cold_build):
            return
        try:
            self.check(2, self.start_and_wait_healthy)
            self.check(3, self.identity_files_and_ports)
            self.check(4, self.answers_from_host)
        finally:
            self.docker.remove_container(self.container)
        self.check(5, self.no_leftovers)
        self.check(6, self.warm_rebuild_reuses_dependencies)
        self.check(7, self.compose_up_healthy_and_down)
        self.check(8, self.debug_override)

    def _health_flags(self) -> list[str]:
        """`docker run` flags that probe more often than the image's interval (the probe itself,
        its timeout, start period and retries stay the generated ones), to keep the suite short."""
        return ["--health-interval", f"{self.health_interval:g}s"] if self.health_interval else []

    def _health_override(self) -> str:
        return f"    healthcheck:\n      interval: {self.health_interval:g}s\n" if self.health_interval else ""

    # -- 1 --

    def cold_build(self) -> str:
        build = self.docker.build(self.example.context_dir, self.example.tag, no_cache=True,
                                  dockerfile=self.example.dockerfile_path)
        if not build.ok:
            raise Broken(f"docker build failed after {build.seconds:.0f}s:\n{build.tail()}")
        # (FROM and WORKDIR may show CACHED even so: BuildKit shares them between stages of one build)
        reused = [instr for instr, cached in build_steps(build.output) if cached and instr.startswith("RUN")]
        if reused:
            raise Broken(f"the --no-cache build reused RUN steps, so it was not cold: {_some(reused)}")
        self.metrics.cold_s = build.seconds
        self.metrics.size = self.docker.image_size(self.example.tag)
        base = final_base(self.example.dockerfile_text())
        if base and self.docker.image_exists(base):
            self.metrics.added = self.metrics.size - self.docker.image_size(base)
        return f"{build.seconds:.1f}s"

    # -- 2 --

    def start_and_wait_healthy(self) -> str:
        self.docker.remove_container(self.container)
        publish = [arg for port in self.example.ports for arg in ("-p", f"127.0.0.1::{port}")]
        started = time.monotonic()
        # The settings the app cannot start without ([app] env_required): the planted .env, made
        # from the generated .env.example with throwaway values.
        env_file = self.example.dir / ".env"
        env_args = ["--env-file", str(env_file)] if (self.example.dir / ".env.example").is_file() and env_file.is_file() else []
        self.docker.out("run", "-d", "--name", self.container, *publish, *env_args, *self._health_flags(),
                        self.example.tag)
        if not self.example.healthcheck_enabled:
            time.sleep(5)
            _require_running(self.docker, self.container)
            raise NotApplicable("the manifest turns the healthcheck off; the container is running")
        self.metrics.healthy_s = wait_healthy(self.docker, self.container, self.health_timeout, started)
        return f"healthy after {self.metrics.healthy_s:.1f}s"

    # -- 3 --

    def identity_files_and_ports(self) -> str:
        problems = []
        real, uid, groups = self._main_process_identity()
        if 0 in (real, uid):
            problems.append(f"the main process runs as UID {real} (effective {uid})")
        problems += self._writable_or_foreign_app_files(uid, groups)
        exposed = json.loads(self.docker.out("image", "inspect", "--format", "{{json .Config.ExposedPorts}}",
                                             self.example.tag)) or {}
        declared = {f"{port}/tcp" for port in self.example.ports}
        # A port the base image exposes itself stays exposed (Docker has no way to un-expose one:
        # php:<v>-apache's 80, where the generated Apache does not listen): the Dockerfile is
        # judged on what it adds.
        inherited = self._base_exposed_ports() - declared
        if set(exposed) != declared | inherited:
            problems.append(f"image exposes {sorted(exposed)}, the manifest declares {sorted(declared)}"
                            + (f" (and the base image exposes {sorted(inherited)})" if inherited else ""))
        preloaded, missing = self._preloaded_libraries()
        problems += [f"LD_PRELOAD names {lib}, which the main process has not loaded" for lib in missing]
        if problems:
            raise Broken("; ".join(problems))
        also = f" (and {sorted(inherited)} inherited from the base image)" if inherited else ""
        loaded = f", preloads {', '.join(preloaded)}" if preloaded else ""
        return f"UID {uid}, exposes {sorted(declared) or 'nothing'}{also}{loaded}"

    def _base_exposed_ports(self) -> set[str]:
        base = final_base(self.example.dockerfile_text())
        if not base or not self.docker.image_exists(base):
            return set()
        return set(json.loads(self.docker.out("image", "inspect", "--format", "{{json .Config.ExposedPorts}}",
                                              base)) or {})

    def _preloaded_libraries(self) -> tuple[list[str], list[str]]:
        """The image's LD_PRELOAD libraries (e.g. the Ruby stack's jemalloc) that the main process has
        mapped, and those it has not: the loader only warns on stderr about a library it cannot preload,
        and the app runs on without it. Each path is resolved in the container (a symlink such as
        /usr/local/lib/libjemalloc.so.2) and looked up in the host's /proc/PID/maps."""
        env = json.loads(self.docker.out("image", "inspect", "--format", "{{json .Config.Env}}",
                                         self.example.tag)) or []
        preload = next((item.split("=", 1)[1] for item in env if item.startswith("LD_PRELOAD=")), "")
        libraries = [lib for lib in re.split(r"[\s:]+", preload) if lib]
        if not libraries:
            return [], []
        state = json.loads(self.docker.out("inspect", "--format", "{{json .State}}", self.container))
        maps = Path(f"/proc/{state['Pid']}/maps").read_text()
        mapped = {line.split(None, 5)[5] for line in maps.splitlines() if len(line.split(None, 5)) == 6}
        loaded, missing = [], []
        for lib in libraries:
            resolved = self.docker.run("exec", self.container, "readlink", "-f", "--", lib, check=False).stdout.strip()
            (loaded if resolved and resolved in mapped else missing).append(lib)
        return loaded, missing

    def _main_process_identity(self) -> tuple[int, int, set[int]]:
        """Real UID, effective UID and groups of the container's PID 1, read from the host's /proc."""
        state = json.loads(self.docker.out("inspect", "--format", "{{json .State}}", self.container))
        if not state.get("Running"):
            raise Broken("the container is not running, so its main process cannot be checked")
        status = Path(f"/proc/{state['Pid']}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        real, effective = (int(v) for v in fields["Uid"].split()[:2])
        gids = {int(v) for v in fields["Gid"].split()[:2]} | {int(v) for v in fields["Groups"].split()}
        return real, effective, gids

    def _writable_or_foreign_app_files(self, uid: int, groups: set[int]) -> list[str]:
        workdir = self.example.workdir.rstrip("/")
        entries = [e for e in self.filesystem() if e.path == workdir or e.path.startswith(workdir + "/")]
        if not entries:
            return [f"the image has no {workdir}"]
        declared = set(self.example.writable)
        problems = []
        # [app] writable: exactly those directories are the user's, and nothing else.
        for path in sorted(declared):
            entry = next((e for e in self.filesystem() if e.path == path), None)
            if entry is None or not entry.is_dir:
                problems.append(f"the writable path {path} is not a directory in the image")
            elif not _writable_by(entry, uid, groups):
                problems.append(f"the writable path {path} is not writable by UID {uid}")
        entries = [e for e in entries if e.path not in declared]
        not_root = [e.path for e in entries if e.uid != 0]
        writable = [e.path for e in entries if uid != 0 and not e.is_link and _writable_by(e, uid, groups)]
        if not_root:
            problems.append(f"not owned by root: {_some(not_root)}")
        if writable:
            problems.append(f"writable by UID {uid}: {_some(writable)}")
        return problems

    # -- 4 --

    def answers_from_host(self) -> str:
        if not self.example.ports:
            raise NotApplicable("the manifest declares no port (a worker)")
        port = self.example.ports[0]
        mapping = self.docker.out("port", self.container, f"{port}/tcp").splitlines()[0]
        url = f"http://127.0.0.1:{mapping.rsplit(':', 1)[1]}{self.example.health_path}"
        status = http_status(url, HTTP_ATTEMPTS_SECONDS)
        answers = [f"GET {self.example.health_path} on port {port} -> {status}"]
        for path in self.example.extra_paths:
            extra = http_status(f"http://127.0.0.1:{mapping.rsplit(':', 1)[1]}{path}", HTTP_ATTEMPTS_SECONDS)
            if extra != 200:
                raise Broken(f"GET {path} -> {extra}, expected 200")
            answers.append(f"{path} -> {extra}")
        return ", ".join(answers)

    # -- 5 --

    def no_leftovers(self) -> str:
        problems = []
        workdir = self.example.workdir.rstrip("/") + "/"
        in_app = [e.path for e in self.filesystem() if e.path.startswith(workdir)
                  and FORBIDDEN_IN_APP_DIR & set(e.path[len(workdir):].split("/"))]
        caches = [e.path for e in self.filesystem() if PACKAGE_CACHES.search(e.path)]
        apt_lists = [e.path for e in self.filesystem() if e.path.startswith("/var/lib/apt/lists/")
                     and e.path not in ("/var/lib/apt/lists/lock", "/var/lib/apt/lists/partial")]
        debs = [e.path for e in self.filesystem() if re.match(r"/var/cache/apt/archives/.*\.deb$", e.path)]
        in_tmp = [e.path for e in self.filesystem() if e.path.startswith("/tmp/")]
        for what, paths in (("in the app dir", in_app), ("package-manager cache", caches),
                            ("apt lists", apt_lists), ("downloaded .debs", debs), ("left in /tmp", in_tmp)):
            if paths:
                problems.append(f"{what}: {_some(_topmost(paths))}")
        leaked = self._planted_files_in_build_context()
        if leaked:
            problems.append(f".dockerignore lets into the build context: {_some(leaked)}")
        if problems:
            raise Broken("; ".join(problems))
        return ""

    def _planted_files_in_build_context(self) -> list[str]:
        """Export the build context as the engine sees it (after .dockerignore) and look for the planted files."""
        with tempfile.TemporaryDirectory(prefix="dgen-context-") as tmp:
            probe = Path(tmp) / "Probe.Dockerfile"
            probe.write_text("FROM scratch\nCOPY . /\n")
            # A Dockerfile-specific ignore file (a workspace service's) applies to the probe too.
            own_ignore = self.example.app_dir / "Dockerfile.dockerignore"
            if self.example.dockerfile_path and own_ignore.is_file():
                (Path(tmp) / "Probe.Dockerfile.dockerignore").write_text(own_ignore.read_text())
            out = Path(tmp) / "context"
            result = self.docker.run("build", "--network", "none", "-f", str(probe), "-o",
                                     f"type=local,dest={out}", str(self.example.context_dir), check=False)
            if result.returncode != 0:
                raise Broken(f"could not export the build context: {result.stderr.strip()[-500:]}")
            return [p for p in planted_paths(self.example) if (out / p).exists() or (out / p).is_symlink()]

    # -- 6 --

    def warm_rebuild_reuses_dependencies(self) -> str:
        """Edit one source and rebuild: every dependency-install step must come from the cache.

        The daemon is shared: another example's `--no-cache` build may re-make a base step this
        image shares (FROM, ENV, WORKDIR) while this one runs, and BuildKit then resolves that step
        to the new result, under which this example's install layer was never built. So an
        unchanged rebuild settles the cache first, and a rebuilt install step is tried once more
        after settling again: a Dockerfile that breaks P09 reruns its install on every source edit,
        a race does not twice in a row."""
        raced = ""
        for attempt in (1, 2):
            settle = self.docker.build(self.example.context_dir, self.example.tag,
                                       dockerfile=self.example.dockerfile_path)
            if not settle.ok:
                raise Broken(f"rebuild without changes failed:\n{settle.tail()}")
            edited = edit_one_source(self.example)
            build = self.docker.build(self.example.context_dir, self.example.tag,
                                      dockerfile=self.example.dockerfile_path)
            if not build.ok:
                raise Broken(f"rebuild after editing {edited} failed:\n{build.tail()}")
            self.metrics.warm_s = build.seconds
            steps = build_steps(build.output)
            installs = [(instr, cached) for instr, cached in steps if instr.startswith("RUN")
                        and DEPENDENCY_INSTALL.search(instr) and not PROJECT_INSTALL.search(instr)]
            if not installs and not DEPENDENCY_INSTALL.search(self.example.dockerfile_text()):
                if all(cached for _, cached in steps):
                    raise Broken(f"editing {edited} changed no build step: is it copied into the image?")
                raise NotApplicable(f"the Dockerfile installs no dependencies (e.g. a plain static site); "
                                    f"edited {edited}, rebuilt in {build.seconds:.1f}s")
            if not installs:
                raise Broken("no dependency-install RUN step found in the build output")
            rebuilt = [instr for instr, cached in installs if not cached]
            if not rebuilt:
                break
            if attempt == 2:
                raise Broken(f"after editing {edited}, these ran again (twice, each after a settling "
                             f"rebuild): {_some(rebuilt)}")
            raced = f" (the first try reran {_some(rebuilt)}: another build re-made a shared step; " \
                    "settled and tried again)"
        if all(cached for _, cached in steps):
            raise Broken(f"editing {edited} changed no build step: is it copied into the image?")
        return f"edited {edited}; {len(installs)} install step(s) CACHED; {build.seconds:.1f}s{raced}"

    # -- 7 --

    def compose_up_healthy_and_down(self) -> str:
        compose_file = self.example.app_dir / "compose.yaml"
        if not compose_file.exists():
            raise Broken("no compose.yaml next to the manifest")
        override = self.example.app_dir / "compose.engine-test.yaml"
        (self.example.app_dir / ".env").touch()
        # A service whose build context is elsewhere (a workspace root) is built by compose
        # itself, as a user runs `docker compose build`, into the image the override names.
        build_override = "    build:\n      network: host\n" if self.example.service_dir else ""
        # Services built from the same Dockerfile (the one-shot `migrate` of [app] release) run
        # the image under test too.
        one_shot = [name for name, image in
                    Compose(self.docker, self.project, self.example.app_dir, [compose_file]).services().items()
                    if image is None and name != self.example.service]
        override.write_text(f'services:\n  {self.example.service}:\n    image: "{self.example.tag}"\n'
                            + build_override + self._health_override()
                            + "".join(f'  {name}:\n    image: "{self.example.tag}"\n' for name in one_shot))
        compose = Compose(self.docker, self.project, self.example.app_dir, [compose_file, override])
        self._one_shot = one_shot
        problems = []
        try:
            built = ""
            if self.example.service_dir:
                started = time.monotonic()
                compose.run("build", self.example.service, extra_env={"COMPOSE_DOCKER_CLI_BUILD": "1",
                                                                      "DOCKER_BUILDKIT": "1"})
                built = f"`docker-compose build` through its context in {time.monotonic() - started:.1f}s; "
            summary = built + self._compose_up(compose)
        except Broken as broken:
            problems.append(str(broken))
        leftovers = compose.down()
        if leftovers:
            problems.append(f"`docker-compose down -v` left behind: {', '.join(leftovers)}")
        if problems:
            raise Broken("; ".join(problems))
        return summary

    def _compose_up(self, compose: Compose) -> str:
        services = compose.services()
        if self.example.service not in services:
            raise Broken(f"compose.yaml has no service named {self.example.service!r}")
        included, skipped = [], []
        one_shot = getattr(self, "_one_shot", [])
        for name, image in services.items():
            if name == self.example.service or name in one_shot:
                continue
            if image and standins.find_recipe(image):
                self.stand_ins.ensure(image)
                included.append(name)
            else:
                skipped.append(f"{name} ({image or 'built'}: no stand-in image)")
        if skipped:
            log(f"{self.example.name} compose: skipped backing services {', '.join(skipped)}")
        started = time.monotonic()
        try:
            compose.up([self.example.service, *included, *one_shot] if skipped else [])
        except Broken as broken:
            # A one-shot service that failed stops `up`: show what it said.
            logs = "".join(compose.run("logs", "--no-color", "--tail", "30", name, check=False).stdout
                           for name in one_shot)
            raise Broken(f"{broken}\n{logs}") from None
        waited = {}
        for name in one_shot:
            waited[name] = wait_completed(self.docker, compose.container_any(name), self.health_timeout, started)
        for name in [self.example.service, *included]:
            container = compose.container(name)
            waited[name] = wait_healthy(self.docker, container, self.health_timeout, started,
                                        allow_no_healthcheck=name != self.example.service)
        summary = ", ".join(f"{n} {'completed' if n in one_shot else 'healthy'} after {s:.1f}s"
                            for n, s in waited.items())
        return summary + (f"; skipped {', '.join(skipped)}" if skipped else "")

    # -- 8 --

    def debug_override(self) -> str:
        debug_file = self.example.dir / "compose.debug.yaml"
        if not debug_file.exists():
            raise NotApplicable("the manifest has no [debug] table")
        stack = self.example.manifest.get("stack")
        if stack in DEBUG_OUT_OF_REACH:
            raise NotApplicable(DEBUG_OUT_OF_REACH[stack])
        in_image = [e.path for e in self.filesystem() if DEBUGGER_FILES.search(e.path)]
        if in_image:
            raise Broken(f"the production image holds the debugger: {_some(in_image)}")
        container_port = debug_port(debug_file.read_text())
        has_stage = "target: debug" in debug_file.read_text()
        debug_tag = f"{self.example.tag}-debug"
        if has_stage:
            build = self.docker.build(self.example.dir, debug_tag, target="debug")
            if not build.ok:
                raise Broken(f"building the debug stage failed:\n{build.tail()}")
        override = self.example.dir / "compose.engine-test.yaml"
        override.write_text(f'services:\n  {self.example.service}:\n    image: "{debug_tag if has_stage else self.example.tag}"\n'
                            + self._health_override())
        (self.example.dir / ".env").touch()
        compose = Compose(self.docker, self.project, self.example.dir,
                          [self.example.dir / "compose.yaml", debug_file, override])
        problems, summary = [], ""
        try:
            started = time.monotonic()
            compose.up([self.example.service])
            container = compose.container(self.example.service)
            healthy = wait_healthy(self.docker, container, self.health_timeout, started)
            port = published_port(self.docker, container, container_port)
            answer = debugger_answers(port)
            summary = (f"healthy under the debugger after {healthy:.1f}s; its port {container_port} "
                       f"(published on 127.0.0.1:{port}) {answer}")
        except Broken as broken:
            problems.append(str(broken))
        leftovers = compose.down()
        if has_stage:
            self.docker.run("image", "rm", "-f", debug_tag, check=False)
        if leftovers:
            problems.append(f"`docker-compose down -v` left behind: {', '.join(leftovers)}")
        if problems:
            raise Broken("; ".join(problems))
        return summary

    # -- the image's files --

    def filesystem(self) -> list[Entry]:
        if self._filesystem is None:
            self._filesystem = export_listing(self.docker, self.example.tag, f"{self.container}-fs")
        return self._filesystem


# --- helpers ------------------------------------------------------------------

class Compose:
    def __init__(self, docker: Docker, project: str, directory: Path, files: list[Path]):
        self.docker, self.project, self.directory = docker, project, directory
        self.base = ["docker-compose", "--project-name", project, "--project-directory", str(directory)]
        for path in files:
            self.base += ["-f", str(path)]

    def run(self, *args: str, check: bool = True, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = {**self.docker.env, **(extra_env or {})} if extra_env else self.docker.env
        try:
            result = subprocess.run([*self.base, *args], cwd=self.directory, capture_output=True, text=True,
                                    env=env, timeout=COMPOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            if not check:
                return subprocess.CompletedProcess(args, 124, "", f"timed out after {COMPOSE_TIMEOUT}s")
            raise Broken(f"docker-compose {' '.join(args)} did not finish within {COMPOSE_TIMEOUT}s")
        if check and result.returncode != 0:
            raise Broken(f"docker-compose {' '.join(args)} failed:\n{result.stderr.strip()[-1500:]}")
        return result

    def services(self) -> dict[str, str | None]:
        """Service name -> image, from compose's own normalized `config` output."""
        services: dict[str, str | None] = {}
        in_services, current = False, None
        for line in self.run("config").stdout.splitlines():
            if not line.startswith(" "):
                in_services = line.rstrip() == "services:"
                continue
            if not in_services:
                continue
            if match := re.match(r"^  ([^\s:#][^:]*):\s*$", line):
                current = match[1].strip("'\"")
                services[current] = None
            elif current and (match := re.match(r"^    image:\s*(.+?)\s*$", line)):
                services[current] = match[1].strip("'\"")
        return services

    def up(self, only: list[str]) -> None:
        self.run("up", "-d", "--no-build", *(["--no-deps", *only] if only else []))

    def container(self, service: str) -> str:
        container = self.run("ps", "-q", service).stdout.strip()
        if not container:
            raise Broken(f"compose started no container for {service}")
        return container

    def container_any(self, service: str) -> str:
        """The service's container, running or exited (a one-shot service)."""
        container = self.run("ps", "-a", "-q", service).stdout.strip()
        if not container:
            raise Broken(f"compose started no container for {service}")
        return container.split()[0]

    def down(self) -> list[str]:
        """`down -v`; returns what it left behind (and removes that)."""
        self.run("down", "-v", "--remove-orphans", "--timeout", "10", check=False)
        label = f"label=com.docker.compose.project={self.project}"
        leftovers = []
        for kind, listing, remove in (("container", ["ps", "-aq"], ["rm", "-f", "-v"]),
                                      ("volume", ["volume", "ls", "-q"], ["volume", "rm", "-f"]),
                                      ("network", ["network", "ls", "-q"], ["network", "rm"])):
            for item in self.docker.out(*listing, "--filter", label).split():
                leftovers.append(f"{kind} {item}")
                self.docker.run(*remove, item, check=False)
        return leftovers


def debug_port(compose_debug: str) -> int:
    """The container port compose.debug.yaml publishes on 127.0.0.1 (the suite leaves the host port
    to the engine: see example._adapt_compose)."""
    match = re.search(r'"127\.0\.0\.1:(\d*):(\d+)"', compose_debug)
    if not match:
        raise Broken("compose.debug.yaml publishes no port on 127.0.0.1")
    return int(match[2])


def published_port(docker: Docker, container: str, port: int) -> int:
    """The host port the engine published the container's `port` on (127.0.0.1)."""
    lines = docker.run("port", container, f"{port}/tcp", check=False).stdout.split()
    for line in lines:
        host, _, number = line.rpartition(":")
        if host in ("127.0.0.1", "0.0.0.0") and number.isdigit():
            return int(number)
    raise Broken(f"port {port} of the container is not published on 127.0.0.1 ({' '.join(lines) or 'nothing'})")


def debugger_answers(port: int, within: float = 30) -> str:
    """Connects to the debugger and speaks the Debug Adapter Protocol's `initialize` to it
    (debugpy, Delve's DAP mode); a TCP accept alone is taken for other debuggers."""
    import socket
    body = json.dumps({"seq": 1, "type": "request", "command": "initialize",
                       "arguments": {"adapterID": "dgen-engine-test", "clientID": "dgen"}})
    request = f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
    deadline = time.monotonic() + within
    last_error = "no answer"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(request)
                conn.settimeout(5)
                data = b""
                while b'"command": "initialize"' not in data and b'"command":"initialize"' not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                responded = b'"type": "response"' in data or b'"type":"response"' in data
                if responded and b"initialize" in data:
                    return "answered the DAP initialize request"
                last_error = f"unexpected answer: {data[:200]!r}"
        except OSError as error:
            last_error = str(error)
        time.sleep(1)
    raise Broken(f"the debugger on 127.0.0.1:{port} did not answer: {last_error}")


def wait_healthy(docker: Docker, container: str, timeout: float, started: float,
                 allow_no_healthcheck: bool = False) -> float:
    """Seconds from `started` until the container's health is `healthy`."""
    status = "starting"
    while time.monotonic() - started < timeout:
        state = json.loads(docker.out("inspect", "--format", "{{json .State}}", container))
        health = state.get("Health") or {}
        status = health.get("Status")
        if status == "healthy":
            return time.monotonic() - started
        if not state.get("Running"):
            logs = docker.run("logs", "--tail", "20", container, check=False)
            raise Broken(f"the container exited with code {state.get('ExitCode')}:\n{logs.stdout}{logs.stderr}")
        if status is None:
            if allow_no_healthcheck:
                return time.monotonic() - started
            raise Broken("the image has no HEALTHCHECK")
        if status == "unhealthy":
            raise Broken(f"health is unhealthy; last probe: {_last_probe(health)}")
        time.sleep(0.5)
    raise Broken(f"not healthy within {timeout:.0f}s (status {status}); last probe: {_last_probe(health)}")


def wait_completed(docker: Docker, container: str, timeout: float, started: float) -> float:
    """Seconds from `started` until a one-shot container exited 0."""
    while time.monotonic() - started < timeout:
        state = json.loads(docker.out("inspect", "--format", "{{json .State}}", container))
        if not state.get("Running") and state.get("Status") == "exited":
            if state.get("ExitCode") != 0:
                logs = docker.run("logs", "--tail", "20", container, check=False)
                raise Broken(f"the one-shot service exited with code {state.get('ExitCode')}:\n{logs.stdout}{logs.stderr}")
            return time.monotonic() - started
        time.sleep(0.5)
    raise Broken(f"the one-shot service did not complete within {timeout:.0f}s")


def _require_running(docker: Docker, container: str) -> None:
    state = json.loads(docker.out("inspect", "--format", "{{json .State}}", container))
    if not state.get("Running"):
        raise Broken(f"the container exited with code {state.get('ExitCode')}")


def _last_probe(health: dict) -> str:
    probes = health.get("Log") or []
    if not probes:
        return "none yet"
    last = probes[-1]
    lines = [line for line in last.get("Output", "").splitlines() if line.strip()]
    return f"exit {last.get('ExitCode')}: {lines[-1].strip()[-300:] if lines else 'no output'}"


def http_status(url: str, within: float) -> int:
    status, _ = http_get(url, within)
    if status >= 500:
        raise Broken(f"GET {url} answered {status}")
    return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own (its status is what is checked)


def http_get(url: str, within: float) -> tuple[int, str]:
    """(status, body) of a GET, retried while nothing answers (a loaded machine starts apps slowly);
    redirects are not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + within
    error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=10) as response:
                return response.status, response.read(200_000).decode(errors="replace")
        except urllib.error.HTTPError as http_error:
            return http_error.code, http_error.read(200_000).decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as failure:
            error = failure
            time.sleep(1)
    raise Broken(f"GET {url} got no answer within {within:.0f}s: {error}")


def export_listing(docker: Docker, image: str, name: str) -> list[Entry]:
    """Every path in the image's filesystem, with owner and mode (from `docker export` of a created container)."""
    docker.remove_container(name)
    docker.out("create", "--name", name, image)
    try:
        export = subprocess.Popen([docker.client, "export", name], stdout=subprocess.PIPE, env=docker.env)
        entries = []
        with tarfile.open(fileobj=export.stdout, mode="r|") as tar:
            for member in tar:
                path = "/" + member.name.removeprefix("./").strip("/")
                entries.append(Entry(path, member.uid, member.gid, member.mode, member.isdir(),
                                     member.issym() or member.islnk()))
        if export.wait() != 0:
            raise RuntimeError(f"docker export {name} failed")
        return entries
    finally:
        docker.remove_container(name)


def build_steps(output: str) -> list[tuple[str, bool]]:
    """(instruction, cached) for each Dockerfile step in BuildKit's plain progress output."""
    instructions: dict[str, str] = {}
    cached: set[str] = set()
    for line in output.splitlines():
        if match := BUILD_STEP.match(line):
            instructions.setdefault(match[1], match[2])
        elif match := CACHED_STEP.match(line):
            cached.add(match[1])
    return [(instr, number in cached) for number, instr in instructions.items()]


def _writable_by(entry: Entry, uid: int, groups: set[int]) -> bool:
    if uid == 0:
        return True
    if entry.uid == uid:
        return bool(entry.mode & 0o200)
    if entry.gid in groups:
        return bool(entry.mode & 0o020)
    return bool(entry.mode & 0o002)


def _topmost(paths: list[str]) -> list[str]:
    """The paths without those inside another listed path (a flagged directory stands for its contents)."""
    listed = set(paths)
    return [p for p in paths if not any(parent in listed for parent in _parents(p))]


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(2, len(parts))]


def _some(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")

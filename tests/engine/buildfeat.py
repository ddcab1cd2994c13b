"""Proofs of the build features in the real engine: digest pinning against a real registry
(`dgen lock`), cross-compiling to arm64 without emulation, build secrets from a private package
index that needs a password, and what a BuildKit cache mount saves when a dependency is added.

    python3 tests/engine/run.py --proofs            # only these proofs
    python3 tests/engine/run.py                     # every example, then these proofs

Each proof returns a Proof (PASS/FAIL, a detail, figures for the table). Everything created is
named `dgen-proof-*` (images, tags) or lives in a temp directory, and is removed at the end; the
registry and the index are started on 127.0.0.1 and stopped by this module.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import secrets as random
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import example as examples
import lockfiles
from engine import Docker, log

REPO = Path(__file__).resolve().parents[2]
PASS, FAIL, MEASURED = "PASS", "FAIL", "MEASURED"  # MEASURED: figures only, no verdict
ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
EM_X86_64, EM_AARCH64 = 62, 183


@dataclass
class Proof:
    name: str
    status: str = FAIL
    detail: str = ""
    figures: dict[str, str] = field(default_factory=dict)


# --- helpers --------------------------------------------------------------------

def dgen_binary() -> Path:
    if os.environ.get("DGEN"):
        return Path(os.environ["DGEN"])
    subprocess.run(["cargo", "build", "--quiet", "--bin", "dgen"], cwd=REPO, check=True)
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "dgen"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30, auth: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url)
            if auth:
                request.add_header("Authorization", auth)
            urllib.request.urlopen(request, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None, check: bool = True,
        timeout: float | None = 900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
                           f"{(result.stdout + result.stderr)[-3000:]}")
    return result


def docker_build(docker: Docker, context: Path, tag: str | None, *extra: str) -> tuple[bool, float, str]:
    args = [docker.client, "build", "--network", "host", "--progress", "plain", *extra]
    if tag:
        args += ["-t", tag]
    start = time.monotonic()
    result = subprocess.run(args + [str(context)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=docker.env, timeout=1800)
    return result.returncode == 0, time.monotonic() - start, result.stdout


def elf_machine(path: Path) -> int:
    head = path.read_bytes()[:20]
    if head[:4] != b"\x7fELF":
        raise RuntimeError(f"{path} is not an ELF file")
    return int.from_bytes(head[18:20], "little")


def binfmt_handlers() -> list[str]:
    root = Path("/proc/sys/fs/binfmt_misc")
    try:
        return sorted(p.name for p in root.iterdir() if p.name not in ("register", "status"))
    except OSError:
        return []


class LocalServer:
    """A server this module starts on 127.0.0.1 in its own session, logging to a file, and stops."""

    process: subprocess.Popen | None = None

    def spawn(self, cmd: list, log_file: Path, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen([str(c) for c in cmd], stdout=log_file.open("w"), stderr=subprocess.STDOUT,
                                        cwd=cwd, start_new_session=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- 1. dgen lock against CNCF Distribution ---------------------------------------

class Registry(LocalServer):
    """Debian's docker-registry (CNCF Distribution) on 127.0.0.1, with its own temp config."""

    def __init__(self, work: Path):
        self.work = work
        self.port = free_port()
        self.log = work / "registry.log"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("docker-registry") or shutil.which("registry")
        if not binary:
            subprocess.run(["apt-get", "install", "-y", "-q", "docker-registry"], capture_output=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            binary = shutil.which("docker-registry")
        if not binary:
            raise RuntimeError("Debian's docker-registry package could not be installed")
        (self.work / "data").mkdir(parents=True, exist_ok=True)
        config = self.work / "registry.yml"
        config.write_text(f"version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
                          f"storage:\n  filesystem:\n    rootdirectory: {self.work / 'data'}\n"
                          f"  delete:\n    enabled: true\nhttp:\n  addr: {self.host}\n")
        self.spawn([binary, "serve", config], self.log)
        wait_http(f"http://{self.host}/v2/")

    def head_digest(self, repository: str, tag: str) -> tuple[str, str]:
        request = urllib.request.Request(f"http://{self.host}/v2/{repository}/manifests/{tag}", method="HEAD",
                                         headers={"Accept": ACCEPT})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["Docker-Content-Digest"], response.headers["Content-Type"]

    def manifest_pulls(self, repository: str, digest: str) -> int:
        text = self.log.read_text(errors="replace")
        return len(re.findall(rf"GET /v2/{re.escape(repository)}/manifests/{re.escape(digest)}", text))


def lock_proof(docker: Docker, dgen: Path, work: Path, stand_in: str) -> Proof:
    proof = Proof("dgen lock (CNCF Distribution)")
    registry = Registry(work / "registry")
    repository = "dgen-proof/base"
    ref = f"{registry.host}/{repository}:1"
    pushed: list[str] = []
    try:
        registry.start()
        docker.run("tag", stand_in, ref)
        pushed.append(ref)
        docker.run("push", ref, timeout=600)
        reported, media = registry.head_digest(repository, "1")
        project = work / "lock-app"
        project.mkdir()
        (project / "app.py").write_text("import http.server\nprint('ok')\n")
        (project / "requirements.txt").write_text("")
        (project / "dgen.toml").write_text(
            f'name = "dgen-proof-lock"\nstack = "python"\n\n[app]\ncommand = ["python", "app.py"]\n'
            f'sources = ["app.py"]\n\n[healthcheck]\nenabled = false\n\n[image]\nbase = "{ref}"\n')
        run([dgen, "lock"], cwd=project)
        lock = (project / "dgen.lock").read_text()
        locked = re.search(r'digest = "(sha256:[0-9a-f]{64})"', lock)[1]
        if locked != reported:
            proof.detail = f"dgen.lock has {locked}, the registry reports {reported}"
            return proof
        run([dgen, "render", "-q"], cwd=project)
        dockerfile = (project / "Dockerfile").read_text()
        if f"FROM {ref}@{reported}" not in dockerfile:
            proof.detail = f"the Dockerfile does not pin FROM {ref}@{reported}"
            return proof
        # The build must pull from the registry: the local tag (and so its digest) is removed first.
        docker.run("rmi", ref)
        pushed.remove(ref)
        before = registry.manifest_pulls(repository, reported)
        ok, seconds, output = docker_build(docker, project, "dgen-proof/lock:1")
        pulls = registry.manifest_pulls(repository, reported) - before
        if not ok or pulls < 1:
            proof.detail = f"build with the pinned FROM: ok={ok}, manifest pulls by digest={pulls}\n" + \
                           "\n".join(output.splitlines()[-15:])
            return proof
        # Move the tag: a changed image pushed under the same tag.
        moved = work / "moved"
        moved.mkdir()
        (moved / "Dockerfile").write_text(f"FROM {stand_in}\nLABEL dgen.proof.moved=\"1\"\n")
        ok, _, output = docker_build(docker, moved, ref)
        pushed.append(ref)
        if not ok:
            raise RuntimeError("building the moved image failed:\n" + output[-2000:])
        docker.run("push", ref, timeout=600)
        new, _ = registry.head_digest(repository, "1")
        run([dgen, "lock"], cwd=project)
        kept = (project / "dgen.lock").read_text() == lock
        update = run([dgen, "lock", "--update"], cwd=project)
        relocked = re.search(r'digest = "(sha256:[0-9a-f]{64})"', (project / "dgen.lock").read_text())[1]
        # An error from the real registry: a tag it does not have.
        bad = work / "lock-missing"
        shutil.copytree(project, bad)
        (bad / "dgen.toml").write_text((bad / "dgen.toml").read_text().replace(":1\"", ":no-such-tag\""))
        before_bad = (bad / "dgen.lock").read_text()
        missing = run([dgen, "lock"], cwd=bad, check=False)
        ok_missing = (missing.returncode == 2 and f"{repository}:no-such-tag" in missing.stderr
                      and "404" in missing.stderr and (bad / "dgen.lock").read_text() == before_bad)
        if new == reported or relocked != new or not kept or not ok_missing:
            proof.detail = (f"moved tag: old {reported}, new {new}; plain lock kept the entry: {kept}; "
                            f"--update wrote {relocked} ({update.stderr.strip()}); missing tag: exit "
                            f"{missing.returncode}, {missing.stderr.strip()}")
            return proof
        proof.status = PASS
        proof.detail = (f"{ref}: dgen.lock = Docker-Content-Digest {reported} ({media}); the build pulled "
                        f"the manifest by digest {pulls}x; after the tag moved, --update wrote {new}; a "
                        f"missing tag: exit 2, lock untouched")
        proof.figures = {"digest": reported[:19] + "…", "moved to": new[:19] + "…"}
        return proof
    except Exception as error:
        proof.detail = f"{type(error).__name__}: {error}"
        return proof
    finally:
        for tag in pushed:
            docker.run("rmi", tag, check=False)
        docker.run("rmi", "dgen-proof/lock:1", check=False)
        registry.stop()


# --- 2. arm64 without emulation ---------------------------------------------------

def arm64_proof(docker: Docker, dgen: Path, work: Path, tools: lockfiles.Tools, stand_ins) -> Proof:
    proof = Proof("Go arm64 cross-compile")
    found = examples.discover(REPO / "examples", ["go-multiarch"])
    ex = found[0]
    try:
        examples.prepare(ex, work / "arm64", tools)
        for image in ex.base_images():
            stand_ins.ensure(image)
        handlers = [h for h in binfmt_handlers() if "aarch64" in h or "arm64" in h]
        results = {}
        for platform in ("linux/arm64", "linux/amd64"):
            out = work / f"out-{platform.replace('/', '-')}"
            ok, seconds, output = docker_build(docker, ex.dir, None, "--platform", platform,
                                               "--output", f"type=local,dest={out}")
            if not ok:
                proof.detail = f"docker build --platform {platform} failed:\n" + "\n".join(output.splitlines()[-20:])
                return proof
            binary = out / "usr" / "local" / "bin" / "echo-time"
            results[platform] = (elf_machine(binary), elf_machine(out / "usr" / "local" / "bin" / "healthcheck"),
                                 seconds)
        arm, amd = results["linux/arm64"], results["linux/amd64"]
        if arm[:2] != (EM_AARCH64, EM_AARCH64) or amd[:2] != (EM_X86_64, EM_X86_64) or handlers:
            proof.detail = (f"ELF machines: arm64 build {arm[:2]}, amd64 build {amd[:2]} (want 183, 62); "
                            f"binfmt handlers for arm64: {handlers or 'none'}")
            return proof
        proof.status = PASS
        proof.detail = (f"docker build --platform linux/arm64 of examples/go-multiarch: the app and the probe "
                        f"are aarch64 ELF (e_machine 183), the amd64 build x86-64 (62); no binfmt/QEMU "
                        f"handler is registered on this machine, so nothing was emulated")
        proof.figures = {"arm64 build s": f"{arm[2]:.1f}", "amd64 build s": f"{amd[2]:.1f}"}
        return proof
    except Exception as error:
        proof.detail = f"{type(error).__name__}: {error}"
        return proof


def rust_arm64_proof(docker: Docker, work: Path, tools: lockfiles.Tools, stand_ins) -> Proof:
    """examples/rust-multiarch built for linux/arm64 and linux/amd64: the build stage runs on the
    build platform and cross-compiles. Only the build stage's /out is exported (a `FROM scratch`
    stage appended to the copy's Dockerfile): the final stage's base, the distroless cc stand-in,
    exists here for the machine's platform only."""
    proof = Proof("Rust arm64 cross-compile")
    ex = examples.discover(REPO / "examples", ["rust-multiarch"])[0]
    try:
        examples.prepare(ex, work / "rust-arm64", tools)
        for image in ex.base_images():
            stand_ins.ensure(image)
        dockerfile = ex.dir / "Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + "\nFROM scratch AS dgen-proof-out\nCOPY --from=build /out/ /\n"
                              "COPY --from=build /etc/rust-target /etc/rust-linker /proof/\n")
        handlers = [h for h in binfmt_handlers() if "aarch64" in h or "arm64" in h]
        results = {}
        for platform in ("linux/arm64", "linux/amd64"):
            out = work / f"rust-out-{platform.replace('/', '-')}"
            ok, seconds, output = docker_build(docker, ex.dir, None, "--platform", platform, "--target",
                                               "dgen-proof-out", "--output", f"type=local,dest={out}")
            if not ok:
                proof.detail = f"docker build --platform {platform} failed:\n" + "\n".join(output.splitlines()[-25:])
                return proof
            # What the setup step chose: the triple and the linker it recorded for the later steps.
            chosen = tuple((out / "proof" / name).read_text().strip() for name in ("rust-target", "rust-linker"))
            results[platform] = (elf_machine(out / "hello"), elf_machine(out / "healthcheck"), seconds, chosen)
        arm, amd = results["linux/arm64"], results["linux/amd64"]
        if (arm[:2] != (EM_AARCH64, EM_AARCH64) or amd[:2] != (EM_X86_64, EM_X86_64) or handlers
                or arm[3] != ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc")
                or amd[3] != ("x86_64-unknown-linux-gnu", "cc")):
            proof.detail = (f"ELF machines: arm64 build {arm[:2]}, amd64 build {amd[:2]} (want 183, 62); "
                            f"triple and linker: arm64 {arm[3]}, amd64 {amd[3]}; "
                            f"binfmt handlers for arm64: {handlers or 'none'}")
            return proof
        proof.status = PASS
        proof.detail = (f"docker build --platform linux/arm64 of examples/rust-multiarch's build stage: the app "
                        f"and the probe are aarch64 ELF (e_machine 183), target aarch64-unknown-linux-gnu linked by "
                        f"Debian's aarch64-linux-gnu-gcc; the amd64 build x86-64 (62), native (linker cc); "
                        f"no binfmt/QEMU handler is registered on this "
                        f"machine, so nothing was emulated")
        proof.figures = {"arm64 build s": f"{arm[2]:.1f}", "amd64 build s": f"{amd[2]:.1f}"}
        return proof
    except Exception as error:
        proof.detail = f"{type(error).__name__}: {error}"
        return proof
    finally:
        for platform in ("linux/arm64", "linux/amd64"):
            shutil.rmtree(work / f"rust-out-{platform.replace('/', '-')}", ignore_errors=True)


# --- 3. build secrets against a private index that needs a password or a token -------

PACKAGE, VERSION = "dgen_proof_private", "1.0.0"


def build_wheel(into: Path, marker: str) -> Path:
    """A pure-Python wheel, made here at run time (no build backend needed)."""
    name = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
    dist = f"{PACKAGE}-{VERSION}.dist-info"
    files = {
        f"{PACKAGE}/__init__.py": f"MARKER = {marker!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE.replace('_', '-')}\nVersion: {VERSION}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: dgen-engine\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={digest}", len(text.encode())])
    writer.writerow([f"{dist}/RECORD", "", ""])
    files[f"{dist}/RECORD"] = record.getvalue()
    path = into / name
    with zipfile.ZipFile(path, "w") as wheel:
        for member, text in files.items():
            wheel.writestr(member, text)
    return path


class PrivateIndex(LocalServer):
    """pypiserver on 127.0.0.1 whose every action needs a password (htpasswd via passlib)."""

    def __init__(self, work: Path, cache_dir: Path):
        self.work = work
        self.venv = cache_dir / "tools" / "pypiserver"
        self.port = free_port()
        self.user = "dgen-proof"
        self.password = "pw-" + random.token_hex(16)

    def start(self, wheel: Path) -> None:
        server = self.venv / "bin" / "pypi-server"
        if not server.exists():
            log(f"installing pypiserver and passlib into {self.venv}")
            run([sys.executable, "-m", "venv", "--clear", self.venv])
            run([self.venv / "bin" / "python", "-m", "pip", "install", "-q", "pypiserver", "passlib"])
        packages = self.work / "packages"
        packages.mkdir(parents=True)
        shutil.copy(wheel, packages)
        htpasswd = self.work / "htpasswd"
        run([self.venv / "bin" / "python", "-c",
             "import sys; from passlib.apache import HtpasswdFile as H; h = H(sys.argv[1], new=True); "
             "h.set_password(sys.argv[2], sys.argv[3]); h.save()", htpasswd, self.user, self.password])
        self.spawn([server, "run", "--host", "127.0.0.1", "--port", self.port, "--passwords", htpasswd,
                    "--authenticate", "download,list,update", "--disable-fallback", packages],
                   self.work / "pypiserver.log")
        wait_http(f"http://127.0.0.1:{self.port}/simple/")

    def url(self, password: str) -> str:
        return f"http://{self.user}:{password}@127.0.0.1:{self.port}/simple/"


VERDACCIO_VERSION = "6.8.0"  # the last release that runs on Node.js 20 (the machine's); 6.9 needs 22
# verdaccio-audit asks for node-fetch by the dist-tag `cjs`, which the registry no longer has: 2.7.0
# is the CommonJS line that tag named.
VERDACCIO_OVERRIDES = {"node-fetch": "2.7.0"}
NPM_SCOPE = "@dgen-proof"
NPM_PACKAGE = f"{NPM_SCOPE}/private"


class PrivateNpmRegistry(LocalServer):
    """verdaccio on 127.0.0.1 with no uplink: the scope's packages can be read and published only by
    a user (htpasswd, registration closed after the suite's own user signs up); each user gets a token."""

    def __init__(self, work: Path, tools: lockfiles.Tools):
        self.work = work
        self.tools = tools
        self.port = free_port()
        self.user = "dgen-proof"
        self.password = "pw-" + random.token_hex(16)
        self.token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def config(self, max_users: int) -> str:
        return (f"storage: {json.dumps(str(self.work / 'storage'))}\n"
                f"auth:\n  htpasswd:\n    file: {json.dumps(str(self.work / 'htpasswd'))}\n"
                f"    max_users: {max_users}\n"
                "uplinks: {}\n"
                "packages:\n"
                f"  '{NPM_SCOPE}/*':\n    access: $authenticated\n    publish: $authenticated\n"
                "  '**':\n    access: $authenticated\n    publish: $authenticated\n"
                f"listen: 127.0.0.1:{self.port}\n"
                "web:\n  enable: false\n"
                "log: {type: stdout, format: pretty, level: warn}\n")

    def start(self) -> None:
        verdaccio = self.tools.npm_executable("verdaccio", VERDACCIO_VERSION, VERDACCIO_OVERRIDES)
        self.work.mkdir(parents=True, exist_ok=True)
        config = self.work / "config.yaml"
        config.write_text(self.config(max_users=1))
        self.spawn([verdaccio, "--config", config], self.work / "verdaccio.log", cwd=self.work)
        wait_http(self.url + "-/ping", timeout=60)
        self.token = self.add_user()

    def add_user(self) -> str:
        """`npm adduser` as the registry's API has it: the user is created, a token comes back."""
        body = json.dumps({"_id": f"org.couchdb.user:{self.user}", "name": self.user, "password": self.password,
                           "type": "user", "roles": []}).encode()
        request = urllib.request.Request(f"{self.url}-/user/org.couchdb.user:{self.user}", data=body, method="PUT",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            token = json.load(response).get("token")
        if not token:
            raise RuntimeError("verdaccio created the user but returned no token")
        return token

    def npmrc(self, token: str) -> str:
        """An `.npmrc` as teams write it for a private scope: the scope's registry and its token."""
        host = self.url.removeprefix("http:")
        return f"{NPM_SCOPE}:registry={self.url}\n{host}:_authToken={token}\n"

    def anonymous_status(self) -> int:
        """What the registry answers a request without a token for the private package."""
        try:
            urllib.request.urlopen(self.url + NPM_PACKAGE.replace("/", "%2f"), timeout=10)
            return 200
        except urllib.error.HTTPError as error:
            return error.code

    def publish(self, package_dir: Path, userconfig: Path) -> None:
        run(["npm", "publish", "--userconfig", userconfig, "--registry", self.url, "--no-audit"], cwd=package_dir)


def leaks(docker: Docker, tags: list[str], needles: list[str]) -> list[str]:
    """Where any of `needles` shows up in the images: `docker history --no-trunc`, `docker inspect`,
    the bytes of `docker save`, and every file of every layer in it."""
    found = []
    for tag in tags:
        history = docker.run("history", "--no-trunc", tag).stdout
        inspect = docker.run("image", "inspect", tag).stdout
        saved = subprocess.run([docker.client, "save", tag], capture_output=True, env=docker.env).stdout
        if not saved:
            raise RuntimeError(f"docker save {tag} gave nothing to search")
        for needle in needles:
            for where, blob in (("docker history", history.encode()), ("docker inspect", inspect.encode()),
                                ("docker save", saved)):
                if needle.encode() in blob:
                    found.append(f"{tag}: {where}")
        found += [f"{tag}: docker save ({m})" for m in _tar_layers_holding(saved, *needles)]
    return found


@dataclass
class SecretCase:
    """One private-index build: the project (rendered by dgen), the secret's id, a file holding the
    real credential and one holding a wrong one, what the image must print, and the strings that
    must not reach the image."""
    project: Path
    secret_id: str
    good: Path
    wrong: Path
    marker: str
    needles: list[str]
    tag: str  # the final image; `<tag>-builder` and `<tag>-none`/`-wrong` are made too
    builder_stage: str
    refusal: str = ""  # what the build with the wrong credential must say (e.g. the 401), if anything


def prove_secret(docker: Docker, proof: Proof, case: SecretCase) -> Proof:
    """The build fails without the secret and with a wrong credential, succeeds with the right
    one; the image runs the private package; no needle is in the final image or the builder stage."""
    made = [case.tag, f"{case.tag}-builder", f"{case.tag}-none", f"{case.tag}-wrong"]
    try:
        examples._adapt_dockerfile(examples.Example("secret", case.project, {}, dir=case.project))
        ok_none, _, _ = docker_build(docker, case.project, made[2], "--no-cache")
        ok_wrong, _, out_wrong = docker_build(docker, case.project, made[3], "--no-cache",
                                              "--secret", f"id={case.secret_id},src={case.wrong}")
        ok_good, seconds, out_good = docker_build(docker, case.project, case.tag, "--no-cache",
                                                  "--secret", f"id={case.secret_id},src={case.good}")
        refused = not case.refusal or case.refusal in out_wrong
        if ok_none or ok_wrong or not ok_good or not refused:
            proof.detail = (f"without the secret: built={ok_none}; wrong credential: built={ok_wrong}"
                            f"{'' if refused else f', without {case.refusal!r} in its output'}; with it: "
                            f"built={ok_good}\n"
                            + "\n".join((out_good if ok_wrong or not ok_good else out_wrong).splitlines()[-15:]))
            return proof
        ok_builder, _, out_builder = docker_build(docker, case.project, made[1], "--target", case.builder_stage,
                                                  "--secret", f"id={case.secret_id},src={case.good}")
        if not ok_builder:
            proof.detail = "building the builder stage alone failed:\n" + "\n".join(out_builder.splitlines()[-15:])
            return proof
        ran = docker.run("run", "--rm", case.tag, check=False).stdout.strip()
        if ran != case.marker:
            proof.detail = f"the image did not run the private package: {ran!r}"
            return proof
        found = leaks(docker, made[:2], case.needles)
        if found:
            proof.detail = "the secret is in: " + ", ".join(found)
            return proof
        proof.status = PASS
        proof.figures = {"secret build s": f"{seconds:.1f}"}
        return proof
    finally:
        for tag in made:
            docker.run("rmi", tag, check=False)


def secret_proof(docker: Docker, dgen: Path, work: Path, cache_dir: Path) -> Proof:
    proof = Proof("pip secret (pypiserver + htpasswd)")
    index = PrivateIndex(work / "index", cache_dir)
    marker = "marker-" + random.token_hex(8)
    try:
        (work / "index").mkdir(parents=True)
        index.start(build_wheel(work / "index", marker))
        project = work / "secret-app"
        project.mkdir()
        (project / "requirements.txt").write_text(f"{PACKAGE.replace('_', '-')}=={VERSION}\n")
        (project / "app.py").write_text(f"import {PACKAGE}\nprint({PACKAGE}.MARKER)\n")
        (project / "dgen.toml").write_text(
            'name = "dgen-proof-secret"\nstack = "python"\n\n[app]\ncommand = ["python", "app.py"]\n'
            'sources = ["app.py"]\n\n[healthcheck]\nenabled = false\n\n'
            '[secrets.pypi]\nkind = "index-url"\nfile = "index-url.txt"\n')
        run([dgen, "render", "-q"], cwd=project)
        good = work / "good-secret"
        good.write_text(index.url(index.password))
        wrong = work / "wrong-secret"
        wrong.write_text(index.url("not-the-password"))
        prove_secret(docker, proof, SecretCase(project, "pypi", good, wrong, marker, [index.password],
                                               "dgen-proof/secret:1", "builder"))
        if proof.status == PASS:
            proof.detail = (f"a private pypiserver on 127.0.0.1 (htpasswd): the build fails without the secret and "
                            f"with a wrong password, succeeds with `--secret id=pypi,src=…`; the image runs the "
                            f"private package; the password is in no byte of `docker save` (final image and "
                            f"builder stage, every layer), `docker history --no-trunc` or `docker inspect`")
        return proof
    except Exception as error:
        proof.detail = f"{type(error).__name__}: {error}"
        return proof
    finally:
        index.stop()


def npm_secret_proof(docker: Docker, dgen: Path, work: Path, tools: lockfiles.Tools) -> Proof:
    """A node project whose dependency lives in a private verdaccio scope: its `.npmrc` (the scope's
    registry and a user's token) is a build secret."""
    proof = Proof("npm secret (verdaccio + token)")
    registry = PrivateNpmRegistry(work / "verdaccio", tools)
    marker = "marker-" + random.token_hex(8)  # also makes the tarball's integrity new: no npm cache has it
    try:
        registry.start()
        anonymous = registry.anonymous_status()
        if anonymous not in (401, 403):
            proof.detail = f"the private registry answered {anonymous} to a request without a token"
            return proof
        good = work / "npmrc-good"
        good.write_text(registry.npmrc(registry.token))
        wrong = work / "npmrc-wrong"
        wrong.write_text(registry.npmrc(random.token_urlsafe(24)))
        package = work / "npm-package"
        package.mkdir()
        (package / "package.json").write_text(json.dumps(
            {"name": NPM_PACKAGE, "version": VERSION, "main": "index.js", "license": "MIT"}, indent=2))
        (package / "index.js").write_text(f"module.exports = {{ marker: {json.dumps(marker)} }};\n")
        registry.publish(package, good)
        project = work / "npm-secret-app"
        project.mkdir()
        (project / "package.json").write_text(json.dumps(
            {"name": "dgen-proof-npm-secret", "version": "1.0.0", "private": True,
             "dependencies": {NPM_PACKAGE: VERSION}}, indent=2))
        (project / "app.js").write_text(f"console.log(require({json.dumps(NPM_PACKAGE)}).marker);\n")
        # The lock file a team commits: resolved against the private registry, with the token.
        run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund", "--userconfig", good],
            cwd=project)
        if registry.url + NPM_PACKAGE not in (project / "package-lock.json").read_text():
            raise RuntimeError("package-lock.json does not resolve the package from the private registry")
        (project / "dgen.toml").write_text(
            'name = "dgen-proof-npm-secret"\nstack = "node"\n\n[app]\ncommand = ["node", "app.js"]\n'
            'sources = ["app.js"]\n\n[node]\nversion = "22"\npackage_manager = "npm"\n\n'
            '[healthcheck]\nenabled = false\n\n[secrets.npmrc]\nkind = "npmrc"\nfile = "npmrc.txt"\n')
        run([dgen, "render", "-q"], cwd=project)
        prove_secret(docker, proof, SecretCase(project, "npmrc", good, wrong, marker,
                                               [registry.token, registry.password], "dgen-proof/npm-secret:1",
                                               "deps", refusal="401"))
        if proof.status == PASS:
            proof.detail = (f"a private verdaccio {VERDACCIO_VERSION} on 127.0.0.1 ({NPM_PACKAGE} published at run "
                            f"time, readable by its user only: {anonymous} without a token): the build fails "
                            f"without the secret and with a wrong token (401), succeeds with `--secret "
                            f"id=npmrc,src=…` (an .npmrc with the scope's registry and the token); the image "
                            f"runs the private package; the token is in no byte of `docker save` (final image "
                            f"and deps stage, every layer), `docker history --no-trunc` or `docker inspect`")
        return proof
    except Exception as error:
        proof.detail = f"{type(error).__name__}: {error}"
        return proof
    finally:
        registry.stop()


def _tar_layers_holding(saved: bytes, *needles: str) -> list[str]:
    """The files of a `docker save` tar, and of every layer in it, whose bytes hold one of `needles`.
    A layer is any member that opens as a tar, compressed or not, whatever its name (`layer.tar` in
    Docker's own layout, `blobs/sha256/…` in the OCI layout newer engines write)."""
    wanted = [n.encode() for n in needles]
    found = []
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            if not member.isfile():
                continue
            data = outer.extractfile(member).read()
            try:
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as layer:
                    for inner in layer.getmembers():
                        if inner.isfile():
                            content = layer.extractfile(inner).read()
                            if any(n in content for n in wanted):
                                found.append(f"{member.name}:{inner.name}")
            except tarfile.TarError:
                if any(n in data for n in wanted):
                    found.append(member.name)
    return found


# --- 4. cache mount: rebuild after adding a dependency ------------------------------

# A cache mount flag, followed by a line continuation or by the command on the same line.
CACHE_MOUNT = re.compile(r"--mount=type=cache,\S+(?: \\\n\s*| +)")
NO_CACHE_FLAGS = ((r"\bpip install (?!--no-cache-dir)", "pip install --no-cache-dir "),
                  (r"\buv sync (?!--no-cache)", "uv sync --no-cache "),
                  (r"\bpoetry install (?!--no-cache)", "poetry install --no-cache "))


def without_cache_mounts(dockerfile: str) -> str:
    """The generated Dockerfile as it was before cache mounts: no mount, and each installer told
    not to keep a cache (which would otherwise end up in the layer)."""
    text = CACHE_MOUNT.sub("", dockerfile)
    for pattern, replacement in NO_CACHE_FLAGS:
        text = re.sub(pattern, replacement, text)
    return text


@dataclass(frozen=True)
class CacheCase:
    """One package manager's example for the rebuild figures: the file whose change makes a fresh
    install layer, and the one dependency added between the two builds."""
    manager: str
    example: str
    dependency_file: str
    added: str = "requests==2.32.3"


CACHE_CASES = {
    "pip": CacheCase("pip", "flask-pip", "requirements.txt"),
    "uv": CacheCase("uv", "fastapi-uv", "pyproject.toml"),
    "poetry": CacheCase("poetry", "django-poetry", "pyproject.toml"),
}


def cache_proof(docker: Docker, dgen: Path, work: Path, tools: lockfiles.Tools, stand_ins,
                case: CacheCase = CACHE_CASES["pip"]) -> Proof:
    """Build, add one dependency (and re-lock, as the team would), rebuild; with the generated
    cache mounts and without them."""
    proof = Proof(f"{case.manager} cache mount: rebuild after adding a dependency")
    ex = examples.discover(REPO / "examples", [case.example])[0]
    tag = f"dgen-proof/cache-{case.manager}:1"
    times = {}
    try:
        for variant in ("with cache mount", "without"):
            ex.dir = None
            root = work / f"cache-{case.manager}-{'on' if variant.startswith('with ') else 'off'}"
            examples.prepare(ex, root, tools)
            # The junk virtualenv planted for promise 5 would be taken by uv and poetry for the
            # project's environment when they add the dependency: this proof does not need it.
            shutil.rmtree(ex.dir / ".venv", ignore_errors=True)
            for image in ex.base_images():
                stand_ins.ensure(image)
            dockerfile = ex.dir / "Dockerfile"
            if variant == "without":
                dockerfile.write_text(without_cache_mounts(dockerfile.read_text()))
                if "--mount=type=cache" in dockerfile.read_text():
                    raise RuntimeError("a cache mount is left in the Dockerfile without them")
            # A fresh install layer for this run (the layer cache must not answer), while the cache
            # mount keeps what earlier builds downloaded, as it does on a developer's machine.
            deps = ex.dir / case.dependency_file
            deps.write_text(f"# engine run {random.token_hex(6)}\n" + deps.read_text())
            ok, cold, out = docker_build(docker, ex.dir, tag)
            if not ok:
                raise RuntimeError(f"{variant}: first build failed:\n{out[-2000:]}")
            lockfiles.add_dependency(ex.dir, case.manager, dockerfile.read_text(), tools, case.added)
            ok, rebuild, out = docker_build(docker, ex.dir, tag)
            if not ok:
                raise RuntimeError(f"{variant}: rebuild failed:\n{out[-2000:]}")
            name = case.added.split("==")[0]
            listed = docker.run("run", "--rm", "--entrypoint", "python", tag, "-c",
                                f"import importlib.metadata as m; print(m.version({name!r}))", check=False)
            if listed.stdout.strip() != case.added.split("==")[1]:
                raise RuntimeError(f"{variant}: the rebuilt image lacks {case.added}: {listed.stdout}{listed.stderr}")
            times[variant] = (cold, rebuild)
        on, off = times["with cache mount"][1], times["without"][1]
        proof.status = MEASURED
        proof.detail = (f"examples/{case.example}, {case.added} added to {case.dependency_file}"
                        f"{'' if case.manager == 'pip' else ' and re-locked'}: rebuild {on:.1f}s with the "
                        f"{case.manager} cache mount, {off:.1f}s without (first builds "
                        f"{times['with cache mount'][0]:.1f}s / {times['without'][0]:.1f}s)")
        proof.figures = {"rebuild with mount s": f"{on:.1f}", "rebuild without s": f"{off:.1f}",
                         "first build with / without s": f"{times['with cache mount'][0]:.1f} / "
                                                         f"{times['without'][0]:.1f}"}
        return proof
    except Exception as error:
        proof.detail = f"{type(error).__name__}: {error}"
        return proof
    finally:
        docker.run("rmi", tag, check=False)


# --- entry point ------------------------------------------------------------------

class _LoggedList(list):
    """The proofs done so far; each is logged as it is added, so that a run cut short keeps its figures."""

    def append(self, proof: Proof) -> None:
        log(f"{proof.status} {proof.name}: {proof.detail.splitlines()[0] if proof.detail else ''}"
            + (f" ({', '.join(f'{k}: {v}' for k, v in proof.figures.items())})" if proof.figures else ""))
        super().append(proof)


# The proofs by name (`run.py --proof NAME`), in the order they run: `secret` and `cache` are pip's.
PROOF_NAMES = ["lock", "arm64", "rust-arm64", "secret", "npm-secret", "cache", "cache-uv", "cache-poetry"]


def run_proofs(docker: Docker, stand_ins, tools: lockfiles.Tools, cache_dir: Path, tmp: Path,
               only: list[str] | None = None) -> list[Proof]:
    dgen = dgen_binary()
    work = tmp / "proofs"
    work.mkdir(parents=True, exist_ok=True)
    proofs = _LoggedList()
    wanted = set(only or PROOF_NAMES)
    if "lock" in wanted:
        stand_ins.ensure("python:3.12-slim")
        log("proof: dgen lock against a real registry")
        proofs.append(lock_proof(docker, dgen, work, "python:3.12-slim"))
    if "arm64" in wanted:
        log("proof: Go cross-compiled for linux/arm64")
        proofs.append(arm64_proof(docker, dgen, work, tools, stand_ins))
    if "rust-arm64" in wanted:
        log("proof: Rust cross-compiled for linux/arm64")
        proofs.append(rust_arm64_proof(docker, work, tools, stand_ins))
    if "secret" in wanted:
        stand_ins.ensure("python:3.12-slim")
        log("proof: pip build secret from a private index")
        proofs.append(secret_proof(docker, dgen, work, cache_dir))
    if "npm-secret" in wanted:
        stand_ins.ensure("node:22-slim")
        log("proof: npm build secret from a private registry")
        proofs.append(npm_secret_proof(docker, dgen, work, tools))
    for name, manager in (("cache", "pip"), ("cache-uv", "uv"), ("cache-poetry", "poetry")):
        if name in wanted:
            log(f"proof: {manager} cache mount rebuild times")
            proofs.append(cache_proof(docker, dgen, work, tools, stand_ins, CACHE_CASES[manager]))
    return proofs


def report(proofs: list[Proof]) -> None:
    if not proofs:
        return
    print("\nBuild-feature proofs (tests/engine/buildfeat.py):")
    for proof in proofs:
        print(f"{proof.status} {proof.name}: {proof.detail}")
        if proof.figures:
            print("    " + ", ".join(f"{k}: {v}" for k, v in proof.figures.items()))

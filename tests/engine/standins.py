"""Stand-in base images: no container registry is reachable, so nothing can be pulled.

A Debian rootfs made with debootstrap is imported once; every stand-in is then
built on top of it by a tiny Dockerfile and tagged with exactly the name the
generated Dockerfiles use (e.g. `python:3.12-slim`), so they build unchanged.
Each stand-in carries this machine's CA bundle and package-tool registry
settings, read at run time. Built images are saved as tarballs in a cache
directory, keyed by a hash of everything that went into them.

Adding a family is one entry in RECIPES.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import machine
from engine import Docker, log

KEY_LABEL = "dgen.standin.key"
IMAGE_CA_PATH = "/etc/ssl/certs/ca-certificates.crt"
ROOTFS_REVISION = "1"  # bump when rootfs() changes
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Recipe:
    family: str
    pattern: str  # full match against the image reference, named groups feed `parent`/`steps`
    parent: str  # the image this one is built FROM: ROOTFS or another stand-in's tag
    steps: str  # Dockerfile lines after FROM
    note: str = ""  # how the stand-in differs from the official image
    probe: tuple[str, ...] = ()  # command whose output the report shows (e.g. the real version inside)

    def match(self, ref: str) -> dict[str, str] | None:
        found = re.fullmatch(self.pattern, ref)
        return found.groupdict() if found else None


CODENAME = machine.os_codename()
ROOTFS = f"dgen-standin/rootfs:{CODENAME}"
DEBIAN = f"debian:{CODENAME}-slim"

# What every stand-in gets from the machine: its CA bundle, apt sources, pip settings, TLS env.
MACHINE_SETTINGS = f"""\
COPY machine/ca.crt /usr/local/share/ca-certificates/machine-ca.crt
COPY machine/ca.crt {IMAGE_CA_PATH}
COPY machine/apt.sources /etc/apt/sources.list.d/debian.sources
COPY machine/apt.conf /etc/apt/apt.conf.d/90machine
COPY machine/pip.conf /etc/pip.conf
COPY machine/docker-clean /etc/apt/apt.conf.d/docker-clean
ENV SSL_CERT_FILE={IMAGE_CA_PATH} REQUESTS_CA_BUNDLE={IMAGE_CA_PATH} CURL_CA_BUNDLE={IMAGE_CA_PATH} \\
    PIP_CERT={IMAGE_CA_PATH} NODE_EXTRA_CA_CERTS={IMAGE_CA_PATH} {{uv_env}}
"""

# What the official Debian images configure for apt (from their build scripts).
DOCKER_CLEAN = """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
APT::AutoRemove::SuggestsImportant "false";
"""

APT_INSTALL = ("apt-get update -q && apt-get install -y -q --no-install-recommends {packages} "
               "&& rm -rf /var/lib/apt/lists/*")



def _printf(lines: list[str]) -> str:
    """A shell command that prints `lines` (files are written this way: Docker 20.10's frontend
    has no heredocs), with braces doubled for the recipe's str.format."""
    words = " ".join("'" + line.replace("'", "'\\''") + "'" for line in lines)
    return f"printf '%s\\n' {words}".replace("{", "{{").replace("}", "}}")


def _printf_file(path: str, lines: list[str]) -> str:
    return f"{_printf(lines)} > {path}"


# The official nginx-unprivileged image's configuration: no `user`, pid and temp files in /tmp,
# the default server on 8080 (its Dockerfile's edits of the packaged nginx.conf/default.conf).
NGINX_CONF = [
    "include /etc/nginx/modules-enabled/*.conf;",
    "worker_processes auto;",
    "error_log /var/log/nginx/error.log notice;",
    "pid /tmp/nginx.pid;",
    "events { worker_connections 1024; }",
    "http {",
    "    proxy_temp_path /tmp/proxy_temp;",
    "    client_body_temp_path /tmp/client_temp;",
    "    fastcgi_temp_path /tmp/fastcgi_temp;",
    "    uwsgi_temp_path /tmp/uwsgi_temp;",
    "    scgi_temp_path /tmp/scgi_temp;",
    "    include /etc/nginx/mime.types;",
    "    default_type application/octet-stream;",
    "    access_log /var/log/nginx/access.log;",
    "    sendfile on;",
    "    keepalive_timeout 65;",
    "    include /etc/nginx/conf.d/*.conf;",
    "}",
]
NGINX_DEFAULT_SERVER = [
    "server {",
    "    listen 8080;",
    "    server_name localhost;",
    "    location / { root /usr/share/nginx/html; index index.html index.htm; }",
    "}",
]

# The official postgres image's entrypoint, in short: on the first start (as root) it owns $PGDATA
# for postgres, drops to that user, initializes the cluster from POSTGRES_USER, POSTGRES_PASSWORD
# and POSTGRES_DB, allows password logins from the network, and runs postgres listening on all
# addresses.
POSTGRES_ENTRYPOINT = [
    "#!/bin/sh",
    "set -e",
    'case " $* " in *" --version "*|*" -V "*|*" --help "*|*" --describe-config "*) exec "$@";; esac',
    'if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then',
    '  mkdir -p "$PGDATA" /var/run/postgresql',
    '  chown -R postgres:postgres "$PGDATA" /var/run/postgresql && chmod 700 "$PGDATA"',
    '  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"',
    "fi",
    'if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then',
    '  user="${POSTGRES_USER:-postgres}"; db="${POSTGRES_DB:-$user}"',
    '  if [ -z "$POSTGRES_PASSWORD" ]; then echo "error: POSTGRES_PASSWORD is not set" >&2; exit 1; fi',
    '  pwfile="$(mktemp)"; printf "%s\\n" "$POSTGRES_PASSWORD" > "$pwfile"',
    '  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"',
    '  rm -f "$pwfile"',
    '  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"',
    '  if [ "$db" != postgres ]; then',
    "    pg_ctl -D \"$PGDATA\" -o \"-c listen_addresses=''\" -w start",
    '    psql -v ON_ERROR_STOP=1 --username="$user" --dbname=postgres -c "CREATE DATABASE \\"$db\\""',
    '    pg_ctl -D "$PGDATA" -m fast -w stop',
    "  fi",
    "fi",
    'if [ "$1" = postgres ]; then shift; set -- postgres -c listen_addresses="*" "$@"; fi',
    'exec "$@"',
]

# distroless images: no registry to pull them from, so the same files are copied from Debian
# into an empty image (FROM scratch) by a two-stage recipe.
DEBIAN_MAJOR = {"bookworm": "12", "trixie": "13"}.get(CODENAME, "12")
DISTROLESS_ROOTFS = (
    "RUN " + APT_INSTALL.format(packages="ca-certificates tzdata")
    + " \\\n && mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/home/nonroot /rootfs/root /rootfs/usr/share"
    " \\\n && chmod 1777 /rootfs/tmp && chmod 700 /rootfs/root && chown 65532:65532 /rootfs/home/nonroot"
    " \\\n && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/"
    " && cp -a /usr/share/zoneinfo /rootfs/usr/share/ && cp /etc/os-release /rootfs/etc/"
    " \\\n && printf 'root:x:0:0:root:/root:/sbin/nologin\\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\\n' > /rootfs/etc/passwd"
    " \\\n && printf 'root:x:0:\\nnobody:x:65534:\\nnonroot:x:65532:\\n' > /rootfs/etc/group"
    " && printf 'hosts: files dns\\n' > /rootfs/etc/nsswitch.conf\n"
)
DISTROLESS_CC_LIBS = (
    "RUN " + APT_INSTALL.format(packages="libssl3")
    + " \\\n && lib=usr/lib/$(uname -m)-linux-gnu && mkdir -p /rootfs/$lib /rootfs/lib64"
    " && ln -s usr/lib /rootfs/lib"
    " \\\n && for f in ld-linux-x86-64.so.2 ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libdl.so.2 librt.so.1"
    " libpthread.so.0 libgcc_s.so.1 libssl.so.3 libcrypto.so.3; do"
    " if [ -e /$lib/$f ]; then cp -L /$lib/$f /rootfs/$lib/; fi; done"
    " \\\n && if [ -e /lib64/ld-linux-x86-64.so.2 ]; then ln -s /$lib/ld-linux-x86-64.so.2 /rootfs/lib64/; fi\n"
)
DISTROLESS_FINAL = (
    "FROM scratch\n"
    "COPY --from=0 /rootfs/ /\n"
    f"ENV PATH={IMAGE_PATH} SSL_CERT_FILE={IMAGE_CA_PATH}\n"
    "USER 65532\nWORKDIR /home/nonroot\n"
)

RECIPES = [
    Recipe(
        family="debian",
        pattern=rf"debian:(?:{CODENAME}|{CODENAME}-slim|12|12-slim)",
        parent=ROOTFS,
        steps=MACHINE_SETTINGS + 'CMD ["bash"]\n',
    ),
    Recipe(
        family="python",
        pattern=rf"python:(?P<version>3(?:\.\d+)*)-slim(?:-{CODENAME})?",
        parent=DEBIAN,
        steps=(
            "ENV LANG=C.UTF-8\n"
            "RUN " + APT_INSTALL.format(packages="ca-certificates python3 python3-pip python3-venv python-is-python3")
            + " \\\n && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED"
            " \\\n && python -m venv /tmp/venv-check && /tmp/venv-check/bin/python -m pip --version"
            " && rm -rf /tmp/venv-check /root/.cache\n"
            'CMD ["python3"]\n'
        ),
        note=f"Debian {CODENAME}'s python3 stands in for CPython {{version}}",
        probe=("python", "--version"),
    ),
    Recipe(
        family="redis",
        pattern=r"redis:(?P<version>7(?:\.\d+)*)(?:-alpine|-bookworm)?",
        parent=DEBIAN,
        steps=(
            "RUN " + APT_INSTALL.format(packages="redis-server redis-tools")
            + " && mkdir /data && chown redis:redis /data\n"
            "WORKDIR /data\nUSER redis\nEXPOSE 6379\n"
            'CMD ["redis-server", "--protected-mode", "no"]\n'
        ),
        note=f"Debian {CODENAME}'s redis-server stands in for Redis {{version}}",
        probe=("redis-server", "--version"),
    ),
    Recipe(
        family="postgres",
        pattern=r"postgres:(?P<version>\d+(?:\.\d+)*)(?:-bookworm|-alpine)?",
        parent=DEBIAN,
        # Like the official image: PGDATA /var/lib/postgresql/data, an entrypoint initializing it from
        # POSTGRES_* on first start, postgres listening on 5432; no main cluster from Debian's packaging.
        steps=(
            "RUN " + APT_INSTALL.format(packages="postgresql-common")
            + " \\\n && sed -ri 's/#?(create_main_cluster) .*$/\\1 = false/' /etc/postgresql-common/createcluster.conf"
            " \\\n && " + APT_INSTALL.format(packages="postgresql-15 postgresql-client-15")
            + " \\\n && " + _printf_file("/usr/local/bin/docker-entrypoint.sh", POSTGRES_ENTRYPOINT)
            + " && chmod 755 /usr/local/bin/docker-entrypoint.sh\n"
            f"ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:{IMAGE_PATH}\n"
            "VOLUME /var/lib/postgresql/data\nEXPOSE 5432\nSTOPSIGNAL SIGINT\n"
            'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["postgres"]\n'
        ),
        note=f"Debian {CODENAME}'s PostgreSQL 15 stands in for PostgreSQL {{version}}, with a short entrypoint "
             "doing what the official one does on first start (POSTGRES_USER/PASSWORD/DB)",
        probe=("postgres", "--version"),
    ),
    Recipe(
        family="node",
        pattern=rf"node:(?P<version>\d+(?:\.\d+)*)(?:-slim|-{CODENAME}-slim|-{CODENAME})?",
        parent=DEBIAN,
        # Like the official image: node, npm and yarn 1 on PATH, a `node` user with UID 1000,
        # no curl; npm's registry settings from this machine in npm's global config.
        steps=(
            "RUN " + APT_INSTALL.format(packages="ca-certificates nodejs npm")
            + " \\\n && groupadd --gid 1000 node"
            " && useradd --uid 1000 --gid node --shell /bin/bash --create-home node"
            " \\\n && {npm_config} > \"$(npm config get globalconfig)\""
            " \\\n && npm install --global --no-audit --no-fund yarn@1.22.22"
            " \\\n && node --version && npm --version && yarn --version && rm -rf /root/.npm /root/.cache /tmp/*\n"
            'CMD ["node"]\n'
        ),
        note=f"Debian {CODENAME}'s nodejs and npm stand in for Node.js {{version}}",
        probe=("node", "--version"),
    ),
    Recipe(
        family="nginx-unprivileged",
        pattern=r"nginxinc/nginx-unprivileged:(?P<version>\d+(?:\.\d+)*)(?:-alpine(?:-slim)?|-bookworm)?",
        parent=DEBIAN,
        # Like the official image: user nginx (UID 101) owning /etc/nginx and /var/cache/nginx,
        # port 8080, pid and temp files in /tmp, logs to stdout/stderr, and curl.
        steps=(
            "RUN " + APT_INSTALL.format(packages="ca-certificates curl nginx")
            + " \\\n && rm -f /etc/nginx/sites-enabled/default"
            " \\\n && groupadd --system --gid 101 nginx"
            " && useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent"
            " --shell /bin/false nginx"
            " \\\n && " + _printf_file("/etc/nginx/nginx.conf", NGINX_CONF)
            + " \\\n && " + _printf_file("/etc/nginx/conf.d/default.conf", NGINX_DEFAULT_SERVER)
            + " \\\n && mkdir -p /var/cache/nginx /usr/share/nginx/html"
            " && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log"
            " \\\n && chown -R 101:0 /var/cache/nginx /etc/nginx && chmod -R g+w /var/cache/nginx /etc/nginx"
            " \\\n && nginx -t && rm -rf /tmp/*\n"
            "EXPOSE 8080\nSTOPSIGNAL SIGQUIT\nUSER 101\n"
            'CMD ["nginx", "-g", "daemon off;"]\n'
        ),
        note=(f"Debian {CODENAME}'s nginx stands in for nginx {{version}}, set up like the unprivileged image "
              "(user nginx UID 101, port 8080, pid and temp files in /tmp; no entrypoint scripts)"),
        probe=("nginx", "-v"),
    ),
    # --- Go, Rust (issue 6): toolchains from Debian, distroless images rebuilt from Debian files ---
    Recipe(
        family="golang",
        pattern=rf"golang:(?P<version>1(?:\.\d+)*)-{CODENAME}",
        parent=DEBIAN,
        # Like the official image: GOPATH /go, the go command on PATH, git and CA certificates.
        steps=(
            "RUN " + APT_INSTALL.format(packages="ca-certificates git golang-go")
            + " && mkdir -p /go/bin /go/src && chmod -R 1777 /go\n"
            f"ENV GOPATH=/go PATH=/go/bin:{IMAGE_PATH}\n"
            "WORKDIR /go\n"
        ),
        note=f"Debian {CODENAME}'s golang-go stands in for Go {{version}}",
        probe=("go", "version"),
    ),
    Recipe(
        family="rust",
        pattern=rf"rust:(?P<version>1(?:\.\d+)*)-slim-{CODENAME}",
        parent=DEBIAN,
        # Like the official image: CARGO_HOME /usr/local/cargo, cargo and rustc on PATH, a C linker.
        # rustc-web/cargo-web: Debian's newer toolchain for bookworm (its `rustc` is 1.63, too old
        # for the sparse registry protocol, edition 2024 and lock file version 4).
        steps=(
            f"ENV CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:{IMAGE_PATH}\n"
            "RUN " + APT_INSTALL.format(packages="ca-certificates gcc libc6-dev rustc-web cargo-web")
            + " && mkdir -p /usr/local/cargo/bin\n"
        ),
        note=f"Debian {CODENAME}'s rustc-web/cargo-web stand in for Rust {{version}}",
        probe=("rustc", "--version"),
    ),
    Recipe(
        family="distroless-static",
        pattern=rf"gcr\.io/distroless/static-debian{DEBIAN_MAJOR}:nonroot",
        parent=DEBIAN,
        steps=DISTROLESS_ROOTFS + DISTROLESS_FINAL,
        note=f"distroless static rebuilt from Debian {CODENAME} files: CA certificates, time zones, "
             "passwd with nonroot (65532), /tmp; no shell",
    ),
    Recipe(
        family="distroless-cc",
        pattern=rf"gcr\.io/distroless/cc-debian{DEBIAN_MAJOR}:nonroot",
        parent=DEBIAN,
        steps=DISTROLESS_ROOTFS.replace("\nFROM scratch", "") + DISTROLESS_CC_LIBS + DISTROLESS_FINAL,
        note=f"distroless cc rebuilt from Debian {CODENAME} files: as static, plus glibc, libgcc, libssl; no shell",
    ),
]


def find_recipe(ref: str) -> tuple[Recipe, dict[str, str]] | None:
    ref = re.sub(r"^(?:docker\.io/)?(?:library/)?", "", ref)
    for recipe in RECIPES:
        groups = recipe.match(ref)
        if groups is not None:
            return recipe, groups
    return None


def families() -> str:
    return ", ".join(r.family for r in RECIPES)


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


class StandIns:
    """Makes stand-in images exist in the engine: present, loaded from the cache, or built."""

    def __init__(self, docker: Docker, cache_dir: Path):
        self.docker = docker
        self.cache_dir = cache_dir / "standins"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.settings = self._machine_settings()
        self.used: dict[str, str] = {}  # tag -> how it was obtained, with notes
        self._keys: dict[str, str] = {}
        self._npm_config: str | None = None

    # -- machine settings baked into every stand-in --

    @staticmethod
    def _machine_settings() -> dict[str, bytes]:
        uv_env = " ".join(f"{k}={v}" for k, v in machine.uv_env().items())
        return {
            "ca.crt": machine.ca_bundle(),
            "apt.sources": machine.render_apt_sources(machine.debian_sources(CODENAME)).encode(),
            "apt.conf": machine.apt_acquire_settings().encode(),
            "pip.conf": machine.render_pip_conf(machine.pip_settings(IMAGE_CA_PATH)).encode(),
            "docker-clean": DOCKER_CLEAN.encode(),
            "uv_env": uv_env.encode(),
        }

    def _dockerfile(self, recipe: Recipe, groups: dict[str, str]) -> str:
        steps = recipe.steps.replace("{uv_env}", self.settings["uv_env"].decode())
        if "{npm_config}" in steps:  # only the node recipe: other stand-ins' keys stay as they were
            if self._npm_config is None:
                lines = [f"{k}={v}" for k, v in machine.npm_settings(IMAGE_CA_PATH).items()]
                self._npm_config = _printf(lines or ["; no npm settings on this machine"])
            steps = steps.replace("{npm_config}", self._npm_config)
        return f"FROM {recipe.parent.format(**groups)}\n" + steps.format(**groups)

    # -- keys --

    def key(self, tag: str) -> str:
        if tag not in self._keys:
            if tag == ROOTFS:
                self._keys[tag] = _digest("rootfs", ROOTFS_REVISION, CODENAME, machine.debian_mirror(CODENAME))
            else:
                recipe, groups = self._recipe(tag)
                settings = [self.settings[name] for name in sorted(self.settings)]
                self._keys[tag] = _digest(tag, self._dockerfile(recipe, groups), self.key(recipe.parent), *settings)
        return self._keys[tag]

    @staticmethod
    def _recipe(tag: str) -> tuple[Recipe, dict[str, str]]:
        found = find_recipe(tag)
        if not found:
            raise LookupError(f"no stand-in recipe for base image {tag!r} (known families: {families()})")
        return found

    def _tarball(self, tag: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9_.-]", "_", tag)
        return self.cache_dir / f"{slug}-{self.key(tag)[:16]}.tar"

    # -- making images exist --

    def ensure(self, tag: str) -> None:
        if tag in self.used:
            return
        key = self.key(tag)
        tarball = self._tarball(tag)
        if self.docker.image_label(tag, KEY_LABEL) == key:
            how = "already in the engine"
        elif tarball.exists():
            self.docker.run("load", "-i", str(tarball))
            how = f"loaded from cache {tarball.name}"
        else:
            self._build(tag)
            self._save(tag, tarball)
            how = "built and cached"
        self.used[tag] = how
        log(f"stand-in {tag}: {how}")

    def _build(self, tag: str) -> None:
        if tag == ROOTFS:
            self._build_rootfs()
            return
        recipe, groups = self._recipe(tag)
        self.ensure(recipe.parent.format(**groups))
        with tempfile.TemporaryDirectory(prefix="dgen-standin-") as context:
            context = Path(context)
            (context / "machine").mkdir()
            for name, content in self.settings.items():
                (context / "machine" / name).write_bytes(content)
            (context / "Dockerfile").write_text(self._dockerfile(recipe, groups))
            log(f"building stand-in {tag} ({recipe.family} recipe)")
            build = self.docker.build(context, tag, labels={KEY_LABEL: self.key(tag)})
        if not build.ok:
            raise RuntimeError(f"building stand-in {tag} failed:\n{build.tail()}")

    def _build_rootfs(self) -> None:
        mirror = machine.debian_mirror(CODENAME)
        with tempfile.TemporaryDirectory(prefix="dgen-rootfs-") as tmp:
            root = Path(tmp) / "rootfs"
            log(f"debootstrap --variant=minbase {CODENAME} (from the machine's Debian mirror)")
            result = subprocess.run(["debootstrap", "--variant=minbase", CODENAME, str(root), mirror],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"debootstrap failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
            self._trim_rootfs(root)
            tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
            self.docker.run("import", "--change", f"ENV PATH={IMAGE_PATH}", "--change", 'CMD ["bash"]',
                            "--change", f"LABEL {KEY_LABEL}={self.key(ROOTFS)}", "-", ROOTFS, stdin=tar.stdout)
            tar.stdout.close()
            if tar.wait() != 0:
                raise RuntimeError("packing the rootfs with tar failed")

    @staticmethod
    def _trim_rootfs(root: Path) -> None:
        """Drop what debootstrap leaves behind that an official image does not ship."""
        for pattern in ("var/lib/apt/lists/*", "var/cache/apt/archives/*.deb", "var/cache/apt/*.bin",
                        "var/log/*.log", "var/log/apt/*", "etc/apt/sources.list"):
            for path in root.glob(pattern):
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.name not in ("lock", "partial"):
                    path.unlink()
        (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
        (root / "etc/resolv.conf").write_text("")
        (root / "etc/hostname").write_text("localhost\n")

    def _save(self, tag: str, tarball: Path) -> None:
        slug_prefix = tarball.name[: -len("-0123456789abcdef.tar")]
        for stale in self.cache_dir.glob(f"{slug_prefix}-*.tar"):
            stale.unlink()
        partial = tarball.with_suffix(".partial")
        self.docker.run("save", "-o", str(partial), tag)
        os.replace(partial, tarball)

    # -- reporting --

    def notes(self) -> list[str]:
        lines = []
        for tag, how in self.used.items():
            if tag == ROOTFS:
                continue
            recipe, groups = self._recipe(tag)
            note = f"; {recipe.note.format(**groups)}" if recipe.note else ""
            if recipe.probe:
                probe = self.docker.run("run", "--rm", "--network", "none", tag, *recipe.probe, check=False)
                note += f" ({(probe.stdout or probe.stderr).strip()})"
            lines.append(f"{tag}: {how}{note}")
        return lines

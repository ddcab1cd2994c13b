"""Stand-in base images: no container registry is reachable, so nothing can be pulled.

A Debian rootfs made with debootstrap is imported once; every stand-in is then
built on top of it by a tiny Dockerfile and tagged with exactly the name the
generated Dockerfiles use (e.g. `python:3.12-slim`), so they build unchanged.
Each stand-in carries this machine's CA bundle and package-tool registry
settings, read at run time. Built images are saved as tarballs in a cache
directory, keyed by a hash of everything that went into them.

Each stand-in is built on the Debian release whose toolchain is closest to the
tag (RELEASES): `python:3.12-slim` gets trixie's Python 3.13, `python:3.10-slim`
bookworm's 3.11, `node:22-slim` trixie's Node 20, `postgres:17` trixie's
PostgreSQL 17. Families without a toolchain version (Go, Rust, distroless,
debian) take the release the tag names, else the machine's own.

Adding a family is one entry in RECIPES.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import machine
from engine import Docker, log

KEY_LABEL = "dgen.standin.key"
IMAGE_CA_PATH = "/etc/ssl/certs/ca-certificates.crt"
ROOTFS_REVISION = "1"  # bump when rootfs() changes
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Release:
    """What one Debian release offers (the stand-ins pick the release closest to a tag)."""
    name: str
    number: str
    python: str
    node: str
    postgres: str
    redis: str
    mariadb: str
    ruby: str
    php: str

    def facts(self) -> dict[str, str]:
        return {"release": self.name, "debian_number": self.number, "python": self.python, "node": self.node,
                "postgres": self.postgres, "redis": self.redis, "mariadb": self.mariadb, "ruby": self.ruby,
                "php": self.php}


# The toolchains each release ships (Debian's own package versions; the probes in the report show
# the exact ones). Order: oldest first.
RELEASES = {
    "bookworm": Release("bookworm", "12", python="3.11", node="18", postgres="15", redis="7.0", mariadb="10.11",
                        ruby="3.1", php="8.2"),
    "trixie": Release("trixie", "13", python="3.13", node="20", postgres="17", redis="8.0", mariadb="11.8",
                      ruby="3.3", php="8.4"),
}
RELEASE_BY_NUMBER = {r.number: r.name for r in RELEASES.values()}
RELEASE_NAMES = "|".join(RELEASES)


@dataclass(frozen=True)
class Recipe:
    family: str
    pattern: str  # full match against the image reference, named groups feed `parent`/`steps`
    steps: str  # Dockerfile lines after FROM
    parent: str = "debian:{release}-slim"  # the image this one is built FROM: a rootfs or another stand-in's tag
    note: str = ""  # how the stand-in differs from the official image
    probe: tuple[str, ...] = ()  # command whose output the report shows (e.g. the real version inside)
    # The Release field holding this family's toolchain version: the release whose version is closest
    # to the tag's `version` group is used, whatever release the tag names. None: the tag's `release`
    # (or `debian_number`) group decides, else the machine's own release.
    toolchain: str | None = None

    def match(self, ref: str) -> dict[str, str] | None:
        found = re.fullmatch(self.pattern, ref)
        if not found:
            return None
        groups = {k: v for k, v in found.groupdict().items() if v is not None}
        release = self.release(groups)
        return {**groups, **RELEASES[release].facts(), "asked_release": groups.get("release", "")}

    def release(self, groups: dict[str, str]) -> str:
        if self.toolchain and groups.get("version"):
            return closest_release(groups["version"], self.toolchain)
        if groups.get("release") in RELEASES:
            return groups["release"]
        if groups.get("debian_number") in RELEASE_BY_NUMBER:
            return RELEASE_BY_NUMBER[groups["debian_number"]]
        return HOST_RELEASE


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


def closest_release(version: str, toolchain: str) -> str:
    """The release whose `toolchain` version is closest to `version` (major first, then minor); a tie
    goes to the newer release (code written for an older version more often runs on a newer one)."""
    wanted = _version_tuple(version)

    def distance(release: Release) -> tuple[int, ...]:
        offered = _version_tuple(getattr(release, toolchain))
        return tuple(abs(w - o) for w, o in zip(wanted, offered))

    ordered = list(RELEASES.values())
    best = min(range(len(ordered)), key=lambda i: (distance(ordered[i]), -i))
    return ordered[best].name


HOST_RELEASE = machine.os_codename()
if HOST_RELEASE not in RELEASES:  # a newer machine: its own release joins as the newest
    raise RuntimeError(f"this machine runs Debian {HOST_RELEASE}; add it to standins.RELEASES")
ROOTFS = "dgen-standin/rootfs:{release}"
ROOTFS_TAG = re.compile(r"dgen-standin/rootfs:(?P<release>[a-z]+)")
CODENAME = HOST_RELEASE  # kept for callers that mean the machine's own release

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



# The stand-in's `rustup`: only `rustup target add TRIPLE...`, for the glibc triples dgen's Rust
# template cross-compiles to. Debian builds rustc-web's std for each architecture as
# libstd-rust-web-dev (Multi-Arch: same, into /usr/lib/rustlib/TRIPLE, the sysroot rustc-web
# searches): the package of the target's architecture, at the installed rustc-web's version.
RUSTUP = [
    "#!/bin/sh",
    "set -eu",
    'if [ "${1:-}" != target ] || [ "${2:-}" != add ] || [ $# -lt 3 ]; then',
    '    echo "rustup stand-in: only \\`rustup target add TRIPLE...\\` is supported" >&2; exit 1',
    "fi",
    "shift 2",
    "version=$(dpkg-query -W -f='${Version}' rustc-web)",
    "host=$(rustc -vV | sed -n 's/^host: //p')",
    "packages=",
    'for triple in "$@"; do',
    '    case "$triple" in',
    '        "$host") continue ;;',
    "        x86_64-unknown-linux-gnu) arch=amd64 ;;",
    "        aarch64-unknown-linux-gnu) arch=arm64 ;;",
    "        armv7-unknown-linux-gnueabihf) arch=armhf ;;",
    "        i686-unknown-linux-gnu) arch=i386 ;;",
    "        powerpc64le-unknown-linux-gnu) arch=ppc64el ;;",
    "        s390x-unknown-linux-gnu) arch=s390x ;;",
    '        *) echo "rustup stand-in: no Debian std for $triple" >&2; exit 1 ;;',
    "    esac",
    '    dpkg --add-architecture "$arch"',
    '    packages="$packages libstd-rust-web-dev:$arch=$version"',
    "done",
    'if [ -n "$packages" ]; then',
    "    apt-get update -q",
    "    apt-get install -y -q --no-install-recommends $packages",
    "    rm -rf /var/lib/apt/lists/*",
    "fi",
    'for triple in "$@"; do echo "info: component rust-std for target $triple is installed"; done',
]


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
    # UTF8, as the official image's initdb (under LANG=en_US.utf8) makes it: a SQL_ASCII cluster
    # hands psycopg 3 bytes instead of text, which SQLAlchemy cannot read the server version from.
    '  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 '
    '--encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA"',
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

# The official mariadb image's entrypoint, in short (the mysql image reads the same MYSQL_* variables):
# on the first start (as root) it owns the data dir for mysql and drops to that user, installs the
# system tables, starts a server without networking, sets the root password (MARIADB_ROOT_PASSWORD,
# or allows an empty or random one), creates MARIADB_DATABASE and MARIADB_USER/MARIADB_PASSWORD with
# all rights on that database, writes the healthcheck user's option file, stops that server and
# starts the real one listening on all addresses. MYSQL_* names and *_FILE variants are accepted too.
MARIADB_ENTRYPOINT = [
    "#!/bin/sh",
    "set -e",
    'if [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi',
    'case "$1" in mariadbd|mysqld) ;; *) exec "$@";; esac',
    "datadir=/var/lib/mysql",
    'if [ "$(id -u)" = 0 ]; then',
    '  mkdir -p "$datadir" /run/mysqld',
    '  chown -R mysql:mysql "$datadir" /run/mysqld',
    '  exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"',
    "fi",
    'file_env() { eval "f=\\${$1_FILE:-}"; if [ -n "$f" ]; then eval "$1=\\$(cat \\"\\$f\\")"; fi; }',
    "for v in MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD MARIADB_PASSWORD MYSQL_PASSWORD; do file_env $v; done",
    'root_pw="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"',
    'allow_empty="${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"',
    'random_root="${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}"',
    'database="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"',
    'user="${MARIADB_USER:-${MYSQL_USER:-}}"',
    'password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"',
    "literal() { printf \"'%s'\" \"$(printf '%s' \"$1\" | sed -e 's/\\\\/\\\\\\\\/g' -e \"s/'/\\\\\\\\'/g\")\"; }",
    "ident() { printf '`%s`' \"$(printf '%s' \"$1\" | sed 's/`/``/g')\"; }",
    "sql() { printf '%s\\n' \"$*\"; }  # not echo: dash's echo would eat the backslashes literal() doubled",
    'if [ ! -d "$datadir/mysql" ]; then',
    '  if [ -z "$root_pw" ] && [ -z "$allow_empty" ] && [ -z "$random_root" ]; then',
    '    echo "error: database is uninitialized and none of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD'
    ' or MARIADB_RANDOM_ROOT_PASSWORD is set" >&2; exit 1',
    "  fi",
    '  if [ -n "$random_root" ]; then root_pw="$(head -c 18 /dev/urandom | base64)";'
    ' echo "GENERATED ROOT PASSWORD: $root_pw"; fi',
    '  echo "initializing the database in $datadir"',
    '  mariadb-install-db --datadir="$datadir" --auth-root-authentication-method=normal --skip-test-db'
    ' --skip-name-resolve > /dev/null',
    '  "$@" --skip-networking --socket=/run/mysqld/init.sock &',
    "  pid=$!",
    "  for i in $(seq 60); do mariadb-admin --socket=/run/mysqld/init.sock ping > /dev/null 2>&1 && break;"
    " sleep 1; done",
    '  hc_pw="$(head -c 18 /dev/urandom | base64)"',
    "  {",
    "    sql \"DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost'));\"",
    '    sql "ALTER USER root@localhost IDENTIFIED BY $(literal "$root_pw");"',
    '    sql "CREATE USER root@\'%\' IDENTIFIED BY $(literal "$root_pw");"',
    "    sql \"GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;\"",
    '    for h in localhost 127.0.0.1 ::1; do',
    "      sql \"CREATE USER healthcheck@'$h' IDENTIFIED BY $(literal \"$hc_pw\"); GRANT USAGE ON *.* TO healthcheck@'$h';\"",
    "    done",
    '    if [ -n "$database" ]; then sql "CREATE DATABASE IF NOT EXISTS $(ident "$database");"; fi',
    '    if [ -n "$user" ] && [ -n "$password" ]; then',
    "      sql \"CREATE USER $(literal \"$user\")@'%' IDENTIFIED BY $(literal \"$password\");\"",
    '      if [ -n "$database" ]; then sql "GRANT ALL ON $(ident "$database").* TO $(literal "$user")@\'%\';"; fi',
    "    fi",
    '    sql "FLUSH PRIVILEGES;"',
    "  } | mariadb --socket=/run/mysqld/init.sock -uroot",
    '  printf "[mariadb-client]\\nport=3306\\nsocket=/run/mysqld/mysqld.sock\\nuser=healthcheck\\npassword=%s\\n"'
    ' "$hc_pw" > "$datadir/.my-healthcheck.cnf"',
    '  chmod 600 "$datadir/.my-healthcheck.cnf"',
    '  kill "$pid"; wait "$pid" || true',
    '  echo "initialization done; starting the server"',
    "fi",
    'exec "$@"',
]
# The official mariadb image's healthcheck.sh, the tests compose files use: --connect (a TCP
# connection answers, so not during initialization) and --innodb_initialized; --su-mysql is accepted.
MARIADB_HEALTHCHECK = [
    "#!/bin/sh",
    "set -e",
    "cnf=/var/lib/mysql/.my-healthcheck.cnf",
    'query="SELECT 1"',
    'for arg in "$@"; do',
    '  case "$arg" in',
    "    --connect|--su-mysql|--su=mysql) ;;",
    "    --innodb_initialized) query=\"SELECT 1 FROM information_schema.ENGINES WHERE engine='InnoDB'"
    " AND support IN ('YES','DEFAULT','ENABLED')\";;",
    '    *) echo "healthcheck.sh (stand-in): unsupported option $arg" >&2; exit 2;;',
    "  esac",
    "done",
    'out="$(mariadb --defaults-extra-file="$cnf" --protocol=tcp --host=127.0.0.1 -N -e "$query")"',
    '[ "$out" = 1 ]',
]
# The official redis image's entrypoint, in short: options alone become redis-server's; as root it
# hands /data to redis and drops to that user. Its build has protected mode off by default (the image
# is reached from other containers), which Debian's binary has on: the stand-in passes it.
REDIS_ENTRYPOINT = [
    "#!/bin/sh",
    "set -e",
    'if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi',
    'if [ "$1" = redis-server ]; then',
    '  case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no;; esac',
    '  if [ "$(id -u)" = 0 ]; then',
    "    find . \\! -user redis -exec chown redis '{}' +",
    '    exec setpriv --reuid=redis --regid=redis --init-groups "$@"',
    "  fi",
    "fi",
    'exec "$@"',
]

# --- Ruby (issue 15) ---------------------------------------------------------
# Like the official images (docker-library/ruby): gems into GEM_HOME /usr/local/bundle (mode 1777),
# Bundler's config there too, its bin on PATH, root's warning silenced, UTF-8, no gem docs.
RUBY_ENV = ("ENV LANG=C.UTF-8 GEM_HOME=/usr/local/bundle BUNDLE_SILENCE_ROOT_WARNING=1 "
            f"BUNDLE_APP_CONFIG=/usr/local/bundle PATH=/usr/local/bundle/bin:{IMAGE_PATH}\n")
# What the full image adds for native gems (the official one is built on buildpack-deps: compilers,
# git, curl and the -dev packages gems build against; this is the part gems commonly need).
RUBY_BUILD_PACKAGES = ("ruby-dev build-essential pkg-config git curl libyaml-dev libssl-dev zlib1g-dev libffi-dev "
                       "libgmp-dev libpq-dev default-libmysqlclient-dev libsqlite3-dev libxml2-dev libxslt1-dev")
# No gem server is reachable (nor the public one), so the full image carries gems made from Debian's
# packages of them, as local .gem files in one directory that Bundler reads as its gem cache
# (BUNDLE_CACHE_PATH, the `cache_path` setting): `bundle lock` resolves against them and `bundle install`
# installs from them into BUNDLE_PATH exactly as it does with gems it downloaded (a Gemfile with no
# `source` line is resolved from local gems; one with a source would find its locked gems there
# first). Debian's packages: the gems an example needs (the Rack example: puma with nio4r, rack).
RUBY_GEMS_FROM_DEBIAN = "puma ruby-nio4r ruby-rack"
RUBY_LOCAL_GEMS = "/opt/standin-gems"
# Repacks what the packages install (gem2deb's rubygems-integration layout: specifications/NAME.gemspec,
# gems/NAME/, extensions/ARCH/ABI/NAME/) as .gem files. A gem with a C extension (puma, nio4r) becomes a
# platform gem (x86_64-linux) holding the shared objects Debian compiled for this Ruby on its require
# path, as precompiled native gems ship them, limited to this Ruby minor; the others stay `ruby` gems.
RUBY_REPACK = [
    'require "rubygems/package"',
    'require "fileutils"',
    'require "tmpdir"',
    "out, root = ARGV.map { |arg| File.expand_path(arg) }",
    "FileUtils.mkdir_p(out)",
    'specs = Dir.glob("#{root}/usr/{share,lib/*}/rubygems-integration/*/specifications/*.gemspec")',
    'abort "no gemspec under #{root}" if specs.empty?',
    "specs.each do |path|",
    "  spec = Gem::Specification.load(path)",
    "  base = File.dirname(File.dirname(path))",
    '  gem_dir = File.join(base, "gems", spec.full_name)',
    '  ext_dir = Dir.glob(File.join(base, "extensions", "*", "*", spec.full_name)).first',
    "  Dir.mktmpdir do |work|",
    '    FileUtils.cp_r(File.join(gem_dir, "."), work)',
    "    unless spec.extensions.empty?",
    '      objects = ext_dir ? Dir.glob("**/*.so", base: ext_dir) : []',
    '      abort "#{spec.full_name}: no compiled extension in #{base}" if objects.empty?',
    "      lib = File.join(work, spec.raw_require_paths.first)",
    "      objects.each do |so|",
    "        FileUtils.mkdir_p(File.dirname(File.join(lib, so)))",
    "        FileUtils.cp(File.join(ext_dir, so), File.join(lib, so))",
    "      end",
    "      spec.extensions = []",
    '      spec.platform = Gem::Platform.new([Gem::Platform.local.cpu, "linux"])',
    '      major, minor = RUBY_VERSION.split(".").map(&:to_i)',
    '      spec.required_ruby_version = [">= #{major}.#{minor}", "< #{major}.#{minor + 1}.dev"]',
    "    end",
    "    spec.cert_chain = []",
    "    spec.signing_key = nil",
    '    spec.files = Dir.glob("**/*", File::FNM_DOTMATCH, base: work).select { |f| File.file?(File.join(work, f)) }.sort',
    "    Dir.chdir(work) { FileUtils.mv(Gem::Package.build(spec), out) }",
    "  end",
    "end",
]

# --- PHP (issue 15): Debian's php, apache2 and composer, set up like the official images ---------
# The official php:<v>-apache image is Debian's apache2 with PHP built from source into
# /usr/local (PHP_INI_DIR /usr/local/etc/php, no php.ini until one of the shipped
# php.ini-production/-development is put in place, conf.d scanned for every SAPI). The stand-in
# keeps Debian's php (under /etc/php/<v>) and points it there: each SAPI's php.ini is a link to
# $PHP_INI_DIR/php.ini, and PHP_INI_SCAN_DIR adds $PHP_INI_DIR/conf.d after Debian's own conf.d.
# Extensions the official image does not load by default are disabled (OPcache, calendar, exif,
# ...), so that a Dockerfile that forgets docker-php-ext-install/-enable fails here as it would there.
PHP_NOT_LOADED_BY_DEFAULT = "opcache calendar exif ffi ftp gettext shmop sockets sysvmsg sysvsem sysvshm xsl"
# Apache in the foreground as PID 1: the official image's apache2-foreground, in short. Debian's
# envvars (made overridable from the environment, as the official image does) are read, a stale
# PID file is removed, every APACHE_*_DIR is created (the Dockerfile may point them into /tmp).
APACHE2_FOREGROUND = [
    "#!/bin/sh",
    "set -e",
    ': "${APACHE_CONFDIR:=/etc/apache2}"',
    ': "${APACHE_ENVVARS:=$APACHE_CONFDIR/envvars}"',
    'if [ -f "$APACHE_ENVVARS" ]; then . "$APACHE_ENVVARS"; fi',
    ': "${APACHE_RUN_DIR:=/var/run/apache2}"',
    ': "${APACHE_PID_FILE:=$APACHE_RUN_DIR/apache2.pid}"',
    'rm -f "$APACHE_PID_FILE"',
    "env | sed -n 's|^APACHE_[A-Z_]*_DIR=\\(/.*\\)$|\\1|p' | while IFS= read -r dir; do mkdir -p \"$dir\"; done",
    'exec apache2 -DFOREGROUND "$@"',
]
# docker-php-entrypoint: options alone become apache2-foreground's.
PHP_ENTRYPOINT = [
    "#!/bin/sh",
    "set -e",
    'if [ "${1#-}" != "$1" ]; then set -- apache2-foreground "$@"; fi',
    'exec "$@"',
]
# docker-php-ext-enable: a $PHP_INI_DIR/conf.d/docker-php-ext-<ext>.ini loading <ext>.so from the
# extension dir (zend_extension= for a Zend extension such as OPcache); one already loaded is
# reported and left alone, as the official script does.
PHP_EXT_ENABLE = [
    "#!/bin/sh",
    "set -e",
    'if [ $# -eq 0 ]; then echo "usage: docker-php-ext-enable ext-name [ext-name ...]" >&2; exit 1; fi',
    "dir=\"$(php -r 'echo ini_get(\"extension_dir\");')\"",
    'for ext in "$@"; do',
    '  case "$ext" in -*) echo "docker-php-ext-enable (stand-in): option $ext is not supported" >&2; exit 1;; esac',
    '  name="$ext"; if [ "$ext" = opcache ]; then name="Zend OPcache"; fi',
    "  if php -r 'exit(extension_loaded($argv[1]) ? 0 : 1);' \"$name\"; then",
    '    echo "warning: $ext ($name) is already loaded!" >&2; continue',
    "  fi",
    '  if [ ! -f "$dir/$ext.so" ]; then echo "error: $dir/$ext.so does not exist" >&2; exit 1; fi',
    '  if grep -q zend_extension_entry "$dir/$ext.so"; then line="zend_extension=$ext"; else line="extension=$ext"; fi',
    '  mkdir -p "$PHP_INI_DIR/conf.d"',
    "  printf '%s\\n' \"$line\" > \"$PHP_INI_DIR/conf.d/docker-php-ext-$ext.ini\"",
    "  php -r 'exit(extension_loaded($argv[1]) ? 0 : 1);' \"$name\" || { echo \"error: $ext did not load\" >&2; exit 1; }",
    "done",
]
# docker-php-ext-install: the official script compiles the extension from PHP's sources; the
# stand-in installs Debian's package of it (php<v>-<package>) or, for one php<v>-common already
# ships, enables it; then each is enabled like docker-php-ext-enable does. -j<n> is accepted.
PHP_EXT_INSTALL = [
    "#!/bin/sh",
    "set -e",
    'packages=""; exts=""',
    'for arg in "$@"; do',
    '  case "$arg" in -j*) continue;; -*) echo "docker-php-ext-install (stand-in): option $arg is not supported" >&2; exit 1;; esac',
    '  case "$arg" in',
    "    mysqli|pdo_mysql) package=mysql;;",
    "    pgsql|pdo_pgsql) package=pgsql;;",
    "    pdo_sqlite|sqlite3) package=sqlite3;;",
    "    dom|simplexml|xml|xmlreader|xmlwriter|xsl) package=xml;;",
    "    odbc|pdo_odbc) package=odbc;;",
    "    pdo_dblib) package=sybase;;",
    "    pdo_firebird) package=interbase;;",
    "    bcmath|bz2|curl|dba|enchant|gd|gmp|imap|intl|ldap|mbstring|pspell|snmp|soap|tidy|zip) package=$arg;;",
    "    calendar|ctype|exif|ffi|fileinfo|ftp|gettext|iconv|opcache|pcntl|pdo|phar|posix|readline|shmop|sockets"
    "|sysvmsg|sysvsem|sysvshm|tokenizer) package=;;",
    '    *) echo "docker-php-ext-install (stand-in): no Debian package known for $arg" >&2; exit 1;;',
    "  esac",
    '  if [ -n "$package" ]; then packages="$packages php$PHP_VERSION-$package"; fi',
    '  exts="$exts $arg"',
    "done",
    'if [ -z "$exts" ]; then echo "usage: docker-php-ext-install [-jN] ext-name [ext-name ...]" >&2; exit 1; fi',
    'if [ -n "$packages" ]; then',
    "  apt-get update -q && apt-get install -y -q --no-install-recommends $packages && rm -rf /var/lib/apt/lists/*",
    "fi",
    "for ext in $exts; do",
    "  case \"$ext\" in pcntl) php -r 'exit(extension_loaded(\"pcntl\") ? 0 : 1);' && continue;; esac",
    '  docker-php-ext-enable "$ext"',
    "done",
]
# The official image's docker-php.conf: only .php files run, index.php first, /var/www may use .htaccess.
DOCKER_PHP_CONF = [
    "<FilesMatch \\.php$>",
    "    SetHandler application/x-httpd-php",
    "</FilesMatch>",
    "DirectoryIndex disabled",
    "DirectoryIndex index.php index.html",
    "<Directory /var/www/>",
    "    Options -Indexes",
    "    AllowOverride All",
    "</Directory>",
]
# Turns Debian's composer (a script reading its libraries from /usr/share/php) into one
# self-contained phar like the official /usr/bin/composer, which the php Dockerfile bind-mounts
# into another image: every file of /usr/share/php, with its absolute /usr/share/php/ paths made
# phar:// paths, and Debian's bin script behind a stub.
COMPOSER_PHAR = [
    "<?php",
    "$target = $argv[1];",
    "$rewrite = fn (string $text): string => str_replace(\"'/usr/share/php/\", \"'phar://composer.phar/php/\", $text);",
    "$phar = new Phar($target, 0, 'composer.phar');",
    "$phar->startBuffering();",
    "$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator('/usr/share/php', FilesystemIterator::SKIP_DOTS));",
    "foreach ($files as $file) {",
    "    $text = file_get_contents($file->getPathname());",
    "    $name = 'php/' . substr($file->getPathname(), strlen('/usr/share/php/'));",
    "    $phar->addFromString($name, str_ends_with($name, '.php') ? $rewrite($text) : $text);",
    "}",
    "$bin = preg_replace('/^#!.*\\n/', '', file_get_contents('/usr/bin/composer'));",
    "$bin = str_replace(\"__DIR__ . '/../share/php/\", \"'phar://composer.phar/php/\", $bin);",
    "if (!str_contains($bin, 'phar://composer.phar/php/Composer/autoload.php')) { fwrite(STDERR, \"unexpected bin/composer\\n\"); exit(1); }",
    "$phar->addFromString('bin/composer', $bin);",
    "$phar->addFile('/tmp/composer-intl-shim.php', 'intl-shim.php');",
    "$phar->setStub(\"#!/usr/bin/env php\\n<?php\\nPhar::mapPhar('composer.phar');\\n\"",
    "    . \"if (!extension_loaded('intl')) { require 'phar://composer.phar/intl-shim.php'; }\\n\"",
    "    . \"require 'phar://composer.phar/bin/composer';\\n__HALT_COMPILER();\\n\");",
    "$phar->stopBuffering();",
]
# The official composer.phar carries Symfony's intl polyfills; Debian's Composer relies on php-intl
# instead, which the php images do not have. Composer's console output (Symfony String) needs
# Normalizer: without intl, the phar loads this shim, where normalization is the identity (valid
# UTF-8 counts as normalized), so only the width of decomposed non-ASCII output may differ.
COMPOSER_INTL_SHIM = [
    "<?php",
    "final class Normalizer",
    "{",
    "    public const NONE = 2; public const FORM_D = 4; public const NFD = 4; public const FORM_KD = 8;",
    "    public const NFKD = 8; public const FORM_C = 16; public const NFC = 16; public const FORM_KC = 32;",
    "    public const NFKC = 32; public const FORM_KC_CF = 48; public const NFKC_CF = 48;",
    "    public static function normalize(string $s, int $form = self::FORM_C): string|false",
    "    {",
    "        return preg_match('//u', $s) === 1 ? $s : false;",
    "    }",
    "    public static function isNormalized(string $s, int $form = self::FORM_C): bool",
    "    {",
    "        return preg_match('//u', $s) === 1;",
    "    }",
    "}",
    "function normalizer_normalize(string $s, int $form = Normalizer::FORM_C): string|false",
    "{",
    "    return Normalizer::normalize($s, $form);",
    "}",
    "function normalizer_is_normalized(string $s, int $form = Normalizer::FORM_C): bool",
    "{",
    "    return Normalizer::isNormalized($s, $form);",
    "}",
    "function grapheme_strlen(string $s): int|false|null",
    "{",
    "    $n = preg_match_all('/\\X/u', $s);",
    "    return $n === false ? null : $n;",
    "}",
]
# The official composer image's entrypoint, in short: options, or a first word Composer knows as a
# command (`install`, not /usr/bin/install), become composer's arguments; anything else runs as is.
COMPOSER_ENTRYPOINT = [
    "#!/bin/sh",
    "set -e",
    'if [ "${1#-}" != "$1" ]; then set -- composer "$@"',
    'elif [ "$1" != sh ] && [ "$1" != composer ] && composer help --no-interaction "$1" > /dev/null 2>&1; then',
    '  set -- composer "$@"',
    "fi",
    'exec "$@"',
]


class NewestRelease(Recipe):
    """A stand-in for an image whose toolchain is the newest its tag allows (the composer image
    runs the newest PHP): always the newest release in RELEASES."""

    def release(self, groups: dict[str, str]) -> str:
        return list(RELEASES)[-1]


DISTROLESS_DEBIAN = r"gcr\.io/distroless/{kind}-debian(?P<debian_number>\d+):nonroot"

RECIPES = [
    Recipe(
        family="debian",
        pattern=rf"debian:(?:(?P<release>{RELEASE_NAMES})|(?P<debian_number>\d+))(?:-slim)?",
        parent=ROOTFS,
        steps=MACHINE_SETTINGS + 'CMD ["bash"]\n',
    ),
    Recipe(
        family="python",
        pattern=rf"python:(?P<version>3(?:\.\d+)*)(?:-slim)?(?:-(?P<release>{RELEASE_NAMES}))?",
        toolchain="python",
        # Like the official image: python, python3, pip and pip3 on PATH, and no other package in the
        # system site-packages (pip is installed from the wheel Debian ships for venvs, not Debian's python3-pip, whose Debian-owned
        # dependencies, e.g. packaging, pip cannot upgrade when a build installs a tool such as poetry).
        steps=(
            "ENV LANG=C.UTF-8\n"
            "RUN " + APT_INSTALL.format(packages="ca-certificates python3 python3-venv python-is-python3")
            + " \\\n && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED"
            " \\\n && whl=\"$(ls /usr/share/python-wheels/pip-*.whl)\""
            " && python \"$whl/pip\" install --no-index --no-cache-dir \"$whl\" && pip --version && pip3 --version"
            " \\\n && python -m venv /tmp/venv-check && /tmp/venv-check/bin/python -m pip --version"
            " && rm -rf /tmp/venv-check /root/.cache\n"
            'CMD ["python3"]\n'
        ),
        note="Debian {release}'s Python {python} stands in for CPython {version}",
        probe=("python", "--version"),
    ),
    Recipe(
        family="redis",
        pattern=rf"redis:(?P<version>\d+(?:\.\d+)*)(?:-alpine[\d.]*|-(?P<release>{RELEASE_NAMES}))?",
        toolchain="redis",
        # Like the official image: /data owned by redis, an entrypoint that drops to redis, port 6379.
        steps=(
            "RUN " + APT_INSTALL.format(packages="redis-server redis-tools")
            + " && mkdir /data && chown redis:redis /data"
            " \\\n && " + _printf_file("/usr/local/bin/docker-entrypoint.sh", REDIS_ENTRYPOINT)
            + " && chmod 755 /usr/local/bin/docker-entrypoint.sh\n"
            "VOLUME /data\nWORKDIR /data\nEXPOSE 6379\n"
            'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["redis-server"]\n'
        ),
        note="Debian {release}'s redis-server {redis} stands in for Redis {version}",
        probe=("redis-server", "--version"),
    ),
    Recipe(
        family="postgres",
        pattern=rf"postgres:(?P<version>\d+(?:\.\d+)*)(?:-(?P<release>{RELEASE_NAMES})|-alpine[\d.]*)?",
        toolchain="postgres",
        # Like the official image: PGDATA /var/lib/postgresql/data, an entrypoint initializing it from
        # POSTGRES_* on first start, postgres listening on 5432; no main cluster from Debian's packaging.
        steps=(
            "RUN " + APT_INSTALL.format(packages="postgresql-common")
            + " \\\n && sed -ri 's/#?(create_main_cluster) .*$/\\1 = false/' /etc/postgresql-common/createcluster.conf"
            " \\\n && " + APT_INSTALL.format(packages="postgresql-{postgres} postgresql-client-{postgres}")
            + " \\\n && " + _printf_file("/usr/local/bin/docker-entrypoint.sh", POSTGRES_ENTRYPOINT)
            + " && chmod 755 /usr/local/bin/docker-entrypoint.sh\n"
            f"ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/{{postgres}}/bin:{IMAGE_PATH}\n"
            "VOLUME /var/lib/postgresql/data\nEXPOSE 5432\nSTOPSIGNAL SIGINT\n"
            'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["postgres"]\n'
        ),
        note="Debian {release}'s PostgreSQL {postgres} stands in for PostgreSQL {version}, with a short entrypoint "
             "doing what the official one does on first start (POSTGRES_USER/PASSWORD/DB)",
        probe=("postgres", "--version"),
    ),
    Recipe(
        family="mariadb",
        pattern=rf"(?P<image>mariadb|mysql):(?P<version>\d+(?:\.\d+)*)(?:-(?:{RELEASE_NAMES}|jammy|noble|oracle|oraclelinux\d+|debian))?",
        toolchain="mariadb",
        # Like the official mariadb image (and, for `mysql:` tags, the MySQL one's variables and
        # commands): /var/lib/mysql, an entrypoint initializing it from MARIADB_*/MYSQL_* on first start,
        # healthcheck.sh, port 3306, the mysql* command names.
        steps=(
            "RUN " + APT_INSTALL.format(packages="mariadb-server mariadb-client")
            + " \\\n && for pair in mysql:mariadb mysqladmin:mariadb-admin mysqldump:mariadb-dump"
            " mysqlshow:mariadb-show mysqld:mariadbd; do name=${{pair%%:*}}; target=${{pair#*:}};"
            " if ! command -v $name > /dev/null; then ln -s \"$(command -v $target)\" /usr/local/bin/$name; fi; done"
            " \\\n && " + _printf_file("/etc/mysql/mariadb.conf.d/99-docker.cnf",
                                        ["[mariadbd]", "bind-address = *", "skip-name-resolve",
                                         "host-cache-size = 0"])
            + " \\\n && " + _printf_file("/usr/local/bin/docker-entrypoint.sh", MARIADB_ENTRYPOINT)
            + " \\\n && " + _printf_file("/usr/local/bin/healthcheck.sh", MARIADB_HEALTHCHECK)
            + " \\\n && chmod 755 /usr/local/bin/docker-entrypoint.sh /usr/local/bin/healthcheck.sh"
            " \\\n && rm -rf /var/lib/mysql && mkdir -p /var/lib/mysql /run/mysqld"
            " && chown mysql:mysql /var/lib/mysql && chmod 777 /run/mysqld\n"
            "VOLUME /var/lib/mysql\nEXPOSE 3306\n"
            'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["mariadbd"]\n'
        ),
        note="Debian {release}'s MariaDB {mariadb} stands in for {image} {version}, with an entrypoint doing what "
             "the official one does on first start (MARIADB_*/MYSQL_* root password, database, user) and "
             "healthcheck.sh --connect/--innodb_initialized",
        probe=("mariadbd", "--version"),
    ),
    # --- Ruby (issue 15): Debian's ruby and bundler, gems repacked from Debian's packages ---
    Recipe(
        family="ruby-slim",
        pattern=rf"ruby:(?P<version>\d+(?:\.\d+)*)-slim(?:-(?P<release>{RELEASE_NAMES}))?",
        toolchain="ruby",
        # Like the official slim image: ruby, gem, bundle (and irb), no compilers.
        steps=(
            RUBY_ENV
            + "RUN " + APT_INSTALL.format(packages="ca-certificates ruby bundler")
            + " \\\n && printf 'gem: --no-document\\n' > /etc/gemrc"
            " && mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle"
            " && ruby --version && gem --version && bundle --version\n"
            'CMD ["irb"]\n'
        ),
        note="Debian {release}'s Ruby {ruby} and Bundler stand in for Ruby {version} (slim: no compilers)",
        probe=("ruby", "--version"),
    ),
    Recipe(
        family="ruby",
        pattern=rf"ruby:(?P<version>\d+(?:\.\d+)*)(?:-(?P<release>{RELEASE_NAMES}))?",
        toolchain="ruby",
        parent="ruby:{version}-slim",
        # The slim stand-in plus compilers and headers, and the local gems (see RUBY_GEMS_FROM_DEBIAN).
        steps=(
            "RUN apt-get update -q && apt-get install -y -q --no-install-recommends " + RUBY_BUILD_PACKAGES
            + " \\\n && mkdir /tmp/debgems && cd /tmp/debgems && apt-get download " + RUBY_GEMS_FROM_DEBIAN
            + " && for deb in *.deb; do dpkg-deb -x \"$deb\" root; done"
            " \\\n && " + _printf_file("repack.rb", RUBY_REPACK)
            + f" && ruby repack.rb {RUBY_LOCAL_GEMS} root"
            " \\\n && cd / && rm -rf /tmp/debgems /var/lib/apt/lists/* /root/.cache /root/.local\n"
            f"ENV BUNDLE_CACHE_PATH={RUBY_LOCAL_GEMS}\n"
        ),
        note=("Debian {release}'s Ruby {ruby} and Bundler stand in for Ruby {version}, with compilers and headers; "
              "no gem server: Debian's puma, nio4r and rack repacked as local .gem files Bundler reads as its "
              f"gem cache (BUNDLE_CACHE_PATH={RUBY_LOCAL_GEMS}), puma and nio4r as x86_64-linux platform gems "
              "holding Debian's compiled extensions"),
        probe=("sh", "-c", "ruby --version && bundle --version && ls \"$BUNDLE_CACHE_PATH\""),
    ),
    Recipe(
        family="node",
        pattern=rf"node:(?P<version>\d+(?:\.\d+)*)(?:-(?P<release>{RELEASE_NAMES}))?(?:-slim)?",
        toolchain="node",
        # Like the official image: node, npm and yarn 1 on PATH, a `node` user with UID 1000,
        # no curl; npm's registry settings from this machine in npm's global config. npm itself
        # comes from the registry (as in the official image; Debian's npm package pulls in some
        # four hundred node-* packages, the slowest part of a cold run).
        steps=(
            "RUN " + APT_INSTALL.format(packages="ca-certificates nodejs {npm_package}")
            + " \\\n && groupadd --gid 1000 node"
            " && useradd --uid 1000 --gid node --shell /bin/bash --create-home node"
            "{npm_bootstrap}"
            " \\\n && mkdir -p \"$(dirname \"$(npm config get globalconfig)\")\""
            " && {npm_config} > \"$(npm config get globalconfig)\""
            " \\\n && npm install --global --no-audit --no-fund yarn@1.22.22"
            # corepack, as Node.js ships it (only its own program on PATH; `corepack enable` adds
            # the shims): Yarn 2+ projects run through it.
            " \\\n && npm install --prefix /usr/local/lib/corepack --no-audit --no-fund corepack@0.34.6"
            " && ln -s /usr/local/lib/corepack/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack"
            " \\\n && node --version && npm --version && yarn --version && corepack --version"
            " && rm -rf /root/.npm /root/.cache /tmp/*\n"
            "{corepack_env}"
            'CMD ["node"]\n'
        ),
        note="Debian {release}'s Node.js {node} stands in for Node.js {version} (npm from the registry, yarn 1, corepack)",
        probe=("node", "--version"),
    ),
    Recipe(
        family="nginx-unprivileged",
        pattern=rf"nginxinc/nginx-unprivileged:(?P<version>\d+(?:\.\d+)*)(?:-alpine[\d.]*(?:-slim)?|-(?P<release>{RELEASE_NAMES}))?",
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
        note=("Debian {release}'s nginx stands in for nginx {version}, set up like the unprivileged image "
              "(user nginx UID 101, port 8080, pid and temp files in /tmp; no entrypoint scripts)"),
        probe=("nginx", "-v"),
    ),
    # --- PHP (issue 15): Debian's php, apache2 and composer (see PHP_EXT_INSTALL and friends) ---
    Recipe(
        family="php-apache",
        pattern=rf"php:(?P<version>\d+(?:\.\d+)*)-apache(?:-(?P<release>{RELEASE_NAMES}))?",
        toolchain="php",
        # Like the official image: Debian's apache2 with mod_php under the prefork MPM, envvars
        # overridable from the environment, run/lock/log folders world-writable (Apache runs as any
        # user on an unprivileged port), logs to stdout/stderr, only .php files run (docker-php.conf),
        # PHP_INI_DIR with php.ini-production/-development and no php.ini, the docker-php-* helpers,
        # apache2-foreground, STOPSIGNAL SIGWINCH, WORKDIR /var/www/html, port 80.
        steps=(
            "ENV PHP_INI_DIR=/usr/local/etc/php PHP_INI_SCAN_DIR=:/usr/local/etc/php/conf.d PHP_VERSION={php} \\\n"
            "    APACHE_CONFDIR=/etc/apache2 APACHE_ENVVARS=/etc/apache2/envvars\n"
            "RUN " + APT_INSTALL.format(packages="ca-certificates apache2 libapache2-mod-php{php} php{php}-cli "
                                        "php{php}-curl php{php}-mbstring php{php}-opcache php{php}-readline "
                                        "php{php}-sqlite3 php{php}-xml")
            + " \\\n && a2dismod -f mpm_event && a2enmod mpm_prefork php{php}"
            f" \\\n && phpdismod -v {{php}} -s ALL {PHP_NOT_LOADED_BY_DEFAULT}"
            " \\\n && mkdir -p \"$PHP_INI_DIR/conf.d\""
            " && cp /usr/lib/php/{php}/php.ini-production /usr/lib/php/{php}/php.ini-development \"$PHP_INI_DIR/\""
            " \\\n && for sapi in apache2 cli; do rm -f /etc/php/{php}/$sapi/php.ini"
            " && ln -s \"$PHP_INI_DIR/php.ini\" /etc/php/{php}/$sapi/php.ini; done"
            " \\\n && " + _printf_file("/etc/apache2/mods-available/php{php}.conf",
                                        ["# The handler is in conf-enabled/docker-php.conf, as in the official image."])
            + " \\\n && " + _printf_file("/etc/apache2/conf-available/docker-php.conf", DOCKER_PHP_CONF)
            + " && a2enconf docker-php"
            " \\\n && sed -ri 's/^export ([^=]+)=(.*)$/: ${{\\1:=\\2}}\\nexport \\1/' \"$APACHE_ENVVARS\""
            " \\\n && . \"$APACHE_ENVVARS\" && for dir in \"$APACHE_LOCK_DIR\" \"$APACHE_RUN_DIR\" \"$APACHE_LOG_DIR\"; do"
            " rm -rf \"$dir\" && mkdir -p \"$dir\" && chown \"$APACHE_RUN_USER:$APACHE_RUN_GROUP\" \"$dir\""
            " && chmod 1777 \"$dir\"; done"
            " \\\n && rm -rf /var/www/html && mkdir -p /var/www/html && chown www-data:www-data /var/www/html"
            " && chmod 1777 /var/www/html"
            " \\\n && ln -sfT /dev/stderr \"$APACHE_LOG_DIR/error.log\" && ln -sfT /dev/stdout \"$APACHE_LOG_DIR/access.log\""
            " && ln -sfT /dev/stdout \"$APACHE_LOG_DIR/other_vhosts_access.log\""
            " && chown -R --no-dereference www-data:www-data \"$APACHE_LOG_DIR\""
            " \\\n && " + _printf_file("/usr/local/bin/apache2-foreground", APACHE2_FOREGROUND)
            + " \\\n && " + _printf_file("/usr/local/bin/docker-php-entrypoint", PHP_ENTRYPOINT)
            + " \\\n && " + _printf_file("/usr/local/bin/docker-php-ext-enable", PHP_EXT_ENABLE)
            + " \\\n && " + _printf_file("/usr/local/bin/docker-php-ext-install", PHP_EXT_INSTALL)
            + " \\\n && chmod 755 /usr/local/bin/apache2-foreground /usr/local/bin/docker-php-*"
            " \\\n && apache2 -t && php -r 'exit(extension_loaded(\"Zend OPcache\") || extension_loaded(\"exif\") ? 1 : 0);'"
            " && php -m && rm -rf /tmp/*\n"
            'ENTRYPOINT ["docker-php-entrypoint"]\n'
            "WORKDIR /var/www/html\nEXPOSE 80\nSTOPSIGNAL SIGWINCH\n"
            'CMD ["apache2-foreground"]\n'
        ),
        note="Debian {release}'s PHP {php} with apache2 and libapache2-mod-php stands in for php {version}-apache "
             "(PHP under /usr/lib and /etc/php with PHP_INI_DIR's php.ini and conf.d read too; the docker-php-ext-* "
             "helpers install and enable Debian's extension packages instead of compiling PHP's sources)",
        probe=("php", "-r", "echo 'PHP ', PHP_VERSION;"),
    ),
    NewestRelease(
        family="composer",
        pattern=r"composer:(?P<version>\d+(?:\.\d+)*)",
        # Like the official image (which runs the newest PHP, on Alpine): php-cli with curl, mbstring,
        # xml, zip and bz2, git/unzip/zip/openssh/patch/make, /usr/bin/composer one self-contained phar
        # (the php Dockerfile bind-mounts it into another image), COMPOSER_HOME=/tmp,
        # COMPOSER_ALLOW_SUPERUSER=1, no memory limit, WORKDIR /app, the entrypoint.
        steps=(
            "ENV COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp\n"
            "RUN " + APT_INSTALL.format(packages="ca-certificates git make openssh-client patch unzip zip "
                                        "php{php}-cli php{php}-bz2 php{php}-curl php{php}-mbstring php{php}-xml "
                                        "php{php}-zip composer")
            + " \\\n && " + _printf_file("/tmp/composer-phar.php", COMPOSER_PHAR)
            + " \\\n && " + _printf_file("/tmp/composer-intl-shim.php", COMPOSER_INTL_SHIM)
            + " && php -d phar.readonly=0 /tmp/composer-phar.php /tmp/composer.phar"
            " \\\n && apt-get purge -y -q --auto-remove composer && test ! -e /usr/share/php/Composer"
            " \\\n && install -m 755 /tmp/composer.phar /usr/bin/composer"
            " \\\n && " + _printf_file("/etc/php/{php}/cli/conf.d/99-composer-image.ini",
                                        ["memory_limit=-1", "date.timezone=UTC"])
            + " \\\n && " + _printf_file("/docker-entrypoint.sh", COMPOSER_ENTRYPOINT)
            + " && chmod 755 /docker-entrypoint.sh"
            " \\\n && composer --version && rm -rf /tmp/*\n"
            "WORKDIR /app\n"
            'ENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["composer"]\n'
        ),
        note="Debian {release}'s Composer packed into one phar, on Debian's PHP {php}, stands in for composer {version} "
             "(Debian instead of Alpine; no subversion or mercurial)",
        probe=("composer", "--version"),
    ),
    # --- Go, Rust (issue 6): toolchains from Debian, distroless images rebuilt from Debian files ---
    # These keep the release the tag names: their output is linked against that release's libraries
    # and copied into a runtime image of the same release.
    Recipe(
        family="golang",
        pattern=rf"golang:(?P<version>1(?:\.\d+)*)-(?P<release>{RELEASE_NAMES})",
        # Like the official image: GOPATH /go, the go command on PATH, git and CA certificates.
        steps=(
            "RUN " + APT_INSTALL.format(packages="ca-certificates git golang-go")
            + " && mkdir -p /go/bin /go/src && chmod -R 1777 /go\n"
            f"ENV GOPATH=/go PATH=/go/bin:{IMAGE_PATH}\n"
            "WORKDIR /go\n"
        ),
        note="Debian {release}'s golang-go stands in for Go {version}",
        probe=("go", "version"),
    ),
    Recipe(
        family="rust",
        pattern=rf"rust:(?P<version>1(?:\.\d+)*)-slim-(?P<release>{RELEASE_NAMES})",
        # Like the official image: CARGO_HOME /usr/local/cargo, cargo and rustc on PATH, a C linker.
        # rustc-web/cargo-web: Debian's newer toolchain for bookworm (its `rustc` is 1.63, too old
        # for the sparse registry protocol, edition 2024 and lock file version 4).
        # No rustup in Debian: /usr/local/cargo/bin/rustup does what `rustup target add TRIPLE`
        # does for the generated Dockerfiles' cross-compiling, with Debian's cross std (see RUSTUP).
        steps=(
            f"ENV CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:{IMAGE_PATH}\n"
            "RUN " + APT_INSTALL.format(packages="ca-certificates gcc libc6-dev rustc-web cargo-web")
            + " && mkdir -p /usr/local/cargo/bin"
            " \\\n && " + _printf_file("/usr/local/cargo/bin/rustup", RUSTUP)
            + " && chmod 755 /usr/local/cargo/bin/rustup\n"
        ),
        note="Debian {release}'s rustc-web/cargo-web stand in for Rust {version}; its `rustup target add` "
             "installs Debian's std for the target (libstd-rust-web-dev:ARCH of rustc-web's version, "
             "after dpkg --add-architecture)",
        probe=("rustc", "--version"),
    ),
    Recipe(
        family="distroless-static",
        pattern=DISTROLESS_DEBIAN.format(kind="static"),
        steps=DISTROLESS_ROOTFS + DISTROLESS_FINAL,
        note="distroless static rebuilt from Debian {release} files: CA certificates, time zones, "
             "passwd with nonroot (65532), /tmp; no shell",
    ),
    Recipe(
        family="distroless-cc",
        pattern=DISTROLESS_DEBIAN.format(kind="cc"),
        steps=DISTROLESS_ROOTFS.replace("\nFROM scratch", "") + DISTROLESS_CC_LIBS + DISTROLESS_FINAL,
        note="distroless cc rebuilt from Debian {release} files: as static, plus glibc, libgcc, libssl; no shell",
    ),
]


NPM_VERSION = "10.9.2"  # the npm the official Node.js 22 image ships


def _corepack_env(settings: dict[str, str]) -> str:
    """corepack fetches Yarn 2+ from its own host unless COREPACK_NPM_REGISTRY names an npm
    registry, and Yarn 2+ reads no .npmrc: both get this machine's npm registry (the generated
    Dockerfile names none; a user's engine reaches Yarn's defaults)."""
    registry = settings.get("registry", "").rstrip("/")  # corepack appends "/<name>"
    if not registry:
        return ""
    return f"ENV COREPACK_NPM_REGISTRY={registry} YARN_NPM_REGISTRY_SERVER={registry}\n"
# Fetch a URL into a file with Node's own fetch (the image has no curl or wget, like the official one).
NODE_FETCH = ("const [u, f] = process.argv.slice(1); fetch(u).then(r => {{ if (!r.ok) throw new Error(u + \": \" + r.status);"
              " return r.arrayBuffer(); }}).then(b => require(\"fs\").writeFileSync(f, Buffer.from(b)))"
              ".catch(e => {{ console.error(e); process.exit(1); }})")


def _npm_bootstrap(settings: dict[str, str]) -> str:
    """Dockerfile lines that install npm from this machine's npm registry with Node's fetch; "" when
    that cannot work here (no npm on the machine to name its registry, or a proxy Node's fetch ignores),
    and Debian's npm package is used instead."""
    registry = settings.get("registry")
    if not registry or settings.get("proxy") or settings.get("https-proxy"):
        return ""
    url = f"{registry.rstrip('/')}/npm/-/npm-{NPM_VERSION}.tgz"
    return (f" \\\n && node -e '{NODE_FETCH}' '{url}' /tmp/npm.tgz"
            " && mkdir /tmp/npm && tar -xzf /tmp/npm.tgz -C /tmp/npm"
            " && node /tmp/npm/package/bin/npm-cli.js install --global --no-audit --no-fund /tmp/npm.tgz"
            " && rm -rf /tmp/npm /tmp/npm.tgz")


def find_recipe(ref: str) -> tuple[Recipe, dict[str, str]] | None:
    ref = re.sub(r"^(?:docker\.io/)?(?:library/)?", "", ref)
    for recipe in RECIPES:
        groups = recipe.match(ref)
        if groups is not None:
            return recipe, groups
    return None


def families() -> str:
    return ", ".join(r.family for r in RECIPES)


def unmount_below(root: Path) -> None:
    """Unmount (deepest first) whatever is mounted at or below `root`, so the folder can be removed."""
    prefix = str(root.resolve())
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for point in sorted((m for m in mounts if m == prefix or m.startswith(prefix + "/")), reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)


def stale_tarballs(cache_dir: Path, tarball: Path) -> list[Path]:
    """The cached tarballs of the same tag under another key: its slug and a 16-digit key exactly, so that
    saving `ruby:3.3` never removes `ruby:3.3-slim`'s (slug `ruby_3.3-slim`, which `ruby_3.3-*` would match)."""
    slug = tarball.name[: -len("-0123456789abcdef.tar")]
    same_tag = re.compile(re.escape(slug) + r"-[0-9a-f]{16}\.tar")
    return sorted(p for p in cache_dir.glob("*.tar") if same_tag.fullmatch(p.name) and p.name != tarball.name)


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


class StandIns:
    """Makes stand-in images exist in the engine: present, loaded from the cache, or built.
    Safe to call from several threads: each tag is made by one of them, the others wait for it."""

    def __init__(self, docker: Docker, cache_dir: Path):
        self.docker = docker
        self.cache_dir = cache_dir / "standins"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._settings: dict[str, dict[str, bytes]] = {}
        self.used: dict[str, str] = {}  # tag -> how it was obtained, with notes
        self.failed: dict[str, str] = {}  # tag -> why it could not be made
        self._keys: dict[str, str] = {}
        self._npm_config: str | None = None
        self._npm_bootstrap = ""
        self._corepack_env = ""
        self._guard = threading.Lock()
        self._tag_locks: dict[str, threading.Lock] = {}

    # -- machine settings baked into every stand-in --

    def settings(self, release: str) -> dict[str, bytes]:
        """This machine's CA bundle, apt sources (its Debian mirror, with `release`'s suites), apt
        acquire settings, pip settings and uv's environment."""
        with self._guard:
            if release not in self._settings:
                uv_env = " ".join(f"{k}={v}" for k, v in machine.uv_env().items())
                sources = machine.debian_sources_for(release, HOST_RELEASE)
                self._settings[release] = {
                    "ca.crt": machine.ca_bundle(),
                    "apt.sources": machine.render_apt_sources(sources).encode(),
                    "apt.conf": machine.apt_acquire_settings().encode(),
                    "pip.conf": machine.render_pip_conf(machine.pip_settings(IMAGE_CA_PATH)).encode(),
                    "docker-clean": DOCKER_CLEAN.encode(),
                    "uv_env": uv_env.encode(),
                }
            return self._settings[release]

    def _dockerfile(self, recipe: Recipe, groups: dict[str, str]) -> str:
        steps = recipe.steps.replace("{uv_env}", self.settings(groups["release"])["uv_env"].decode())
        if "{npm_config}" in steps:  # only the node recipe: other stand-ins' keys stay as they were
            with self._guard:
                if self._npm_config is None:
                    settings = machine.npm_settings(IMAGE_CA_PATH)
                    lines = [f"{k}={v}" for k, v in settings.items()]
                    self._npm_config = _printf(lines or ["; no npm settings on this machine"])
                    self._npm_bootstrap = _npm_bootstrap(settings)
                    self._corepack_env = _corepack_env(settings)
            package, bootstrap = ("", self._npm_bootstrap) if self._npm_bootstrap else ("npm", "")
            steps = steps.replace("{npm_config}", self._npm_config).replace("{npm_package}", package)
            steps = steps.replace("{npm_bootstrap}", bootstrap).replace("{corepack_env}", self._corepack_env)
        return f"FROM {recipe.parent.format(**groups)}\n" + steps.format(**groups)

    # -- keys --

    def key(self, tag: str) -> str:
        if tag not in self._keys:
            rootfs = ROOTFS_TAG.fullmatch(tag)
            if rootfs:
                release = rootfs["release"]
                key = _digest("rootfs", ROOTFS_REVISION, release, machine.debian_mirror(HOST_RELEASE))
            else:
                recipe, groups = self._recipe(tag)
                settings = self.settings(groups["release"])
                key = _digest(tag, self._dockerfile(recipe, groups), self.key(recipe.parent.format(**groups)),
                              *[settings[name] for name in sorted(settings)])
            self._keys[tag] = key
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

    def _lock_for(self, tag: str) -> threading.Lock:
        with self._guard:
            return self._tag_locks.setdefault(tag, threading.Lock())

    def ensure(self, tag: str) -> None:
        with self._lock_for(tag):
            if tag in self.used:
                return
            if tag in self.failed:
                raise RuntimeError(self.failed[tag])
            try:
                how = self._make(tag)
            except Exception as error:
                self.failed[tag] = f"{type(error).__name__}: {error}"
                raise
            self.used[tag] = how
        log(f"stand-in {tag}: {how}")

    def ensure_all(self, tags: list[str], jobs: int) -> dict[str, str]:
        """Make every tag exist, `jobs` at a time (BuildKit runs the builds side by side);
        returns tag -> error for those that could not be made."""
        tags = list(dict.fromkeys(tags))
        errors: dict[str, str] = {}

        def one(tag: str) -> None:
            try:
                self.ensure(tag)
            except Exception as error:
                errors[tag] = f"{type(error).__name__}: {error}"

        # The rootfs images first, one per release (debootstrap is the slowest step), then the rest.
        releases = {self._recipe(t)[1]["release"] for t in tags if find_recipe(t)}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(one, [ROOTFS.format(release=r) for r in sorted(releases)]))
            list(pool.map(one, tags))
        return errors

    def _make(self, tag: str) -> str:
        key = self.key(tag)
        tarball = self._tarball(tag)
        if self.docker.image_label(tag, KEY_LABEL) == key:
            return "already in the engine"
        if tarball.exists():
            self.docker.run("load", "-i", str(tarball))
            return f"loaded from cache {tarball.name}"
        started = time.monotonic()
        self._build(tag)
        self._save(tag, tarball)
        return f"built in {time.monotonic() - started:.0f}s and cached"

    def _build(self, tag: str) -> None:
        rootfs = ROOTFS_TAG.fullmatch(tag)
        if rootfs:
            self._build_rootfs(rootfs["release"])
            return
        recipe, groups = self._recipe(tag)
        self.ensure(recipe.parent.format(**groups))
        with tempfile.TemporaryDirectory(prefix="dgen-standin-") as context:
            context = Path(context)
            (context / "machine").mkdir()
            for name, content in self.settings(groups["release"]).items():
                (context / "machine" / name).write_bytes(content)
            (context / "Dockerfile").write_text(self._dockerfile(recipe, groups))
            log(f"building stand-in {tag} ({recipe.family} recipe, Debian {groups['release']})")
            build = self.docker.build(context, tag, labels={KEY_LABEL: self.key(tag)})
        if not build.ok:
            raise RuntimeError(f"building stand-in {tag} failed:\n{build.tail()}")

    def _build_rootfs(self, release: str) -> None:
        mirror = machine.debian_mirror(HOST_RELEASE)
        tag = ROOTFS.format(release=release)
        with tempfile.TemporaryDirectory(prefix="dgen-rootfs-") as tmp:
            root = Path(tmp) / "rootfs"
            log(f"debootstrap --variant=minbase {release} (from the machine's Debian mirror)")
            try:
                result = subprocess.run(["debootstrap", "--variant=minbase", release, str(root), mirror],
                                        capture_output=True, text=True)
            finally:
                unmount_below(root)  # a failed or interrupted debootstrap leaves /proc mounted inside
            if result.returncode != 0:
                raise RuntimeError(f"debootstrap {release} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
            self._trim_rootfs(root)
            tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
            self.docker.run("import", "--change", f"ENV PATH={IMAGE_PATH}", "--change", 'CMD ["bash"]',
                            "--change", f"LABEL {KEY_LABEL}={self.key(tag)}", "-", tag, stdin=tar.stdout)
            tar.stdout.close()
            if tar.wait() != 0:
                raise RuntimeError("packing the rootfs with tar failed")

    @staticmethod
    def _trim_rootfs(root: Path) -> None:
        """Drop what debootstrap leaves behind that an official image does not ship."""
        for pattern in ("var/lib/apt/lists/*", "var/cache/apt/archives/*.deb", "var/cache/apt/*.bin",
                        "var/log/*.log", "var/log/apt/*", "etc/apt/sources.list", "etc/apt/sources.list.d/*"):
            for path in root.glob(pattern):
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.name not in ("lock", "partial"):
                    path.unlink()
        (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
        (root / "etc/resolv.conf").write_text("")
        (root / "etc/hostname").write_text("localhost\n")

    def _save(self, tag: str, tarball: Path) -> None:
        for stale in stale_tarballs(self.cache_dir, tarball):
            stale.unlink()
        partial = tarball.with_suffix(f".{threading.get_ident()}.partial")
        self.docker.run("save", "-o", str(partial), tag)
        os.replace(partial, tarball)

    # -- reporting --

    def notes(self) -> list[str]:
        lines = []
        for tag, how in self.used.items():
            if ROOTFS_TAG.fullmatch(tag):
                continue
            recipe, groups = self._recipe(tag)
            note = f"; {recipe.note.format(**groups)}" if recipe.note else ""
            if recipe.probe:
                probe = self.docker.run("run", "--rm", "--network", "none", tag, *recipe.probe, check=False)
                note += f" ({(probe.stdout or probe.stderr).strip()})"
            lines.append(f"{tag}: {how}{note}")
        return lines

"""What this machine says about reaching package registries, read at run time.

Nothing in this suite names a registry host: every address comes from the
machine's own configuration (apt sources, pip's configuration) or from the
package tools' own defaults, and is only ever written into temporary files
and the locally cached stand-in images.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

APT_DIR = Path("/etc/apt")
OS_RELEASE = Path("/etc/os-release")
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

# pip options whose value is a file on this machine: re-pointed at the bundle
# baked into the image, or dropped (the file does not exist in an image).
PIP_CERT_OPTIONS = {"cert"}
PIP_LOCAL_FILE_OPTIONS = {"client-cert", "find-links", "log", "cache-dir", "constraint", "requirement"}


@dataclass(frozen=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None


# --- Debian ---------------------------------------------------------------

def os_codename() -> str:
    for line in OS_RELEASE.read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise RuntimeError(f"no VERSION_CODENAME in {OS_RELEASE}: is this a Debian machine?")


def _parse_deb822(text: str) -> list[AptSource]:
    sources = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            sources.append(AptSource(uri, tuple(fields.get("suites", "").split()),
                                     tuple(fields.get("components", "").split()), fields.get("signed-by")))
    return sources


def _parse_one_line(text: str) -> list[AptSource]:
    sources = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^deb\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)\s*(?P<comps>.*)$", line)
        if not match:
            continue
        opts = dict(o.split("=", 1) for o in (match["opts"] or "").split() if "=" in o)
        sources.append(AptSource(match["uri"], (match["suite"],), tuple(match["comps"].split()), opts.get("signed-by")))
    return sources


def apt_sources() -> list[AptSource]:
    sources: list[AptSource] = []
    for path in sorted((APT_DIR / "sources.list.d").glob("*.sources")):
        sources += _parse_deb822(path.read_text())
    for path in [APT_DIR / "sources.list", *sorted((APT_DIR / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            sources += _parse_one_line(path.read_text())
    return sources


def debian_sources(codename: str) -> list[AptSource]:
    """The machine's sources for Debian `codename` itself (and its -updates, -security suites)."""
    found = []
    for source in apt_sources():
        suites = tuple(s for s in source.suites if s == codename or s.startswith(codename + "-"))
        official = source.signed_by is None or "debian-archive" in source.signed_by
        if suites and "main" in source.components and official:
            found.append(replace(source, suites=suites, components=("main",)))
    if not any(codename in s.suites for s in found):
        raise RuntimeError(f"the machine's apt sources name no mirror for Debian {codename} main")
    return found


def debian_sources_for(release: str, host: str) -> list[AptSource]:
    """The machine's Debian sources for its own release `host`, pointed at `release` instead (same
    mirrors, e.g. `trixie trixie-updates` and `trixie-security` for `bookworm ...`)."""
    return [replace(s, suites=tuple(release + suite[len(host):] for suite in s.suites))
            for s in debian_sources(host)]


def debian_mirror(codename: str) -> str:
    return next(s.uri for s in debian_sources(codename) if codename in s.suites)


def render_apt_sources(sources: list[AptSource]) -> str:
    stanzas = [
        f"Types: deb\nURIs: {s.uri}\nSuites: {' '.join(s.suites)}\n"
        f"Components: {' '.join(s.components)}\nSigned-By: {DEBIAN_KEYRING}\n"
        for s in sources
    ]
    return "\n".join(stanzas)


def apt_acquire_settings() -> str:
    """One-line `Acquire::...;` settings (proxies, validity checks of snapshot mirrors)."""
    paths = [APT_DIR / "apt.conf", *sorted((APT_DIR / "apt.conf.d").glob("*"))]
    lines = []
    for path in paths:
        if path.is_file():
            lines += [l.strip() for l in path.read_text(errors="replace").splitlines()
                      if re.match(r"^\s*Acquire::[^{}]*;\s*$", l)]
    return "".join(line + "\n" for line in dict.fromkeys(lines))


# --- TLS ------------------------------------------------------------------

def ca_bundle() -> bytes:
    """The CA bundle this machine's package tools trust."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), os.environ.get("PIP_CERT"), str(SYSTEM_CA_BUNDLE)):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_bytes()
    raise RuntimeError("no CA bundle found on this machine")


# --- Python package tools -------------------------------------------------

def _pip(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else ""


def pip_settings(image_ca_path: str) -> dict[str, dict[str, str]]:
    """pip's effective configuration (files and PIP_* variables), as pip.conf sections for an image."""
    sections: dict[str, dict[str, str]] = {}
    for line in _pip("config", "list").splitlines():
        match = re.match(r"^(?P<section>[^.]*)\.(?P<key>[^=]+)='(?P<value>.*)'$", line.strip())
        if not match:
            continue
        section = "global" if match["section"] in (":env:", "") else match["section"]
        key, value = match["key"], match["value"]
        if key in PIP_CERT_OPTIONS:
            value = image_ca_path
        elif key in PIP_LOCAL_FILE_OPTIONS or value.startswith("/"):
            continue
        sections.setdefault(section, {})[key] = value
    return sections


def render_pip_conf(sections: dict[str, dict[str, str]]) -> str:
    out = []
    for section, options in sections.items():
        out.append(f"[{section}]")
        out += [f"{key} = {value}" for key, value in options.items()]
        out.append("")
    return "\n".join(out)


def pip_index_url() -> str | None:
    """The index pip is configured with, or None for pip's default."""
    for line in _pip("config", "list").splitlines():
        match = re.match(r"^[^.]*\.index-url='(.*)'$", line.strip())
        if match:
            return match[1]
    return None


def simple_index_url() -> str:
    """A PEP 503 "simple" index URL: pip's configured one, else pip's own default."""
    configured = pip_index_url()
    if configured:
        return configured
    code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def npm_settings(image_ca_path: str) -> dict[str, str]:
    """npm's registry, TLS and proxy settings on this machine (none when npm is absent), for an
    image's npmrc; a CA file is re-pointed at the bundle baked into the image."""
    npm = shutil.which("npm")
    settings: dict[str, str] = {}
    if not npm:
        return settings
    for key in ("registry", "cafile", "strict-ssl", "proxy", "https-proxy", "noproxy"):
        result = subprocess.run([npm, "config", "get", key], capture_output=True, text=True)
        value = result.stdout.strip() if result.returncode == 0 else ""
        if value in ("", "null", "undefined"):
            continue
        settings[key] = image_ca_path if key == "cafile" else value
    return settings


def uv_env() -> dict[str, str]:
    """uv does not read pip.conf: hand it pip's index, and tell it to trust the system CA store."""
    env = {"UV_NATIVE_TLS": "1"}
    index = pip_index_url()
    if index:
        env["UV_DEFAULT_INDEX"] = index
        env["UV_INDEX_URL"] = index
    return env

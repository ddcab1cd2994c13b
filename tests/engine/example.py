"""An example under test: its manifest, and a temp copy made ready to build."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import lockfiles
from engine import log

# Files planted in the temp copy before building: none of them may reach the image.
PLANTED_AT_ROOT = {
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/config": "[core]\n\trepositoryformatversion = 0\n",
    ".env": "DGEN_ENGINE_TEST_PLANTED=1\n",
    ".venv/pyvenv.cfg": "home = /usr/bin\ninclude-system-site-packages = false\n",
    ".venv/bin/python": "",
    "__pycache__/planted.cpython-311.pyc": "",
}
PLANTED_IN_SOURCE_DIRS = {"__pycache__/planted.cpython-311.pyc": ""}
# Per stack: what a developer's checkout of such a project holds that must not reach the image.
NODE_MODULES = {"node_modules/planted/index.js": "module.exports = 'planted';\n"}
# Ruby: gems a developer installed into the project (`bundle config set path vendor/bundle`) and the
# local Bundler settings that point there; in an image they would shadow or break the locked install.
RUBY_LOCAL_BUNDLE = {".bundle/config": 'BUNDLE_PATH: "vendor/bundle"\n',
                     "vendor/bundle/ruby/3.3.0/gems/planted-1.0/lib/planted.rb": "PLANTED = true\n"}
PLANTED_BY_STACK = {"node": NODE_MODULES, "static": NODE_MODULES, "ruby": RUBY_LOCAL_BUNDLE}

# Stacks whose examples cannot be built on this machine, and why (the static judges still run on them).
NOT_BUILDABLE_HERE = {
    "java": "Java examples resolve their dependencies and build plugins from Maven Central (or the Gradle "
            "plugin portal), which this machine cannot reach, and no stand-in can replace them; the static "
            "judges (tests/judges/run.sh) check them instead",
    "dotnet": ".NET examples build on Microsoft's SDK image and restore NuGet packages; neither the SDK "
              "(nor its container registry) nor NuGet is reachable from this machine, and Debian ships no .NET "
              "SDK to make a stand-in from; the static judges (tests/judges/run.sh) check them instead",
}

SYNTAX_DIRECTIVE = re.compile(r"^#\s*syntax\s*=.*\n", re.I)
FROM_DIGEST = re.compile(r"^(\s*FROM\s+(?:--\S+\s+)*\S+?)@sha256:[0-9a-f]{64}", re.I | re.M)
COMMENT_SYNTAX = {".py": "# {}", ".toml": "# {}", ".sh": "# {}", ".rb": "# {}", ".yaml": "# {}",
                  ".js": "// {}", ".mjs": "// {}", ".ts": "// {}", ".go": "// {}", ".rs": "// {}",
                  ".java": "// {}", ".php": "// {}", ".html": "<!-- {} -->", ".css": "/* {} */"}


@dataclass
class Example:
    name: str
    source: Path
    manifest: dict
    notes: list[str] = field(default_factory=list)
    dir: Path | None = None  # the prepared temp copy
    # Where dgen.toml is, relative to the example: "" at its root; a workspace service's folder
    # (e.g. apps/api) when the example is a whole workspace.
    service_dir: str = ""

    @property
    def app_dir(self) -> Path:
        """The folder of dgen.toml, the Dockerfile and compose.yaml (in the temp copy once prepared)."""
        base = self.dir or self.source
        return base / self.service_dir if self.service_dir else base

    @property
    def context_dir(self) -> Path:
        """The build context: compose.yaml's `build.context`, relative to the manifest's folder."""
        compose = self.app_dir / "compose.yaml"
        match = re.search(r'^\s+context:\s*"?([^"\n]+?)"?\s*$', compose.read_text(), re.M) if compose.is_file() else None
        return (self.app_dir / match[1]).resolve() if match else self.app_dir

    @property
    def dockerfile_path(self) -> Path | None:
        """The Dockerfile to pass with -f when the context is not the manifest's folder."""
        return self.app_dir / "Dockerfile" if self.service_dir else None

    @property
    def service(self) -> str:
        return self.manifest["name"]

    @property
    def app(self) -> dict:
        return self.manifest.get("app", {})

    @property
    def ports(self) -> list[int]:
        return [int(p) for p in self.app.get("ports", [])]

    @property
    def workdir(self) -> str:
        return self.app.get("workdir", "/app")

    @property
    def writable(self) -> list[str]:
        """The absolute paths of [app] writable, which the runtime user owns on purpose."""
        out = []
        for item in self.app.get("writable", []):
            path = item["path"] if isinstance(item, dict) else item
            joined = path if path.startswith("/") else f"{self.workdir.rstrip('/')}/{path}"
            out.append("/" + "/".join(p for p in joined.split("/") if p not in ("", ".")))
        return out

    @property
    def sources(self) -> list[str]:
        return list(self.app.get("sources", []))

    @property
    def health_path(self) -> str:
        return self.manifest.get("healthcheck", {}).get("path", "/")

    @property
    def extra_paths(self) -> list[str]:
        """More URL paths that must answer 200 from the host, from the example's optional
        engine.json (`{"paths": ["/", "/static/x.css"]}`)."""
        extra = self.source / "engine.json"
        if not extra.is_file():
            return []
        return [str(p) for p in json.loads(extra.read_text()).get("paths", [])]

    @property
    def healthcheck_enabled(self) -> bool:
        hc = self.manifest.get("healthcheck", {})
        return hc.get("enabled", True) and bool(self.ports or hc.get("command") or hc.get("path"))

    @property
    def tag(self) -> str:
        return f"dgen-engine-test/{self.name}:latest"

    def dockerfile_text(self) -> str:
        return (self.app_dir / "Dockerfile").read_text()

    def base_images(self) -> list[str]:
        return base_images(self.dockerfile_text())


def discover(examples_dir: Path, only: list[str]) -> list[Example]:
    examples = []
    skipped: set[str] = set()
    for path in sorted(p for p in examples_dir.iterdir() if p.is_dir()) if examples_dir.is_dir() else []:
        if only and path.name not in only:
            continue
        service_dir = ""
        if not (path / "dgen.toml").is_file():
            # A whole workspace: the one service manifest inside it (not under node_modules).
            nested = [m for m in sorted(path.glob("*/*/dgen.toml")) + sorted(path.glob("*/dgen.toml"))
                      if "node_modules" not in m.parts]
            if len(nested) != 1:
                continue
            service_dir = str(nested[0].parent.relative_to(path))
        app_dir = path / service_dir if service_dir else path
        if not (app_dir / "Dockerfile").is_file():
            log(f"{path.name}: has dgen.toml but no generated Dockerfile; not tested")
            continue
        manifest = tomllib.loads((app_dir / "dgen.toml").read_text())
        if manifest.get("stack") in NOT_BUILDABLE_HERE:
            log(f"{path.name}: SKIPPED, not built: {NOT_BUILDABLE_HERE[manifest['stack']]}")
            skipped.add(path.name)
            continue
        examples.append(Example(path.name, path, manifest, service_dir=service_dir))
    missing = set(only) - {e.name for e in examples} - skipped
    if missing:
        raise LookupError(f"no testable example named {', '.join(sorted(missing))} in {examples_dir}")
    return examples


def _stage_sources(dockerfile: str) -> list[tuple[str, bool, str | None]]:
    """For each FROM: (the reference with global ARG defaults applied, whether it is an image,
    the image the stage ultimately starts from, following earlier stages)."""
    args: dict[str, str] = {}
    stages: dict[str, str | None] = {}  # stage name -> its root image
    sources = []
    for line in _instructions(dockerfile):
        words = line.split()
        keyword = words[0].upper()
        if keyword == "ARG" and not sources and len(words) > 1 and "=" in words[1]:
            name, value = words[1].split("=", 1)
            args[name] = value.strip("\"'")
        elif keyword == "FROM":
            words = [w for w in words[1:] if not w.startswith("--")]
            ref = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), words[0]).split("@", 1)[0]
            is_image = ref.lower() not in stages and ref != "scratch"
            root = ref if is_image else stages.get(ref.lower())
            sources.append((ref, is_image, root))
            if len(words) >= 3 and words[1].upper() == "AS":
                stages[words[2].lower()] = root
    return sources


def base_images(dockerfile: str) -> list[str]:
    """The images the Dockerfile's stages start FROM (not earlier stages, not scratch)."""
    return list(dict.fromkeys(ref for ref, is_image, _ in _stage_sources(dockerfile) if is_image))


def final_base(dockerfile: str) -> str | None:
    """The image the last stage is built on (through earlier stages it starts FROM); None for scratch."""
    sources = _stage_sources(dockerfile)
    return sources[-1][2] if sources else None


def _instructions(dockerfile: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [l.strip() for l in joined.splitlines() if l.strip() and not l.strip().startswith("#")]


# --- the temp copy ------------------------------------------------------------

def prepare(example: Example, into: Path, tools: lockfiles.Tools) -> None:
    """Copy the example, make its Dockerfile buildable here, plant junk, create run-time lock files."""
    example.dir = into / example.name
    shutil.copytree(example.source, example.dir, symlinks=True)
    adapt(example, tools, write_env=False)  # _plant writes .env, with a planted line compose must not need
    _plant(example)


def adapt(example: Example, tools: lockfiles.Tools, write_env: bool = True) -> None:
    """Make the copy in example.dir buildable and runnable here, side by side with other runs: the
    Dockerfile without what needs a registry, run-time lock files, compose's host ports left to the
    engine, and a `.env` for compose from `.env.example`."""
    _adapt_dockerfile(example)
    example.notes += lockfiles.create(example.dir, example.manifest, example.dockerfile_text(), tools)
    _adapt_compose(example)
    if write_env and not (example.dir / ".env").exists():
        (example.dir / ".env").write_text(_env_file(example))


# A published port with a fixed host port on the loopback address, as the generated compose files write it.
FIXED_HOST_PORT = re.compile(r"""(["']?)(127\.0\.0\.1|localhost|\[::1\]):(\d+):(\d+)((?:/(?:tcp|udp))?)\1""")


def _adapt_compose(example: Example) -> None:
    """Publish compose's ports on a host port the engine picks (`127.0.0.1::8000`), so that examples can
    run side by side and never collide with a port something else on the machine holds."""
    changed = []
    for name in ("compose.yaml", "compose.debug.yaml"):
        path = example.dir / name
        if not path.is_file():
            continue
        text = path.read_text()
        new = FIXED_HOST_PORT.sub(lambda m: f'"{m[2]}::{m[4]}{m[5]}"', text)
        if new != text:
            path.write_text(new)
            changed.append(name)
    if changed:
        example.notes.append(f"{' and '.join(changed)}: fixed host ports left to the engine "
                             "(127.0.0.1::PORT), so runs do not collide")


def _adapt_dockerfile(example: Example) -> None:
    path = example.app_dir / "Dockerfile"
    text = path.read_text()
    if SYNTAX_DIRECTIVE.match(text):
        text = SYNTAX_DIRECTIVE.sub("", text, count=1)
        example.notes.append("Dockerfile starts with a `# syntax=` directive: built a copy without that line "
                             "(frontend images cannot be pulled here)")
    if FROM_DIGEST.search(text):
        text = FROM_DIGEST.sub(r"\1", text)
        example.notes.append("FROM pins a digest: built a copy without it (stand-ins have no registry digest)")
    path.write_text(text)


def planted_paths(example: Example) -> list[str]:
    paths = list(PLANTED_AT_ROOT) + list(PLANTED_BY_STACK.get(example.manifest.get("stack"), {}))
    prefix = f"{example.service_dir}/" if example.service_dir else ""
    for source in example.sources:
        if (example.source / prefix / source).is_dir():
            paths += [f"{prefix}{source.rstrip('/')}/{p}" for p in PLANTED_IN_SOURCE_DIRS]
    return paths


def _plant(example: Example) -> None:
    contents = {**PLANTED_AT_ROOT, **PLANTED_BY_STACK.get(example.manifest.get("stack"), {})}
    contents[".env"] = _env_file(example) + contents[".env"]
    for path in planted_paths(example):
        contents.setdefault(path, "")
    for relative, content in contents.items():
        target = example.dir / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def _env_file(example: Example) -> str:
    """The runtime env file compose reads: the example's .env.example with every empty value filled with a
    throwaway test value (e.g. POSTGRES_PASSWORD, read by both the app and the postgres image)."""
    template = example.app_dir / ".env.example"
    if not template.is_file():
        return ""
    lines = []
    for line in template.read_text().splitlines():
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=", line.strip()):
            line = line.strip() + "engine-test-" + secrets.token_hex(8)
        lines.append(line)
    example.notes.append(".env for compose: .env.example with throwaway values for its empty variables")
    return "\n".join(lines) + "\n"


def edit_one_source(example: Example) -> str:
    """Append a comment to one application source file; returns its path relative to the example."""
    for source in example.sources:
        root = example.app_dir / source
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            if path.is_file() and path.suffix in COMMENT_SYNTAX and "__pycache__" not in path.parts:
                comment = COMMENT_SYNTAX[path.suffix].format("edited by the engine test")
                with path.open("a") as handle:
                    handle.write(f"\n{comment}\n")
                return str(path.relative_to(example.dir))
    raise LookupError(f"no editable source file among {example.sources}")


#!/usr/bin/env bash
# Create the lock file an example's package manager needs, at run time, in a COPY of the example.
#
#   tests/support/make-locks.sh EXAMPLE_DIR
#
# uv     -> runs `uv lock`, writing EXAMPLE_DIR/uv.lock
# poetry -> adds the index's PEP 503 simple API as the primary package source to
#           EXAMPLE_DIR/pyproject.toml (Poetry's default source needs an API that is not
#           reachable everywhere), then runs `poetry lock`, writing EXAMPLE_DIR/poetry.lock
# pip    -> nothing to do (requirements.txt is already pinned)
#
# Lock files are never committed: they embed the index's address. Because the poetry step edits
# pyproject.toml, the script refuses a pyproject.toml that belongs to a git work tree (unless
# git ignores it, as in a copy under target/).
# The tools go in a venv under ${DGEN_TOOLS:-$HOME/.cache/dgen-tools}; override the pinned
# versions with UV_VERSION / POETRY_VERSION.
set -euo pipefail

usage() { echo "usage: $0 EXAMPLE_DIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
dir=$(cd "$1" && pwd) || usage
[[ -f "$dir/dgen.toml" ]] || { echo "make-locks: no dgen.toml in $dir" >&2; exit 2; }

UV_VERSION=${UV_VERSION:-0.13.9}
POETRY_VERSION=${POETRY_VERSION:-2.5.1}
tools=${DGEN_TOOLS:-$HOME/.cache/dgen-tools}
venv="$tools/lock-venv"
python=${PYTHON:-python3}

# Which package manager does the manifest name? (python3.11+ has tomllib)
pm=$("$python" - "$dir/dgen.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    doc = tomllib.load(f)
print(doc.get("python", {}).get("package_manager", "pip"))
PY
)

ensure_tool() { # ensure_tool NAME VERSION
    local name=$1 version=$2
    if [[ ! -x "$venv/bin/python" ]]; then
        "$python" -m venv "$venv"
    fi
    if ! "$venv/bin/python" -m pip show "$name" 2>/dev/null | grep -qx "Version: $version"; then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$name==$version"
    fi
}

# The index pip is configured for by default, asked of pip itself so that no address is written here.
simple_index_url() {
    "$venv/bin/python" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'
}

case "$pm" in
pip)
    echo "make-locks: $dir uses pip: nothing to lock"
    ;;
uv)
    ensure_tool uv "$UV_VERSION"
    (cd "$dir" && "$venv/bin/uv" lock --quiet)
    echo "make-locks: wrote $dir/uv.lock"
    ;;
poetry)
    # Inside a git work tree, only a git-ignored copy may be edited (e.g. one under target/).
    if git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
        ! git -C "$dir" check-ignore -q pyproject.toml; then
        echo "make-locks: $dir/pyproject.toml belongs to a git work tree; run this on a temporary copy" >&2
        exit 2
    fi
    ensure_tool poetry "$POETRY_VERSION"
    url=$(simple_index_url)
    export POETRY_VIRTUALENVS_CREATE=false POETRY_NO_INTERACTION=1 POETRY_CACHE_DIR="$tools/poetry-cache"
    if ! grep -q '^\[\[tool\.poetry\.source\]\]' "$dir/pyproject.toml"; then
        (cd "$dir" && "$venv/bin/poetry" source add --priority=primary pypi-simple "$url" >/dev/null)
    fi
    (cd "$dir" && "$venv/bin/poetry" lock)
    echo "make-locks: wrote $dir/poetry.lock"
    ;;
*)
    echo "make-locks: unknown package_manager '$pm' in $dir/dgen.toml" >&2
    exit 2
    ;;
esac

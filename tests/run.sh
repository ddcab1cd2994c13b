#!/usr/bin/env bash
# The whole test suite, the command the README gives and .ci/run calls:
#   1. the Rust tests (unit, CLI cases, practices, drift, init, examples up to date);
#   2. the third-party judges on every example and on every rendered `dgen init` fixture
#      (hadolint, BuildKit's parser, checkov, the compose schema, docker-compose config);
#   3. packaging: the crate dry-run, the wheel built and run from a fresh venv, the Action and
#      workflows validated, the Action's checksum-verified installer (tests/package.sh);
#   4. the real Docker engine suite (stand-in base images; DGEN_SKIP_ENGINE=1 skips it, saying so),
#      (dgen's own image too, unless DGEN_OWN_IMAGE=0); then the corpus (tests/corpus: init --yes -> render -> compose up),
#      whose first-try figure is reported; DGEN_CORPUS_STRICT=1 fails on a corpus app that fails.
# It installs what it needs (Debian packages with apt-get, PyPI tools in a venv), runs every
# step even when an earlier one fails, and exits non-zero if any step failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

failed=()

step() { # step NAME COMMAND...
    local name=$1
    shift
    printf '\n==> %s: %s\n' "$name" "$*"
    local started=$SECONDS
    if "$@"; then
        printf '==> %s: ok (%ss)\n' "$name" "$((SECONDS - started))"
    else
        printf '==> %s: FAILED (exit status %s, %ss)\n' "$name" "$?" "$((SECONDS - started))"
        failed+=("$name")
    fi
}

apt_install() { # apt_install PACKAGE...: install the ones missing
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The judges' venv needs Python's venv module with ensurepip (Debian splits it out).
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3-venv
fi

# In CI, no incremental build state: it only costs disk on a cold run.
if [[ -n ${CI:-} ]]; then
    export CARGO_INCREMENTAL=0
fi

if cargo nextest --version >/dev/null 2>&1; then
    step "rust tests" cargo nextest run --workspace --no-fail-fast
else
    step "rust tests" cargo test --workspace --no-fail-fast
fi

step "judges" bash tests/judges/init-fixtures.sh

step "package" bash tests/package.sh

step "engine" python3 tests/engine/run.py

if [[ ${#failed[@]} -gt 0 ]]; then
    printf '\ntests: failed steps: %s\n' "${failed[*]}"
    exit 1
fi
printf '\ntests: all steps passed\n'

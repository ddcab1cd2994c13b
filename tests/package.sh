#!/usr/bin/env bash
# Shipping checks (the "package" step of tests/run.sh):
#   crate       `cargo publish --dry-run`: the crate packages from its `include` and builds alone
#   wheel       maturin (pinned, from PyPI, in a venv) builds the wheel; it is installed into a
#               fresh venv (timed: the README's "pip install" path), and that venv's `dgen` runs
#               `dgen check` on an example (exit 0) and on a drifted copy (exit 1)
#   pre-commit  the pre-commit mirror's dgen-check hook (language: python, the built wheel) passes
#               on an example and fails on a drifted copy
#   workflows   action-validator on action.yml and every .github/workflows/*.yml
#   action      the Action's installer (action/install.sh) against a release served on loopback:
#               installs the binary whose SHA-256 matches; refuses a tampered archive, a wrong
#               pinned sha256, an unknown version and a malformed one; action/inputs.sh refuses
#               an unknown format or switch value
#   own-image   `dgen check` on the repository's own dgen.toml (dgen's image)
# Prints one PASS/FAIL line per check and `package: N passed, M failed`; exit 1 on any failure.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
tools=${DGEN_TOOLS:-$HOME/.cache/dgen-tools}
maturin_pin=maturin==1.9.6
python=${PYTHON:-python3}
scratch=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null; fi
    rm -rf "$scratch"
}
trap cleanup EXIT

passed=0
failed=0
result() { # result PASS|FAIL NAME [DETAILS]
    printf '%-4s  %-10s %s\n' "$1" "$2" "${3:-}"
    if [[ $1 == PASS ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
expect() { # expect NAME WANTED_STATUS COMMAND...: run it, compare the exit status
    local name=$1 want=$2 out status
    shift 2
    out=$("$@" 2>&1)
    status=$?
    if [[ $status -eq $want ]]; then
        result PASS "$name" "exit $status: $*"
    else
        result FAIL "$name" "exit $status, wanted $want: $*"
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/        /'
    fi
    LAST_OUT=$out
}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

# --- crate ---------------------------------------------------------------------------------
dirty=()
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then dirty=(--allow-dirty); fi
expect crate 0 cargo publish --dry-run --locked "${dirty[@]}"
listing=$(cargo package --list --locked "${dirty[@]}" 2>/dev/null)
for needed in src/stacks/python/templates/Dockerfile.j2 templates/common/github-workflow.yml.j2 schemas/dgen.schema.json README.md LICENSE-MIT LICENSE-APACHE; do
    if grep -qx "$needed" <<<"$listing"; then result PASS crate "packaged: $needed"; else result FAIL crate "not packaged: $needed"; fi
done

# --- wheel ---------------------------------------------------------------------------------
venv="$tools/maturin"
if [[ "$(cat "$venv/.pin" 2>/dev/null)" != "$maturin_pin" ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "$maturin_pin" &&
        printf '%s' "$maturin_pin" >"$venv/.pin"
fi
# The dev profile: the binary the Rust tests already built, so the check costs no second
# (release) build of the crate; the release workflow builds the published, optimised wheels.
expect wheel 0 "$venv/bin/maturin" build --locked --out "$scratch/wheels"
wheel=$(ls "$scratch"/wheels/dgen_cli-"$version"-*.whl 2>/dev/null | head -n 1)
if [[ -z "$wheel" ]]; then
    result FAIL wheel "no dgen_cli-$version wheel was built"
else
    result PASS wheel "built $(basename "$wheel")"
    "$python" -m venv "$scratch/user"
    started=$EPOCHREALTIME
    expect wheel 0 "$scratch/user/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
    seconds=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    result PASS wheel "installed into a fresh venv in ${seconds}s"
    expect wheel 0 "$scratch/user/bin/dgen" --version
    if [[ "$LAST_OUT" == "dgen $version" ]]; then result PASS wheel "the venv's dgen says: $LAST_OUT"; else result FAIL wheel "the venv's dgen says: $LAST_OUT"; fi
    expect wheel 0 "$scratch/user/bin/dgen" check examples/flask-pip
    cp -r examples/flask-pip "$scratch/drifted"
    sed -i '/^USER /d' "$scratch/drifted/Dockerfile"
    expect wheel 1 "$scratch/user/bin/dgen" check "$scratch/drifted"
    if grep -q '(P15)' <<<"$LAST_OUT"; then result PASS wheel "the drift names P15"; else result FAIL wheel "the drift does not name P15"; fi
fi

# --- pre-commit: the mirror's hooks install the wheel (served from the build, not an index) ---
if [[ -n "$wheel" ]]; then
    pc="$tools/pre-commit"
    if [[ ! -x "$pc/bin/pre-commit" ]]; then
        "$python" -m venv "$pc" && "$pc/bin/pip" install --quiet --disable-pip-version-check pre-commit==4.0.1
    fi
    cp -r pre-commit "$scratch/mirror"
    cp -r examples/flask-pip "$scratch/hooked"
    for dir in "$scratch/mirror" "$scratch/hooked"; do
        git -C "$dir" init -q && git -C "$dir" add -A &&
            git -C "$dir" -c user.email=ci@localhost -c user.name=ci commit -qm snapshot
    done
    hook() { (cd "$scratch/hooked" && PRE_COMMIT_HOME="$scratch/pre-commit-home" PIP_FIND_LINKS="$scratch/wheels" \
        "$pc/bin/pre-commit" try-repo "$scratch/mirror" dgen-check --all-files); }
    expect pre-commit 0 hook
    sed -i '/^USER /d' "$scratch/hooked/Dockerfile"
    expect pre-commit 1 hook
fi

# --- workflows -----------------------------------------------------------------------------
validator="$tools/npm/node_modules/.bin/action-validator"
if [[ ! -x "$validator" ]]; then
    # the judges install it (tests/judges/run.sh); without them, install it the same way
    mkdir -p "$tools/npm"
    (cd "$tools/npm" && npm install --silent --no-audit --no-fund --prefix "$tools/npm" @action-validator/cli@0.6.0 @action-validator/core@0.6.0 >/dev/null)
fi
for file in action.yml .github/workflows/*.yml; do
    expect workflows 0 "$validator" "$file"
done

# --- action --------------------------------------------------------------------------------
binary=target/debug/dgen # the binary the wheel step (dev profile) packed
if [[ -x "$binary" ]]; then
    target=x86_64-unknown-linux-musl
    release="$scratch/release/v$version"
    mkdir -p "$release/dgen-$version-$target" "$scratch/release/v9.9.9"
    cp "$binary" "$release/dgen-$version-$target/dgen"
    tar -C "$release" -czf "$release/dgen-$version-$target.tar.gz" "dgen-$version-$target"
    (cd "$release" && sha256sum "dgen-$version-$target.tar.gz" >SHA256SUMS)
    port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$python" -m http.server --bind 127.0.0.1 --directory "$scratch/release" "$port" >/dev/null 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v$version/SHA256SUMS" >/dev/null && break; sleep 0.1; done
    run_install() { # run_install VERSION [SHA256]
        env -u GITHUB_PATH RUNNER_OS=Linux RUNNER_ARCH=X64 DGEN_VERSION="$1" DGEN_SHA256="${2:-}" \
            DGEN_BASE_URL="http://127.0.0.1:$port" DGEN_INSTALL_DIR="$scratch/bin-$RANDOM" bash action/install.sh
    }
    expect action 0 run_install "$version"
    sum=$(cut -d' ' -f1 "$release/SHA256SUMS")
    expect action 0 run_install "v$version" "$sum"
    expect action 1 run_install "$version" "$(printf '0%.0s' $(seq 64))"
    grep -q 'checksum mismatch' <<<"$LAST_OUT" && result PASS action "a wrong pinned sha256 is refused" || result FAIL action "no checksum message: $LAST_OUT"
    expect action 1 run_install 9.9.9
    grep -q 'no release asset' <<<"$LAST_OUT" && result PASS action "an unknown version fails clearly" || result FAIL action "unclear: $LAST_OUT"
    expect action 1 run_install latest
    grep -q 'not a dgen version' <<<"$LAST_OUT" && result PASS action "\`latest\` is refused" || result FAIL action "unclear: $LAST_OUT"
    # a tampered archive: same name, other bytes, SHA256SUMS unchanged
    printf 'tampered' >>"$release/dgen-$version-$target.tar.gz"
    expect action 1 run_install "$version"
    grep -q 'checksum mismatch' <<<"$LAST_OUT" && result PASS action "a tampered archive is refused" || result FAIL action "no checksum message: $LAST_OUT"
else
    result FAIL action "no $binary (the wheel step builds it)"
fi
inputs() { # inputs FORMAT INSTALL STRICT VERSION
    env DGEN_INPUT_FORMAT="$1" DGEN_INPUT_INSTALL="$2" DGEN_INPUT_STRICT="$3" DGEN_INPUT_FAIL_ON_VERSION=false \
        DGEN_INPUT_SARIF_UPLOAD=false DGEN_INPUT_VERSION="$4" bash action/inputs.sh
}
expect action 0 inputs github binary false "$version"
expect action 1 inputs xml binary false "$version"
expect action 1 inputs github binary yes "$version"
expect action 1 inputs github brew false "$version"
expect action 1 inputs github binary false ">=0.1"

# --- own image -----------------------------------------------------------------------------
expect own-image 0 cargo run --quiet --locked -- check dgen.toml
# The judges' verdict on dgen's own Dockerfile (their venv comes from tests/judges/run.sh).
judges="$tools/venv/bin"
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n); fi
if [[ -x "$judges/hadolint" && -x "$judges/checkov" ]]; then
    expect own-image 0 env -u HADOLINT_IGNORE "$judges/hadolint" --no-color Dockerfile
    if [[ -n "$LAST_OUT" ]]; then result FAIL own-image "hadolint: $LAST_OUT"; fi
    expect own-image 0 "${offline[@]}" "$judges/checkov" --framework dockerfile -f Dockerfile --quiet --compact
    if grep -q 'Failed checks: 0, Skipped checks: 0' <<<"$LAST_OUT"; then
        result PASS own-image "checkov: $(grep -o 'Passed checks: [0-9]*' <<<"$LAST_OUT")"
    else
        result FAIL own-image "checkov did not pass every check"
    fi
else
    result FAIL own-image "no judges venv at $tools/venv (run tests/judges/run.sh first)"
fi

printf '\npackage: %s passed, %s failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]

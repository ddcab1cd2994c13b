#!/usr/bin/env bash
# The judges on what `dgen init` writes: every fixture project under tests/fixtures/init/ is
# copied to a scratch directory, `dgen init --yes --force` writes its manifest, `dgen render`
# renders it, and tests/judges/run.sh judges the results (and, as always, the examples).
#
#   bash tests/judges/init-fixtures.sh [OUT_DIR]
#
# OUT_DIR keeps the rendered copies (OUT_DIR/<fixture>/); without it they go in a temporary
# directory removed on exit. Nothing is written inside the repository.
#
# A fixture that `dgen init` refuses (the unknown project, exit 2) is skipped, and so is one whose
# manifest `dgen render` refuses (a Pipfile project, until `pipenv requirements` has written
# requirements.txt): each gets a SKIP line saying why. tests/integration/init.rs checks both cases.
#
# The binary: $DGEN when set, else `cargo build` (CARGO_TARGET_DIR is honoured).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fixtures="$repo/tests/fixtures/init"

if [[ -n ${DGEN:-} ]]; then
    bin=$DGEN
else
    cargo build --quiet --bin dgen --manifest-path "$repo/Cargo.toml"
    target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    bin="$target/debug/dgen"
fi

if [[ $# -ge 1 ]]; then
    out=$1
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

dirs=()
for fixture in "$fixtures"/*/; do
    name=$(basename "$fixture")
    copy="$out/$name"
    rm -rf "$copy"
    cp -R "$fixture" "$copy"
    if ! log=$(cd "$copy" && "$bin" init --yes --force </dev/null 2>&1); then
        printf 'SKIP  %-15s %s (dgen init refused it)\n' init "$name"
        continue
    fi
    if ! log=$(cd "$copy" && "$bin" render --quiet 2>&1); then
        printf 'SKIP  %-15s %s (dgen render refused its manifest)\n' render "$name"
        printf '%s\n' "$log" | sed 's/^/        /'
        continue
    fi
    dirs+=("$copy")
done

if [[ ${#dirs[@]} -eq 0 ]]; then
    echo "init-fixtures: no fixture rendered" >&2
    exit 1
fi
# The trap must outlive the judges: run them as a child, not with exec.
bash "$repo/tests/judges/run.sh" "${dirs[@]}"

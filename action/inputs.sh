#!/usr/bin/env bash
# Checks the GitHub Action's inputs (action.yml) before anything is installed: an unknown
# version form, format or switch value fails with a clear message.
set -uo pipefail

bad=0
error() {
    printf '::error title=dgen action input::%s\n' "$*"
    bad=1
}

version=${DGEN_INPUT_VERSION:-}
if [[ ! "${version#v}" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
    error "version: \`$version\` is not a dgen version: give an exact release such as 0.1.0 (no \`latest\`, no ranges)"
fi
case "${DGEN_INPUT_FORMAT:-}" in
    github | human | json | sarif) ;;
    *) error "format: \`${DGEN_INPUT_FORMAT:-}\` is not one of github, human, json, sarif" ;;
esac
case "${DGEN_INPUT_INSTALL:-}" in
    binary | pip) ;;
    *) error "install: \`${DGEN_INPUT_INSTALL:-}\` is not one of binary, pip" ;;
esac
for pair in "strict=${DGEN_INPUT_STRICT:-}" "fail-on-version=${DGEN_INPUT_FAIL_ON_VERSION:-}" "sarif-upload=${DGEN_INPUT_SARIF_UPLOAD:-}"; do
    case "${pair#*=}" in
        true | false) ;;
        *) error "${pair%%=*}: \`${pair#*=}\` is not true or false" ;;
    esac
done
exit "$bad"

#!/usr/bin/env bash
# Installs a pinned dgen release binary for the GitHub Action (action.yml), its checksum verified.
#
# Environment:
#   DGEN_VERSION    the version to install, e.g. 0.1.0 (required; `latest` and ranges are refused)
#   DGEN_BASE_URL   where the release assets are: <base>/v<version>/<asset> (required)
#   DGEN_SHA256     optional: the archive's expected SHA-256, pinned by the caller; without it the
#                   archive must match the release's SHA256SUMS
#   DGEN_INSTALL_DIR  where `dgen` goes (default: $RUNNER_TEMP/dgen-bin); added to $GITHUB_PATH
#   RUNNER_OS, RUNNER_ARCH  the runner (set by GitHub Actions)
# Exit status 0 installed; 1 on any failure, with an `::error::` line saying why.
set -euo pipefail

fail() {
    printf '::error title=dgen install::%s\n' "$*"
    exit 1
}

version=${DGEN_VERSION:-}
base=${DGEN_BASE_URL:-}
[[ -n "$base" ]] || fail "no release URL (DGEN_BASE_URL) given"
[[ -n "$version" ]] || fail "no dgen version given: set the action's \`version\` input, e.g. 0.1.0"
version=${version#v}
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
    fail "\`version: ${DGEN_VERSION}\` is not a dgen version: give an exact release such as 0.1.0 (no \`latest\`, no ranges)"
fi

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
case "$os/$arch" in
    Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
    macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
    *) fail "no dgen release binary for $os/$arch; install the wheel instead: pip install dgen-cli==$version" ;;
esac
if [[ $target == *windows* ]]; then archive="dgen-$version-$target.zip"; else archive="dgen-$version-$target.tar.gz"; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # fetch NAME: download one asset of the release, failing clearly
    local url="$base/v$version/$1" status
    status=$(curl --silent --show-error --location --retry 3 --output "$work/$1" --write-out '%{http_code}' "$url") ||
        fail "could not download $url"
    case "$status" in
        200) ;;
        404) fail "dgen $version has no release asset $1 (is $version a released version? see the releases page)" ;;
        *) fail "downloading $url answered HTTP $status" ;;
    esac
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

fetch SHA256SUMS
fetch "$archive"
actual=$(sha256 "$work/$archive")
listed=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/SHA256SUMS")
[[ -n "$listed" ]] || fail "SHA256SUMS of dgen $version does not list $archive"
if [[ "$actual" != "$listed" ]]; then
    fail "checksum mismatch for $archive: SHA256SUMS says $listed, the download is $actual; refusing to install it"
fi
if [[ -n "${DGEN_SHA256:-}" && "$actual" != "${DGEN_SHA256,,}" ]]; then
    fail "checksum mismatch for $archive: the pinned sha256 is $DGEN_SHA256, the download is $actual; refusing to install it"
fi

dir=${DGEN_INSTALL_DIR:-${RUNNER_TEMP:-$work}/dgen-bin}
mkdir -p "$dir"
if [[ $archive == *.zip ]]; then
    unzip -q -o "$work/$archive" -d "$work/unpacked"
else
    mkdir -p "$work/unpacked"
    tar -xzf "$work/$archive" -C "$work/unpacked"
fi
binary=$(find "$work/unpacked" -type f \( -name dgen -o -name dgen.exe \) | head -n 1)
[[ -n "$binary" ]] || fail "$archive holds no dgen binary"
install -m 0755 "$binary" "$dir/"
got=$("$dir/$(basename "$binary")" --version) || fail "the installed dgen does not run"
[[ "$got" == "dgen $version" ]] || fail "the installed binary says \`$got\`, not dgen $version"
if [[ -n "${GITHUB_PATH:-}" ]]; then echo "$dir" >>"$GITHUB_PATH"; fi
echo "installed $got ($target, sha256 $actual) into $dir"

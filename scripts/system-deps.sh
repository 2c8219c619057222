#!/usr/bin/env bash
# Installs the Debian packages that shipwarden's sandboxed commands and their
# tests need (bubblewrap, strace, libseccomp, chromium, postgresql) when they are missing
# and this runs as root with apt-get. Elsewhere it only says what is missing:
# the commands that need a tool refuse with a clear message, and the tests that
# need one skip with a reason (never in CI, where CI=true makes them fail).
set -euo pipefail

have_pg() {
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
have_pg || missing+=(postgresql)
# the sandbox's seccomp filter is compiled by libseccomp
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || missing+=(libseccomp2)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "system-deps: missing ${missing[*]} (install them with your package manager;" \
         "the commands that need them refuse and their tests skip)" >&2
fi

#!/usr/bin/env bash
# Debian packages the test suite needs besides Python's: Chromium (tests/test_browser.py drives it
# with Playwright) and PostgreSQL's server binaries (tests/test_grade.py starts a throw-away server).
# Installed with apt-get when missing; says in one sentence what to do when it cannot.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "The test suite needs the Debian packages: ${missing[*]}. Install them (sudo apt-get install -y ${missing[*]}) and run make test again." >&2
    exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

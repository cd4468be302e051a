#!/usr/bin/env bash
# Debian packages the course needs besides Python's, installed with apt-get when missing; says in
# one sentence what to do when it cannot.
#   grading (make demo, make grade, make test): bubblewrap (bwrap) -- every graded kernel runs in its
#     sandbox (grader/sandbox.py); prlimit and setpriv come with util-linux.
#   tests only (make test, with --tests): Chromium (tests/test_browser.py drives it with Playwright)
#     and PostgreSQL's server binaries (tests/test_grade.py starts a throw-away server).
set -euo pipefail
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v prlimit >/dev/null && command -v setpriv >/dev/null || missing+=(util-linux)
if [ "${1:-}" = "--tests" ]; then
    command -v chromium >/dev/null || missing+=(chromium)
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "The course needs the Debian packages: ${missing[*]}. Install them (sudo apt-get install -y ${missing[*]}) and run the command again." >&2
    exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null

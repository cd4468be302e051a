#!/usr/bin/env bash
# The npm packages of package.json (pinned in package-lock.json) into node_modules/:
#   mathjax                  -- inlined into every feedback page, so math renders without a network
#                               (grader/mathjax.py)
#   configurable-http-proxy  -- JupyterHub's proxy, for the course hub (scripts/hub.sh)
# Installs Debian's nodejs and npm when npm is missing (as root), else says in one sentence what to do.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "The course needs npm (Node.js 20 or newer) for MathJax and JupyterHub's proxy: install nodejs and npm, then run the command again." >&2
        exit 1
    fi
    echo "installing Debian packages: nodejs npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"

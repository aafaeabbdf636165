#!/usr/bin/env bash
# Installs recipe-dash into .venv (idempotent). Usage: scripts/setup.sh [--test]
# --test also installs the test extras, Debian's chromium for the browser tests and Debian's
# postgresql (only its binaries: the tests start a throwaway server of their own).
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
log=.venv/pip.log
pip_install() {  # quiet unless it fails: pip's notes about local package folders are noise here
    .venv/bin/python -m pip install -q "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
}
# torch first, pinned: this release is a CPU build on our machines; a loose pin could pull a CUDA build of GBs.
pip_install "torch==2.13.0"
apt_install() {  # Debian packages, as root or through sudo
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if [ "${1:-}" = "--test" ]; then
    pip_install -e ".[test]"
    command -v chromium >/dev/null 2>&1 || apt_install chromium
    if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        apt_install postgresql
    fi
else
    pip_install -e .
fi

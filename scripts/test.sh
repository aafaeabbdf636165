#!/usr/bin/env bash
# Install recipe-dash with its test extras (and Debian's chromium) into .venv, then run every test.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"

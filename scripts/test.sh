#!/usr/bin/env bash
# Install recipe-dash with its test extras (and Debian's chromium) into .venv, lint, then run every test.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
exec .venv/bin/python -m pytest "$@"

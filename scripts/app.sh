#!/usr/bin/env bash
# Install recipe-dash into .venv and open the dashboard on the bundled digits sample.
# Extra arguments go to `recipe-dash app`: options (--port 8600) and/or another dataset path first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
case "${1:-}" in ""|-*) set -- sample_data/digits "$@" ;; esac
exec .venv/bin/recipe-dash app "$@"

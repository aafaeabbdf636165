#!/usr/bin/env bash
# Install recipe-dash into .venv and open the dashboard on the bundled digits sample.
# Extra arguments go to `recipe-dash app` (e.g. --port 8600, or another dataset path).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then set -- sample_data/digits; fi
exec .venv/bin/recipe-dash app "$@"

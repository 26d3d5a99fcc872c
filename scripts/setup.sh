#!/usr/bin/env bash
# Creates .venv and installs offload_ros into it (editable), torch's CPU build first.
# Usage: scripts/setup.sh [test]   ("test" adds the test tools and Ray, which a test runs)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="learning,aigc"
[ "${1:-}" = "test" ] && extras="learning,aigc,cluster,test"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt torch==2.13.0
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[${extras}]"
echo "offload_ros installed in .venv ($(.venv/bin/offload-ros --version))" >&2

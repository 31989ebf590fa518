#!/usr/bin/env bash
# Re-resolve the locks that CI installs from (see the README, "The lock"):
#   constraints.txt         every extra at the newest versions the declared ranges admit
#   constraints-lowest.txt  every direct dependency at its declared floor (the newest of
#                           what they need), so a floor in pyproject.toml cannot lie
# Run it after changing a dependency in pyproject.toml, or to take new releases
# (bash requirements/lock.sh --upgrade), then run the suite and commit the locks.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null || python3 -m pip install --quiet "uv>=0.5"
common=(pyproject.toml requirements/tools.in --all-extras --universal --python-version 3.11
        --no-header --quiet)
uv pip compile "${common[@]}" "$@" -o requirements/constraints.txt
uv pip compile "${common[@]}" "$@" --resolution lowest-direct -o requirements/constraints-lowest.txt
echo "locked: requirements/constraints.txt, requirements/constraints-lowest.txt"

#!/usr/bin/env bash
# Check the floors that pyproject.toml declares: the test suite on the oldest release of each
# dependency (every `name>=X` installed as `name==X`; their own dependencies as pip resolves
# them), in a virtual environment of its own.
#
#   tools/check_floors.sh                         # every floor (torch 2.4: a large download)
#   TORCH=torch==2.13.0 tools/check_floors.sh     # a torch already at hand, the other floors
#   tools/check_floors.sh tests/gui -x            # arguments go to pytest
#
# The environment is made in $VENV (default: /tmp/convlens-floors), anew each time.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-/tmp/convlens-floors}
python3 -m venv --clear "$venv"
floors=$("$venv/bin/python" - <<'PY'
import os
import re
import tomllib

with open("pyproject.toml", "rb") as file:
    project = tomllib.load(file)["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    name, floor = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([^,;\s]+)", requirement).groups()
    print(os.environ["TORCH"] if name == "torch" and os.environ.get("TORCH") else f"{name}=={floor}")
PY
)
echo "floors:" $floors
# shellcheck disable=SC2086  # one requirement per word
"$venv/bin/pip" install -q $floors
"$venv/bin/pip" install -q --no-deps -e .
"$venv/bin/pip" list 2>/dev/null | grep -iE "^(torch|numpy|safetensors|pillow|pyside6[-_]essentials|shiboken6|pyqtgraph|pytest|pytest-qt|ruff) "
"$venv/bin/python" -m pytest "$@"

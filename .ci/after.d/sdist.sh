#!/usr/bin/env bash
# The sdist carries a suite that runs (issue 14): build it, unpack it in an empty folder, install it with its
# test extra into a fresh venv, collect the WHOLE suite there (a missing conftest.py, deployments.py, helper
# module or test subpackage is a collection error), then run a fast subset of it (packaging, layers, CLI,
# simulator, the README's demo commands) — the full suite already ran from the checkout before this step.
# Arguments are passed to pytest's collection of the whole suite (e.g. an --ignore while a test is being fixed).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pip's output only when it fails (this machine's pip config names index folders that may not exist).
quiet() { "$@" >"$work/step.log" 2>&1 || { grep -v "WARNING: Location" "$work/step.log" >&2; return 1; }; }

.venv/bin/uv build --sdist --no-python-downloads --python .venv/bin/python --out-dir "$work/dist" . >/dev/null 2>&1 \
    || .venv/bin/uv build --sdist --no-python-downloads --python .venv/bin/python --out-dir "$work/dist" .
sdist=$(ls "$work"/dist/pytest_ece_o365-*.tar.gz)
echo "sdist: $(basename "$sdist"): $(tar tzf "$sdist" | grep -c '^[^/]*/tests/.*\.py$') test files" >&2
mkdir "$work/unpacked"
tar xzf "$sdist" -C "$work/unpacked"
src=$(ls -d "$work"/unpacked/pytest_ece_o365-*)
for required in LICENSE conftest.py example_config.toml tests/conftest.py tests/deployments.py tests/oauth/conftest.py; do
    [ -e "$src/$required" ] || { echo "sdist: $required is missing from $(basename "$sdist")" >&2; exit 1; }
done

python3 -m venv "$work/venv"
quiet "$work/venv/bin/python" -m pip install -q --upgrade pip
quiet "$work/venv/bin/python" -m pip install -q "$src[test]"
cd "$src"
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider --collect-only "$@" >"$work/collected.txt" \
    || { tail -30 "$work/collected.txt" >&2; echo "sdist: the suite does not collect from the sdist" >&2; exit 1; }
echo "sdist: $(tail -1 "$work/collected.txt")" >&2
PATH="$work/venv/bin:$PATH" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_dependencies.py tests/test_layers.py tests/test_readme.py tests/test_owner_only.py tests/cli tests/sim/test_runner.py
echo "sdist: done in $((SECONDS - start)) s" >&2

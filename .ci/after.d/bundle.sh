#!/usr/bin/env bash
# Offline bundles (issue 14), built by `ece-o365 bundle` as an admin would build them:
# - win_amd64 for Python 3.10, 3.12 and 3.13, each proven complete OFFLINE by two target-aware checks that do
#   not trust the command's own self-check: uv resolves pytest-ece-o365 from the folder alone
#   (--no-index --find-links) for that platform and Python, and pip (--no-index, the target's --platform and
#   --python-version) fetches every hash-pinned line of its requirements.txt from the folder;
# - the Linux bundle for this machine's Python, installed into a fresh venv with --no-index (pip config and
#   environment ignored), then the demo run from it: `pytest --ece-simulate=broken` must exit 1 (findings).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet() { "$@" >"$work/step.log" 2>&1 || { grep -v "WARNING: Location" "$work/step.log" >&2; return 1; }; }
export UV_PYTHON_DOWNLOADS=never
echo "pytest-ece-o365" >"$work/wanted.in"

for version in 3.10 3.12 3.13; do
    bundle="$work/win_amd64-$version"
    .venv/bin/python -m pytest_ece_o365.cli bundle --platform win_amd64 --python "$version" --out "$bundle" >&2
    .venv/bin/uv pip compile "$work/wanted.in" --no-index --find-links "$bundle" --only-binary :all: \
        --python-platform x86_64-pc-windows-msvc --python-version "$version" --no-header --no-annotate --quiet \
        >"$work/resolved-$version.txt"
    quiet .venv/bin/python -m pip download --isolated --no-index --find-links "$bundle" --no-deps \
        --only-binary=:all: --platform win_amd64 --python-version "$version" -r "$bundle/requirements.txt" \
        -d "$work/fetched-$version"
    # What pip --platform alone misses (its markers are this Linux host's): pytest's colorama on Windows and
    # on 3.10 the backports.
    expected="colorama"
    [ "$version" = "3.10" ] && expected="colorama tomli exceptiongroup"
    for name in $expected; do
        grep -q "^$name==" "$work/resolved-$version.txt" || { echo "bundle: $name missing for win_amd64 $version" >&2; exit 1; }
    done
    echo "bundle: win_amd64 / $version resolves offline: $(wc -l <"$work/resolved-$version.txt") packages" >&2
done

bundle="$work/linux"
.venv/bin/python -m pytest_ece_o365.cli bundle --platform current --out "$bundle" >&2
python3 -m venv "$work/server"
(cd "$bundle" && quiet "$work/server/bin/python" -m pip install --isolated --no-index --find-links . -r requirements.txt)
"$work/server/bin/python" -m pip show pytest-ece-o365 | grep '^Requires:' >&2
mkdir "$work/run"
demo=0
(cd "$work/run" && "$work/server/bin/pytest" --ece-simulate=broken -q -p no:cacheprovider \
    --html report.html --self-contained-html >"$work/demo.txt" 2>&1) || demo=$?
if [ "$demo" -ne 1 ] || ! grep -q "<h2>Findings</h2>" "$work/run/report.html"; then
    tail -20 "$work/demo.txt" >&2
    echo "bundle: the demo from the Linux bundle exited $demo, expected 1 with a report" >&2
    exit 1
fi
echo "bundle: the Linux bundle installs with --no-index and the demo exits 1 with its report; done in $((SECONDS - start)) s" >&2

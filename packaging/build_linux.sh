#!/usr/bin/env bash
# Build the Linux one-folder bundle with PyInstaller and smoke-test it.
#
#   bash packaging/build_linux.sh [--current-env] [--dist DIR] [--gui-seconds N]
#
# By default everything happens in a new temporary virtual environment with the exact tested
# versions (packaging/constraints.txt), so the build does not depend on what else is installed.
# --current-env builds with the Python that runs this script instead (only PyInstaller is
# added, with the same constraints): CI uses it right after the tests installed the rest.
# PYTHON=python3.12 picks the interpreter for the new environment.
# The bundle goes to DIR/AttendanceDesktop (default: dist/AttendanceDesktop in the repo);
# PyInstaller's work files go to a temporary folder that is removed at the end.
# Needs: python3 with venv (Debian: python3-venv), network access to PyPI or a pip cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

python=${PYTHON:-python3}
current_env=0
dist=$root/dist
gui_seconds=10
while [ $# -gt 0 ]; do
  case $1 in
    --current-env) current_env=1 ;;
    --dist) dist=$2; shift ;;
    --gui-seconds) gui_seconds=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build_linux.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/attendance-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1

now() { date +%s; }
lap() { printf '%-34s %5ds\n' "$1" "$(( $(now) - $2 ))"; }
total=$(now)

t=$(now)
if [ $current_env = 1 ]; then
  py=$python
  "$py" -m pip install -c packaging/constraints.txt pyinstaller > "$work/pip.log" 2>&1 \
    || { tail -40 "$work/pip.log"; exit 1; }
else
  "$python" -m venv "$work/venv"
  py=$work/venv/bin/python
  # The app with PostgreSQL support (psycopg ends up in the bundle) and PyInstaller.
  "$py" -m pip install -c packaging/constraints.txt ".[build,postgres]" > "$work/pip.log" 2>&1 \
    || { tail -40 "$work/pip.log"; exit 1; }
fi
lap "install ($("$py" -V 2>&1))" "$t"

t=$(now)
"$py" packaging/make_icon.py --check >/dev/null
"$py" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work/build" packaging/attendance_desktop.spec \
  > "$work/pyinstaller.log" 2>&1 || { tail -40 "$work/pyinstaller.log"; exit 1; }
lap "PyInstaller build" "$t"
echo "bundle: $dist/AttendanceDesktop ($(du -sh "$dist/AttendanceDesktop" | cut -f1))"

t=$(now)
status=0
"$py" packaging/smoke_test.py "$dist/AttendanceDesktop" --gui-seconds "$gui_seconds" \
  | tee "$work/smoke.log" || status=$?
lap "smoke test" "$t"
lap "total" "$total"
tail -1 "$work/smoke.log"  # "smoke: N passed, N failed" stays the closing line
exit $status

#!/usr/bin/env bash
# Builds the stand-alone deepfake-live executable with PyInstaller (pyinstaller.spec) into dist/.
# Usage: scripts/build_exe.sh [--onefile]
#   default    dist/deepfake-live/deepfake-live   (a folder: fastest start; ship it zipped)
#   --onefile  dist/onefile/deepfake-live         (one self-extracting file; unpacks to a temp dir at each start)
# Uses .venv/bin/python when it exists (scripts/setup.sh), else $PYTHON or python3; installs PyInstaller
# through the project's `build` extra when it is missing. Build on each target OS: no cross-compiling.
set -euo pipefail
cd "$(dirname "$0")/.."
onefile=0
for arg in "$@"; do
  case "$arg" in
    --onefile) onefile=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (usage: scripts/build_exe.sh [--onefile])" >&2; exit 2 ;;
  esac
done
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] && PY=.venv/bin/python
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "PyInstaller not found: installing the project's build extra"
  "$PY" -m pip install -q -e ".[build]"
fi
if [ ! -f models/deepfake_live.tflite ]; then
  echo "warning: models/deepfake_live.tflite is missing; the executable will need --model PATH" >&2
fi
start=$(date +%s)
distpath=dist; [ "$onefile" = 1 ] && distpath=dist/onefile
DFL_ONEFILE=$onefile "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$distpath" pyinstaller.spec
exe="$distpath/deepfake-live"; [ "$onefile" = 1 ] || exe="$exe/deepfake-live"
[ -f "$exe.exe" ] && exe="$exe.exe"
size=$(du -sh "$( [ "$onefile" = 1 ] && echo "$exe" || echo "$distpath/deepfake-live")" | cut -f1)
echo "built $exe ($size) in $(( $(date +%s) - start )) s"
"$exe" --version
echo "check it: $exe --self-test"

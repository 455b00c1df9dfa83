#!/usr/bin/env bash
# Installs what deepfake-live needs on Debian/Ubuntu into ./.venv.
# Usage: scripts/setup.sh [EXTRAS] [--force]   (EXTRAS e.g. "test,train,build"; default: none)
# Skips everything when nothing changed since the last install: .venv/.setup-stamp holds a hash of
# pyproject.toml, this script, the extras and the Python version (--force, or deleting it, reinstalls).
# pip's own output goes to .venv/pip-install.log and is shown only when the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) extras="$arg" ;;
  esac
done

PY="${PYTHON:-python3}"
STAMP=.venv/.setup-stamp
key="$( { cat pyproject.toml scripts/setup.sh; echo "extras=$extras"; "$PY" -V 2>&1; } | sha256sum | cut -d' ' -f1)"
if [ "$force" = 0 ] && [ -x .venv/bin/deepfake-live ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ]; then
  exit 0  # installed and nothing changed (the package is installed editable: code changes need no reinstall)
fi

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
APT_PKGS=(libportaudio2 libasound2-plugins libsndfile1 ffmpeg
          libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 libxcb-xinerama0 libxcb-shape0)
case ",$extras," in
  *,test,*) APT_PKGS+=(pulseaudio pulseaudio-utils espeak-ng flite sox) ;;
esac
case ",$extras," in  # the local fake-speech generator's command-line synthesisers (ttspico compiles C: gcc)
  *,generate,*) APT_PKGS+=(espeak-ng flite festival festvox-kallpc16k festvox-us-slt-hts gcc) ;;
esac
if command -v apt-get >/dev/null; then
  missing=()
  for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "note: not a Debian/Ubuntu system; install PortAudio, libsndfile and ffmpeg with your package manager" >&2
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
log=.venv/pip-install.log
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
echo "installing deepfake-live into .venv (extras: ${extras:-none}); pip log: $log"
if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
       .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"; } >"$log" 2>&1; then
  echo "scripts/setup.sh: pip install failed; the end of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "$key" > "$STAMP"
echo "installed deepfake-live into .venv (extras: ${extras:-none})"

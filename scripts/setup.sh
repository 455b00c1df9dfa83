#!/usr/bin/env bash
# Installs what deepfake-live needs on Debian/Ubuntu into ./.venv.
# Usage: scripts/setup.sh [EXTRAS]   (EXTRAS e.g. "test,train,build"; default: none)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

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

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
.venv/bin/python -m pip install -q -e "$spec"
echo "installed deepfake-live into .venv (extras: ${extras:-none})"

#!/usr/bin/env bash
# Install media-screen and its models' runtimes into a virtual environment outside the clone
# (reused when present), so that CI and a fresh machine run the same steps.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${MEDIA_SCREEN_VENV:-$HOME/.venvs/media-screen}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PIP=("$VENV/bin/pip" install --quiet --disable-pip-version-check)
# torch and torchvision as a matching pair (PyPI's torchvision does not load beside other torch builds).
"${PIP[@]}" "torch==2.14.1" "torchvision==0.29.1"
"${PIP[@]}" -e ".[dev,train,cluster]"  # cluster: Ray, so the tests of `scan --ray` run with a local Ray
# nudenet asks for opencv-python-headless, the others for opencv-python: both write the same cv2
# package. Keep exactly one distribution (opencv-python) and restore its files.
if "$VENV/bin/pip" show --quiet opencv-python-headless 2>/dev/null; then
    "$VENV/bin/pip" uninstall --quiet --yes opencv-python-headless
    version=$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('opencv-python'))")
    "${PIP[@]}" --force-reinstall --no-deps "opencv-python==$version"
fi
echo "media-screen installed in $VENV" >&2

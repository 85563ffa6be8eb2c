#!/usr/bin/env bash
# Set up everything ds-pipeline needs on a Debian machine: system libraries, fonts, and the Python virtual
# environment from the lock file. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-.venv}"

# Debian packages: Pango/HarfBuzz for WeasyPrint (PDF briefs), DejaVu fonts, Noto Naskh Arabic (the Arabic area
# updates; SIL Open Font License), PostgreSQL (server for the
# warehouse tests, started on loopback by scripts/test-postgres.sh), Redis (the Celery broker of the scale-out tests,
# started on loopback by scripts/test-redis.sh), poppler-utils (PDF page previews), Chromium
# (the HTML brief is opened in a real headless browser by the tests).
DEB_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core postgresql redis-server poppler-utils chromium"
missing=""
for pkg in $DEB_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtual environment $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
if ! cmp -s requirements.lock "$VENV/.requirements.lock" 2>/dev/null; then
  echo "setup: installing Python packages from requirements.lock"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock
  cp requirements.lock "$VENV/.requirements.lock"
fi
if ! cmp -s pyproject.toml "$VENV/.pyproject.toml" 2>/dev/null || [ ! -x "$VENV/bin/ds-pipeline" ]; then
  echo "setup: installing ds-pipeline (editable)"
  log="$(mktemp)"
  if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e . >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  cp pyproject.toml "$VENV/.pyproject.toml"
fi
echo "setup: ready ($VENV)"

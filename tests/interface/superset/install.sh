#!/usr/bin/env bash
# Install Apache Superset (pinned) into .venv-superset for tests/interface/test_superset.py and
# prepare its metadata (SQLite) with an admin user. Idempotent: reinstalls when the pins change.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${LOUPE_SUPERSET_HOME:-$root/.venv-superset}"
stamp="$venv/.installed"
if [ -f "$stamp" ] && cmp -s "$stamp" <(cat "$here/requirements.txt" "$here/constraints.txt"); then
    exit 0
fi
started=$(date +%s)
rm -rf "$venv"
python3 -m venv "$venv"
log="$venv/install.log"
trap 'echo "Superset install failed; the end of $log:" >&2; tail -n 30 "$log" >&2' ERR
step() { "$@" >>"$log" 2>&1; }
step "$venv/bin/python" -m pip install --quiet --upgrade pip
step "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" -c "$here/constraints.txt"
python3 -c 'import secrets; print(secrets.token_urlsafe(42))' > "$venv/secret_key"
chmod 600 "$venv/secret_key"
export SUPERSET_CONFIG_PATH="$here/superset_config.py" LOUPE_SUPERSET_HOME="$venv"
export FLASK_APP=superset
step "$venv/bin/superset" db upgrade
step "$venv/bin/superset" fab create-admin --username admin --firstname Loupe --lastname Test \
    --email admin@example.com --password admin
step "$venv/bin/superset" init
cat "$here/requirements.txt" "$here/constraints.txt" > "$stamp"
echo "Superset installed in $venv in $(( $(date +%s) - started )) s"

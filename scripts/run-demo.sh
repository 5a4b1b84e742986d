#!/usr/bin/env bash
# Set up everything and open Discharge Hub on the embedded SQLite database, loading
# demo data (synthetic patients) the first time.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
if .venv/bin/python - <<'PY'
import sys
from sqlalchemy import func, select
from discharge_hub.db import Database
from discharge_hub.models import Patient
db = Database.open()
with db.read() as s:
    sys.exit(0 if s.scalar(select(func.count(Patient.id))) == 0 else 1)
PY
then
  echo "Loading demo data into the embedded database…"
  .venv/bin/discharge-hub demo
fi
exec .venv/bin/discharge-hub "$@"

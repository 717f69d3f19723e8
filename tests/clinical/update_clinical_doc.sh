#!/bin/sh
# Regenerates the parameter table of docs/clinical.md from models/ms/patient.ldn:
#   tests/clinical/update_clinical_doc.sh [path/to/ldnsim]
# (default: ./build/ldnsim). The Docs.ClinicalParameterTableIsCurrent test fails until this
# is run after the model file changes (e.g. after `ldnsim calibrate trials/calibration/...`).
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/ldnsim}
doc=$here/docs/clinical.md
tmp=$doc.tmp.$$
"$bin" params "$here/models/ms/patient.ldn" --markdown > "$tmp.table"
awk -v begin="<!-- params patient begin -->" -v end="<!-- params patient end -->" -v table="$tmp.table" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }' "$doc" > "$tmp"
rm -f "$tmp.table"
mv "$tmp" "$doc"
echo "updated $doc"

#!/bin/sh
# Regenerates the parameter table of docs/clinical.md from models/ms/patient.ldn:
#   tests/clinical/update_clinical_doc.sh [path/to/ldnsim [DOC MODEL MARKER]]
# (default: ./build/ldnsim; clinical.md, ms/patient.ldn, patient: the table between
# "<!-- params MARKER begin -->" and "<!-- params MARKER end -->" of docs/DOC from
# models/MODEL). The Docs.ClinicalParameterTableIsCurrent test fails until this is run after
# the model file changes (e.g. after `ldnsim calibrate trials/calibration/...`).
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/ldnsim}
doc=$here/docs/${2:-clinical.md}
model=$here/models/${3:-ms/patient.ldn}
marker=${4:-patient}
tmp=$doc.tmp.$$
"$bin" params "$model" --markdown > "$tmp.table"
awk -v begin="<!-- params $marker begin -->" -v end="<!-- params $marker end -->" -v table="$tmp.table" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }' "$doc" > "$tmp"
rm -f "$tmp.table"
mv "$tmp" "$doc"
echo "updated $doc"

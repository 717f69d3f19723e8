#!/bin/sh
# Regenerates the parameter tables of docs/fibromyalgia.md and docs/crohns.md from their
# model files:
#   tests/indications/update_indication_docs.sh [path/to/ldnsim]
# (default: ./build/ldnsim). The Docs.IndicationParameterTablesAreCurrent test fails until
# this is run after a model file changes.
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/ldnsim}
update() {  # doc model marker
  doc=$here/docs/$1
  tmp=$doc.tmp.$$
  "$bin" params "$here/models/$2" --markdown > "$tmp.table"
  awk -v begin="<!-- params $3 begin -->" -v end="<!-- params $3 end -->" -v table="$tmp.table" '
    $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$doc" > "$tmp"
  rm -f "$tmp.table"
  mv "$tmp" "$doc"
  echo "updated $doc"
}
update fibromyalgia.md fm/patient.ldn fm
update crohns.md cd/patient.ldn cd

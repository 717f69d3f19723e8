#!/bin/sh
# Regenerates the parameter tables of docs/model.md from the model files:
#   tests/science/update_model_doc.sh [path/to/ldnsim]
# (default: ./build/ldnsim). The Docs.ParameterTablesAreCurrent test fails until this is run
# after a model file changes.
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/ldnsim}
doc=$here/docs/model.md
tmp=$doc.tmp.$$
cp "$doc" "$tmp"
for m in human mouse; do
  "$bin" params "$here/models/ldn/$m.ldn" --markdown > "$tmp.table"
  awk -v begin="<!-- params $m begin -->" -v end="<!-- params $m end -->" -v table="$tmp.table" '
    $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$tmp" > "$tmp.new"
  mv "$tmp.new" "$tmp"
  rm -f "$tmp.table"
done
mv "$tmp" "$doc"
echo "updated $doc"

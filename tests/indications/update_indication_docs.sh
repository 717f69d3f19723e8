#!/bin/sh
# Regenerates the parameter tables of docs/fibromyalgia.md and docs/crohns.md from their
# model files:
#   tests/indications/update_indication_docs.sh [path/to/ldnsim]
# (default: ./build/ldnsim). The Docs.IndicationParameterTablesAreCurrent test fails until
# this is run after a model file changes.
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/ldnsim}
"$here/tests/clinical/update_clinical_doc.sh" "$bin" fibromyalgia.md fm/patient.ldn fm
"$here/tests/clinical/update_clinical_doc.sh" "$bin" crohns.md cd/patient.ldn cd

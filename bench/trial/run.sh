#!/bin/sh
# Times `ldnsim trial` on a Cree-2010-sized crossover (80 subjects, 17 weeks, five
# endpoints) with the 15-state benchmark model: 1000 replicates on 2 threads.
# Usage: bench/trial/run.sh path/to/ldnsim [replicates] [threads]
set -eu
ldnsim=${1:?usage: run.sh path/to/ldnsim [replicates] [threads]}
reps=${2:-1000}
threads=${3:-2}
dir=$(dirname "$0")
"$ldnsim" trial "$dir/cree2010.toml" --check -q > /dev/null   # compile the model once
start=$(date +%s.%N)
"$ldnsim" trial "$dir/cree2010.toml" --replicates "$reps" --threads "$threads" --quiet --stats
end=$(date +%s.%N)
echo "wall time: $(echo "$end - $start" | bc) s for $reps replicates on $threads threads"

#!/bin/bash
# Runs an sbatch script's command on this machine with mpirun instead of srun, to check it
# before submitting: scripts/slurm/local-test.sh [RANKS] [THREADS] (default 2 x 1), with a
# small workload (SPEC, N, REPLICATES, DRAWS from the environment).
set -euo pipefail
ranks=${1:-2}
threads=${2:-1}
here=$(cd "$(dirname "$0")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun -np "$ranks" --oversubscribe "${LDNSIM:-$here/build/ldnsim}" power "${SPEC:-$here/trials/designs/fatigue-24w.toml}" \
  --n "${N:-40:80:40}" --replicates "${REPLICATES:-20}" --draws "${DRAWS:-4}" --draw-replicates 2 \
  --threads "$threads" --json -q

#!/usr/bin/env bash
# Scaling over MPI ranks (issue 10, section 2), measured on this machine:
#  - `trial SPEC --replicates R` and `power SPEC --n ...` on 1, 2 and 3 ranks of 1 thread,
#    beside the single process on 1 and 2 threads;
#  - efficiency at 2 ranks = time(single process, 2 threads) / time(2 ranks x 1 thread)
#    (goal >= 0.9), and speed-up over one thread;
#  - identity: every run's output file compared byte for byte with the single process's;
#  - the serial part of an MPI run (start-up, model compilation, the ordered output), from
#    a run with almost no jobs, for the scaling model in docs/scale.md.
# Usage: bench/mpi_scaling.sh [path/to/ldnsim]  (REPLICATES=2000 TRIAL=trials/cree2010.toml
# POWER_ARGS="..." RUNS=1). The machine is shared: run it when the load is low.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/ldnsim}
replicates=${REPLICATES:-2000}
trial=${TRIAL:-$here/trials/cree2010.toml}
power_spec=${POWER_SPEC:-$here/trials/designs/fatigue-24w.toml}
power_args=${POWER_ARGS:---n 40:120:40 --replicates 200 --draws 0}
runs=${RUNS:-1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_plm_rsh_agent=false
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# "WALL CPU": seconds of the best of $runs runs of "$@" (CPU: user + system of the process
# and its children, the ranks included; on a loaded machine CPU seconds say more about the
# work than wall seconds)
best() {
  local b="" bc="" t
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S" -o "$w/time" "$@" > "$w/stdout" 2> "$w/stderr" || { echo "failed: $*" >&2; cat "$w/stderr" >&2; exit 1; }
    read -r t u s < "$w/time"
    if [[ -z $b ]] || (( $(echo "$t < $b" | bc) )); then b=$t; bc=$(echo "$u + $s" | bc); fi
  done
  echo "$b $bc"
}

# stdout without the run's timing and thread count (JSON "seconds", "threads")
norm() { sed -E 's/"seconds": [0-9.e+-]+/"seconds": 0/; s/"threads": [0-9]+/"threads": 0/'; }

bench() {
  local label=$1
  shift
  # "$@": the command's arguments; OUT is replaced by the output file.
  local args=("$@")
  local ref=("${args[@]//OUT/$w/ref.out}")
  echo "== $label ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  local t1 c1 t2 c2 t c
  read -r t1 c1 < <(best "$bin" "${ref[@]}" --threads 1)
  read -r t2 c2 < <(best "$bin" "${ref[@]}" --threads 2)
  norm < "$w/stdout" > "$w/ref.stdout"
  printf '%-24s %8.2f s wall %8.2f s CPU\n' "1 process, 1 thread" "$t1" "$c1"
  printf '%-24s %8.2f s wall %8.2f s CPU   speed-up %.2f\n' "1 process, 2 threads" "$t2" "$c2" "$(echo "$t1 / $t2" | bc -l)"
  for np in 1 2 3; do
    local run=("${args[@]//OUT/$w/mpi.out}")
    read -r t c < <(best mpirun -np "$np" --oversubscribe "$bin" "${run[@]}" --threads 1)
    local same=identical
    if [[ -e $w/ref.out ]]; then cmp -s "$w/ref.out" "$w/mpi.out" || same=DIFFERENT; fi
    norm < "$w/stdout" | cmp -s - "$w/ref.stdout" || same=DIFFERENT
    # On a loaded machine the wall-time efficiency is noise; the CPU ratio to the 2-thread
    # run (work plus overhead, the ranks' set-up and mpirun included) is steadier.
    printf '%-24s %8.2f s wall %8.2f s CPU   speed-up %.2f, efficiency vs 2 threads %.2f (by CPU %.2f), CPU vs 1 thread %.2f, output %s\n' \
      "$np rank(s) x 1 thread" "$t" "$c" "$(echo "$t1 / $t" | bc -l)" "$(echo "$t2 / $t" | bc -l)" "$(echo "$c2 / $c" | bc -l)" "$(echo "$c / $c1" | bc -l)" "$same"
  done
}

bench "trial $(basename "$trial") --replicates $replicates" trial "$trial" --replicates "$replicates" --out OUT -q
# shellcheck disable=SC2206
pa=($power_args)
bench "power $(basename "$power_spec") $power_args" power "$power_spec" "${pa[@]}" --json -q

# The serial part: a run with a single job, on 1 and 2 ranks (start-up, model loading and
# compilation, MPI set-up and shut-down, the ordered output of one job).
read -r s1 sc1 < <(best "$bin" trial "$trial" --replicates 1 --threads 1 -q)
read -r s2 sc2 < <(best mpirun -np 2 --oversubscribe "$bin" trial "$trial" --replicates 1 --threads 1 -q)
printf '== serial part: one replicate on 1 process %.2f s wall (%.2f s CPU), on 2 ranks under mpirun %.2f s wall (%.2f s CPU)\n' \
  "$s1" "$sc1" "$s2" "$sc2"

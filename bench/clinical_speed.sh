#!/bin/sh
# Speed of the clinical half (issue 4, item 6), measured on this machine (2 cores):
#   ldnsim trial trials/cree2010.toml --replicates 1000   target: under 60 s on 2 threads
#   ldnsim reproduce (default replicates)                 target: under 2 minutes
# Usage: bench/clinical_speed.sh [path/to/ldnsim]   (default: ./build/ldnsim)
# Wall-clock seconds (best of RUNS, default 1) are printed with the CPU seconds; the
# machine is shared, so a loaded run is slower than the code.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/ldnsim}
runs=${RUNS:-1}
cd "$here"
measure() {
  label=$1 limit=$2
  shift 2
  best=""
  i=0
  while [ $i -lt "$runs" ]; do
    t0=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o /tmp/ldnsim-bench-cpu.$$ "$@" > /dev/null 2> /tmp/ldnsim-bench-err.$$ ||
      { cat /tmp/ldnsim-bench-err.$$; exit 1; }
    t1=$(date +%s.%N)
    wall=$(echo "$t1 - $t0" | bc)
    cpu=$(awk '{print $1 + $2}' /tmp/ldnsim-bench-cpu.$$)
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc)" = 1 ]; then best=$wall; bestcpu=$cpu; fi
    i=$((i + 1))
  done
  verdict=$(echo "$best < $limit" | bc)
  [ "$verdict" = 1 ] && v="under" || v="OVER"
  printf '%-58s %7.1f s wall %7.1f s CPU  (%s the %s s target)\n' "$label" "$best" "$bestcpu" "$v" "$limit"
  rm -f /tmp/ldnsim-bench-cpu.$$ /tmp/ldnsim-bench-err.$$
}
echo "ldnsim clinical speed ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
measure "trial trials/cree2010.toml --replicates 1000 --threads 2" 60 \
  "$bin" trial trials/cree2010.toml --replicates 1000 --threads 2 -q
measure "trial trials/cree2010.toml --replicates 1000 --threads 2 --solver dopri5" 60 \
  "$bin" trial trials/cree2010.toml --replicates 1000 --threads 2 --solver dopri5 -q
measure "reproduce --threads 2 (default replicates)" 120 \
  "$bin" reproduce --threads 2 -q --no-report

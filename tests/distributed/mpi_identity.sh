#!/usr/bin/env bash
# ldnsim under `mpirun -np 1, 2 and 3 --oversubscribe`: the same bytes as one process
# (simulate, trial, power, dose --uncertainty, sensitivity), a failing job named with its
# rank and unit, a rank that cannot load the model, a killed rank: non-zero exit and no
# output file. Usage: mpi_identity.sh LDNSIM SOURCE_DIR [CASE] (CASE: one of the cases
# below, or "failures"; none: all).
set -u
LDNSIM=$1
SRC=$2
ONLY=${3:-}
DATA=$SRC/tests/trial/data
# CI runs as root; mpirun refuses root without these.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# No network here: shared memory and loopback only.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_plm_rsh_agent=false
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$DATA"/linear.ldn "$DATA"/population.toml "$DATA"/crossover.toml "$DATA"/parallel.toml "$W"/
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
mpi() { local np=$1; shift; timeout 120 mpirun -np "$np" --oversubscribe "$LDNSIM" "$@"; }

# A data set file, streamed subject by subject, with uneven subjects (5 to 45 doses).
{
  echo "ID,TIME,AMT,EVID,CMT"
  for id in $(seq 1 23); do
    n=$(( (id * 7) % 41 + 5 ))
    for k in $(seq 0 $((n - 1))); do echo "$id,$((k * 24)),4.5,1,1"; done
  done
} > "$W/data.csv"

# Each case: a name and the command's arguments; OUT in them is the output file.
cases=(
  "simulate-data|simulate $SRC/models/ldn/human.ldn --engine interpreter --data $W/data.csv --grid 0:240:6 --out OUT -q"
  "simulate-regimen|simulate $SRC/models/ldn/human.ldn --engine interpreter --dose 4.5mg --every 24h --days 10 --out OUT -q"
  "trial|trial $W/crossover.toml --replicates 12 --seed 5 --engine interpreter --out OUT -q"
  "trial-json|trial $W/parallel.toml --replicates 9 --seed 2 --engine interpreter --json -q"
  "power|power $SRC/trials/designs/fatigue-24w.toml --n 40 --replicates 10 --draws 2 --draw-replicates 2 --json -q"
  "dose-uncertainty|dose 4.5mg --uncertainty 16 --json -q"
  "sensitivity|sensitivity --trajectories 4 --json -q"
)
for c in "${cases[@]}"; do
  name=${c%%|*}
  args=${c#*|}
  [[ -n $ONLY && $ONLY != "$name" ]] && continue
  ref_args=${args//OUT/$W/$name.ref.csv}
  # shellcheck disable=SC2086
  "$LDNSIM" $ref_args --threads 2 > "$W/$name.ref.stdout" 2> "$W/$name.ref.stderr" || { bad "$name: single process failed: $(cat "$W/$name.ref.stderr")"; continue; }
  for np in 1 2 3; do
    threads_list="2"
    [[ $np == 2 ]] && threads_list="1 2"
    for threads in $threads_list; do
      out=$W/$name.$np.$threads.csv
      run_args=${args//OUT/$out}
      # shellcheck disable=SC2086
      if ! mpi "$np" $run_args --threads "$threads" > "$W/run.stdout" 2> "$W/run.stderr"; then
        bad "$name -np $np --threads $threads: $(tail -3 "$W/run.stderr")"
        continue
      fi
      # JSON carries the run's seconds and thread count: compare the rest.
      if [[ $args == *--json* ]]; then
        if ! cmp -s <(sed -E 's/"seconds": [0-9.e+-]+/"seconds": 0/; s/"threads": [0-9]+/"threads": 0/' "$W/$name.ref.stdout") \
                    <(sed -E 's/"seconds": [0-9.e+-]+/"seconds": 0/; s/"threads": [0-9]+/"threads": 0/' "$W/run.stdout"); then
          bad "$name -np $np --threads $threads: JSON differs"; diff "$W/$name.ref.stdout" "$W/run.stdout" | head -5
        else ok; fi
      else
        if cmp -s "$W/$name.ref.stdout" "$W/run.stdout"; then ok; else bad "$name -np $np --threads $threads: stdout differs"; fi
      fi
      if [[ $args == *OUT* ]]; then
        if cmp -s "$W/$name.ref.csv" "$out"; then ok; else bad "$name -np $np --threads $threads: CSV differs"; fi
      fi
    done
  done
  if [[ -n $(ls -A "$W" | grep '\.tmp\.' || true) ]]; then bad "$name: a temporary file was left"; fi
done

if [[ -n $ONLY && $ONLY != failures ]]; then
  echo "mpi: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit
fi

# More ranks than jobs: still the same bytes.
"$LDNSIM" trial "$W/crossover.toml" --replicates 2 --seed 5 --engine interpreter --out "$W/two.ref.csv" -q > /dev/null 2>&1
if mpi 3 trial "$W/crossover.toml" --replicates 2 --seed 5 --engine interpreter --out "$W/two.csv" -q > /dev/null 2> "$W/two.err" &&
   cmp -s "$W/two.ref.csv" "$W/two.csv"; then ok; else bad "3 ranks for 2 replicates: $(cat "$W/two.err")"; fi

# Bad input found late: subject 15 of a streamed data set has an amount that is not a
# number. The error is the single process's, named with rank and subject index; exit 2;
# no output file.
awk -F, 'NR > 1 && $1 == 15 && !done { $3 = "4.5x"; done = 1 } { OFS = ","; print }' "$W/data.csv" > "$W/late.csv"
"$LDNSIM" simulate $SRC/models/ldn/human.ldn --engine interpreter --data "$W/late.csv" --grid 0:240:6 --out "$W/fail.ref.csv" -q --threads 1 > /dev/null 2> "$W/fail.ref.err"
ref_status=$?
for np in 2 3; do
  mpi "$np" simulate $SRC/models/ldn/human.ldn --engine interpreter --data "$W/late.csv" --grid 0:240:6 --out "$W/fail.csv" -q --threads 1 > /dev/null 2> "$W/fail.err"
  status=$?
  if [[ $ref_status -eq 2 && $status -eq $ref_status && ! -e $W/fail.csv ]] && grep -q "ldnsim: error: rank [0-9]*, subject index [0-9]*: .*late.csv:[0-9]*: column AMT" "$W/fail.err" &&
     [[ "$(grep 'ldnsim: error' "$W/fail.err" | sed -E 's/rank [0-9]+, subject index [0-9]+: //')" == "$(grep 'ldnsim: error' "$W/fail.ref.err")" ]]; then ok
  else bad "bad subject at -np $np: status $status (one process: $ref_status), $(head -3 "$W/fail.err")"; fi
done

# A rank that cannot load the model (rank 1 sees another model path).
cat > "$W/wrapper.sh" <<EOF
#!/usr/bin/env bash
if [[ \$OMPI_COMM_WORLD_RANK == 1 ]]; then
  args=(); for a in "\$@"; do args+=("\${a//crossover.toml/missing.toml}"); done; set -- "\${args[@]}"
fi
exec "$LDNSIM" "\$@"
EOF
chmod +x "$W/wrapper.sh"
timeout 120 mpirun -np 2 --oversubscribe "$W/wrapper.sh" trial "$W/crossover.toml" --replicates 12 --engine interpreter --out "$W/load.csv" -q > /dev/null 2> "$W/load.err"
status=$?
if [[ $status -eq 2 && ! -e $W/load.csv ]] && grep -q "ldnsim: error: rank 1: .*missing.toml" "$W/load.err"; then ok
else bad "rank that cannot load its input: status $status, $(cat "$W/load.err" | head -5)"; fi

# A rank killed mid-run: non-zero exit, no output file.
cat > "$W/killer.sh" <<EOF
#!/usr/bin/env bash
if [[ \$OMPI_COMM_WORLD_RANK == 1 ]]; then ( sleep 0.5; kill -9 \$\$ ) & fi
exec "$LDNSIM" "\$@"
EOF
chmod +x "$W/killer.sh"
timeout 120 mpirun -np 2 --oversubscribe "$W/killer.sh" trial "$W/crossover.toml" --replicates 100000 --engine interpreter --out "$W/killed.csv" -q --threads 1 > /dev/null 2> "$W/killed.err"
status=$?
if [[ $status -ne 0 && ! -e $W/killed.csv ]]; then ok; else bad "killed rank: status $status, output $(ls "$W" | grep killed)"; fi

echo "mpi: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

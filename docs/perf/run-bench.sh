#!/bin/bash
# AlbertCli bench beside OrtBench (../shared/bench), interleaved rounds on one checkpoint, logits at every position.
# Environment: A = AlbertCli published with the checkpoint, B = OrtBench, C = checkpoint folder, G = its ONNX graph
# (make_onnx.py), P = peak_flops (gcc -O3 -march=native -fopenmp peak_flops.c), OUT = where the JSON goes.
# Optional: A_BF16, A_INT8 = AlbertCli published from the same checkpoint with -p:AlbertPrecision=BFloat16 / Int8
# (docs/precision.md); they run in the same rounds. Q = phase_probe (gcc -O3 -mavx2 -mfma phase_probe.c): what a core
# can do at that moment (register peak, the AVX2 kernel on L1 data, a 28 MB read), before and after each block.
# Everything printed also goes to $OUT/run.log.
# Then: python3 docs/perf/chart.py $OUT docs/perf/latency-albert-base.svg and python3 docs/perf/table.py $OUT
set -e
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT" && cd "$OUT"
exec > >(tee run.log) 2>&1
source "$here/quiet.sh"
echo "== $(date -u +%FT%TZ) $(uptime)"
for round in 1 2 3; do
  for th in 1 2; do
    quiet
    "$P" $th
    if [ -n "$Q" ]; then "$Q" 3; fi
    "$A" bench --seq 8,16,128,512 --threads $th --runs 20 --warmup 3 --json a$th-r$round.json | grep -v "^note"
    if [ -n "$A_BF16" ]; then "$A_BF16" bench --seq 8,16,128,512 --threads $th --runs 20 --warmup 3 --json b$th-r$round.json | grep -v "^note"; fi
    if [ -n "$A_INT8" ]; then "$A_INT8" bench --seq 8,16,128,512 --threads $th --runs 20 --warmup 3 --json i$th-r$round.json | grep -v "^note"; fi
    "$B" bench --model "$G" --checkpoint "$C" --threads $th --seq 8,16,128,512 --runs 20 --warmup 3 --json o$th-r$round.json
    if [ -n "$Q" ]; then "$Q" 3; fi
  done
done
echo "== $(date -u +%FT%TZ) $(uptime)"

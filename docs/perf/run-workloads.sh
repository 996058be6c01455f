#!/bin/bash
# Issue 4's fill-mask and batched workloads beside OrtBench, interleaved rounds, same environment as run-bench.sh
# (A, optional A_BF16 / A_INT8, B, C, G, OUT). Fill-mask: AlbertCli's MLM head at the masked position of a 10-token
# sentence against ORT's full-logits forward at 10 tokens; batched: 32 sentences of 10-40 tokens in one batch with the
# padding skipped (AlbertInputs.SkipPadding: 824 packed token rows) against ORT's one padded batch of 32 x 40.
set -e
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT" && cd "$OUT"
source "$here/quiet.sh"
for round in 1 2 3; do
  for th in 1 2; do
    quiet
    for engine in a:"$A" b:"$A_BF16" i:"$A_INT8"; do
      tag=${engine%%:*} bin=${engine#*:}
      [ -n "$bin" ] || continue
      "$bin" bench --workload fill-mask --threads $th --runs 40 --warmup 5 --json ${tag}fm$th-r$round.json | grep -v "^note"
      "$bin" bench --workload batched --threads $th --runs 10 --warmup 2 --json ${tag}bt$th-r$round.json | grep -v "^note"
    done
    "$B" bench --model "$G" --checkpoint "$C" --threads $th --seq 10 --runs 40 --warmup 5 --json ofm$th-r$round.json
    "$B" bench --model "$G" --checkpoint "$C" --threads $th --batch 32 --seq 40 --runs 10 --warmup 2 --json obt$th-r$round.json
  done
done

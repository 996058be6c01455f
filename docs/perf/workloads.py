import statistics as st, sys
from runs import rows
# Usage: workloads.py RESULTS_DIR... — medians over every round of run-workloads.sh's JSON (several folders pool their
# rounds), with the ratios issue 4 states: fill-mask latency / ORT's full-logits latency at 10 tokens, and batched
# throughput (32 sentences per run) / ORT's.
def median(pattern):
    values = [r['MedianMs'] for d in sys.argv[1:] for r in rows(d, pattern)]
    return (st.median(values), len(values)) if values else (None, 0)
for th in (1, 2):
    ort_fm, n_fm = median(f'ofm{th}')
    ort_bt, n_bt = median(f'obt{th}')
    print(f'{th} thread(s): ORT full logits at 10 tokens {ort_fm:.2f} ms, padded batch of 32 x 40 {ort_bt:.0f} ms '
          f'({32000 / ort_bt:.1f} sentences/s) [{n_fm} rounds]')
    for tag, name in (('a', 'AlbertAot FP32'), ('b', 'AlbertAot BF16'), ('i', 'AlbertAot INT8')):
        fm, _ = median(f'{tag}fm{th}')
        bt, _ = median(f'{tag}bt{th}')
        if fm is None: continue
        print(f'  {name}: fill-mask {fm:.2f} ms = {fm / ort_fm:.2f}x ORT; batched {bt:.0f} ms = {32000 / bt:.1f} sentences/s = '
              f'{ort_bt / bt:.2f}x ORT throughput')

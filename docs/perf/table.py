import re, statistics as st, sys
from runs import by_length
# Usage: table.py RESULTS_DIR — the README's table rows from run-bench.sh's JSON and run.log: medians over the rounds,
# ratios to ORT, % of the run's median peak (peak_flops), the fastest runs, and phase_probe's summary when it ran.
DIR = sys.argv[1]
FLOPS = {8: 1.43, 16: 2.86, 128: 23.4, 512: 100.8}  # GFLOP per forward, albert-base shape
log = open(f'{DIR}/run.log').read()
peaks = {th: [float(x) for x in re.findall(rf'threads {th}: ([\d.]+) GFLOP', log)] for th in (1, 2)}
peak = {th: st.median(v) for th, v in peaks.items()}
print('peak_flops', peaks, 'medians', peak)
probe = [(float(a), float(b), float(c)) for a, b, c in
         re.findall(r'probe: peak ([\d.]+) GFLOP/s, L1 tile [\d.]+ GFLOP/s \(([\d.]+) % of peak\), stream 28 MB ([\d.]+) GB/s', log)]
if probe:
    tile, stream = sorted(p[1] for p in probe), sorted(p[2] for p in probe)
    print(f'phase_probe ({len(probe)} rounds): L1 tile {tile[0]:.0f}-{tile[-1]:.0f} % of peak (median {st.median(tile):.0f}), '
          f'stream {stream[0]:.1f}-{stream[-1]:.1f} GB/s (median {st.median(stream):.1f})')

def medians(prefix):  # {length: (median of the rounds' medians, fastest run)}
    return {k: (st.median(r['MedianMs'] for r in v), min(r['MinMs'] for r in v)) for k, v in by_length(DIR, prefix).items()}

def ms(x): return f'{x:.1f} ms' if x < 100 else f'{x:.0f} ms'
for th in (1, 2):
    a, b, i, o = medians(f'a{th}'), medians(f'b{th}'), medians(f'i{th}'), medians(f'o{th}')
    for s in sorted(o):
        cells = [ms(a[s][0]), ms(b[s][0]) if s in b else '-', ms(i[s][0]) if s in i else '-', ms(o[s][0]),
                 f'**{a[s][0] / o[s][0]:.2f}×**', f'**{b[s][0] / o[s][0]:.2f}×**' if s in b else '-',
                 f'**{i[s][0] / o[s][0]:.2f}×**' if s in i else '-',
                 f'{100 * FLOPS[s] / (a[s][0] / 1000) / peak[th]:.0f} %', f'{100 * FLOPS[s] / (o[s][0] / 1000) / peak[th]:.0f} %']
        print(f'| {th} | {s} | ' + ' | '.join(cells) + ' |')
    print(f'fastest, {th} thread(s), FP32 vs ORT:',
          {s: (round(a[s][1], 1), round(o[s][1], 1), round(a[s][1] / o[s][1], 2)) for s in sorted(o)})

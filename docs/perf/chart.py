import statistics as st, math, sys
from runs import by_length
# Usage: chart.py RESULTS_DIR OUT.svg — medians over the rounds of run-bench.sh's JSON, ratios printed, SVG written.
DIR = sys.argv[1]
def load(prefix):
    return {k: st.median(r['MedianMs'] for r in v) for k, v in by_length(DIR, prefix).items()}
series = {}
def threads(th): return f'{th} thread' + ('s' if th > 1 else '')
for th in (1, 2):
    series[f'AlbertAot, {threads(th)}'] = load(f'a{th}')
    series[f'ONNX Runtime, {threads(th)}'] = load(f'o{th}')
# Reduced-precision builds of the same checkpoint, when run-bench.sh ran them (A_BF16, A_INT8).
for prefix, label in (('b', 'AlbertAot BF16'), ('i', 'AlbertAot INT8')):
    for th in (1, 2):
        s = load(f'{prefix}{th}')
        if s: series[f'{label}, {threads(th)}'] = s
flops = {8: 1.43, 16: 2.86, 128: 23.4, 512: 100.8}
for name, s in series.items(): print(name, {k: round(v, 2) for k, v in sorted(s.items())})
for th in (1, 2):
    o = series[f'ONNX Runtime, {threads(th)}']
    for name, a in series.items():
        if name.startswith('AlbertAot') and name.endswith(threads(th)):
            print(f'{name} / ORT', {k: round(a[k] / o[k], 2) for k in sorted(a)})
# SVG: log-log latency vs sequence length
W, H, L, R, T, Bm = 700, 420, 70, 230, 30, 50
xs = [8, 16, 128, 512]; top = max(v for s in series.values() for v in s.values())
ymin, ymax = 2, next(t for t in (2000, 5000, 10000, 10**9) if t >= top)
def X(v): return L + (math.log(v) - math.log(8)) / (math.log(512) - math.log(8)) * (W - L - R)
def Y(v): return T + (math.log(ymax) - math.log(v)) / (math.log(ymax) - math.log(ymin)) * (H - T - Bm)
colors = {}
for th in (1, 2):
    colors.update({f'AlbertAot, {threads(th)}': '#1f77b4', f'ONNX Runtime, {threads(th)}': '#d62728',
                   f'AlbertAot BF16, {threads(th)}': '#2ca02c', f'AlbertAot INT8, {threads(th)}': '#9467bd'})
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="18" font-size="14">albert-base-v1 shape, batch 1, logits at every position: latency (ms, log scale)</text>']
for y in (y for y in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if y <= ymax):
    out.append(f'<line x1="{L}" x2="{W-R}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#ddd"/><text x="{L-8}" y="{Y(y)+4:.1f}" text-anchor="end">{y}</text>')
for x in xs:
    out.append(f'<line x1="{X(x):.1f}" x2="{X(x):.1f}" y1="{T}" y2="{H-Bm}" stroke="#ddd"/><text x="{X(x):.1f}" y="{H-Bm+16}" text-anchor="middle">{x}</text>')
out.append(f'<text x="{(L+W-R)/2}" y="{H-12}" text-anchor="middle">tokens</text>')
for i, (name, s) in enumerate(series.items()):
    pts = ' '.join(f'{X(k):.1f},{Y(v):.1f}' for k, v in sorted(s.items()))
    dash = '' if '1 thread' in name else ' stroke-dasharray="6,4"'
    out.append(f'<polyline points="{pts}" fill="none" stroke="{colors[name]}" stroke-width="2"{dash}/>')
    for k, v in s.items(): out.append(f'<circle cx="{X(k):.1f}" cy="{Y(v):.1f}" r="3" fill="{colors[name]}"/>')
    ly = T + 20 + i * 20
    out.append(f'<line x1="{W-R+15}" x2="{W-R+45}" y1="{ly}" y2="{ly}" stroke="{colors[name]}" stroke-width="2"{dash}/><text x="{W-R+50}" y="{ly+4}">{name}</text>')
out.append('</svg>')
open(sys.argv[2], 'w').write('\n'.join(out))

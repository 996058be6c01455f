# The results of run-bench.sh and run-workloads.sh: one JSON file a round per engine and thread count, as AlbertCli's
# and OrtBench's `bench --json` write it ({"Rows": [...]}, one row per length), named <prefix>-r<round>.json.
import glob, json


def rows(folder, prefix):
    """Every row of every round of {folder}/{prefix}-r*.json, rounds in order."""
    out = []
    for path in sorted(glob.glob(f'{folder}/{prefix}-r*.json')):
        with open(path) as f:
            doc = json.load(f)
        out += doc['Rows'] if isinstance(doc, dict) and 'Rows' in doc else doc.get('rows', doc) if isinstance(doc, dict) else doc
    return out


def by_length(folder, prefix):
    """The rows of every round of {folder}/{prefix}-r*.json, grouped by sequence length."""
    grouped = {}
    for row in rows(folder, prefix):
        grouped.setdefault(row['SeqLen'], []).append(row)
    return grouped

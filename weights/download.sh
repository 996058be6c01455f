#!/usr/bin/env bash
# Downloads an ALBERT checkpoint (config.json, model.safetensors, spiece.model) from the HuggingFace hub into
# weights/<name>/, where [AlbertModel("<name>")] finds it when the project declares no AlbertCheckpoint.
# See weights/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: weights/download.sh [MODEL_ID] [--revision REV]

  MODEL_ID         a HuggingFace model id (default albert/albert-base-v1); the files go to weights/<last part of the id>/
  --revision REV   branch, tag or commit to download (default: $ALBERT_REVISION, else main)

Environment:
  ALBERT_REVISION  the default revision
  HF_ENDPOINT      the hub's address (default https://huggingface.co), e.g. a mirror
EOF
}

model_id="albert/albert-base-v1"
revision="${ALBERT_REVISION:-main}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --revision) [[ $# -ge 2 ]] || { echo "error: --revision needs a value" >&2; exit 2; }; revision="$2"; shift 2 ;;
    --revision=*) revision="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "error: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) model_id="$1"; shift ;;
  esac
done

endpoint="${HF_ENDPOINT:-https://huggingface.co}"
name="${model_id##*/}"
weights_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
destination="$weights_dir/$name"

# The tokenizer is what a wrong download would silently break (ids would still look plausible), so pin it where known.
case "$model_id" in
  albert/albert-base-v1|albert-base-v1) expected_spiece_sha256="fefb02b667a6c5c2fe27602d28e5fb3428f66ab89c7d6f388e7c8d44a02d0336" ;;
  *) expected_spiece_sha256="" ;;
esac

if command -v sha256sum >/dev/null; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  echo "error: neither sha256sum nor shasum is installed" >&2; exit 1
fi

if command -v curl >/dev/null; then
  fetch() { curl --fail --location --silent --show-error --retry 5 --retry-delay 3 --retry-connrefused --output "$2" "$1"; }
elif command -v wget >/dev/null; then
  fetch() { wget --quiet --tries=5 --waitretry=3 --retry-connrefused --output-document="$2" "$1"; }
else
  echo "error: neither curl nor wget is installed" >&2; exit 1
fi

mkdir -p "$destination"
staging="$(mktemp -d "$destination/.download.XXXXXX")"
# On failure, leave no staging files and no empty folder behind.
trap 'rm -rf "$staging"; rmdir "$destination" 2>/dev/null || true' EXIT

# A revision such as refs/pr/1 is one path segment in the URL.
encoded_revision="${revision//\//%2F}"
echo "Downloading $model_id at revision $revision into $destination"
for file in config.json model.safetensors spiece.model; do
  url="$endpoint/$model_id/resolve/$encoded_revision/$file"
  echo "  $url"
  if ! fetch "$url" "$staging/$file"; then
    echo "error: could not download $url" >&2
    exit 1
  fi
done

actual_spiece_sha256="$(sha256 "$staging/spiece.model")"
if [[ -n "$expected_spiece_sha256" && "$actual_spiece_sha256" != "$expected_spiece_sha256" ]]; then
  echo "error: spiece.model of $model_id@$revision has sha256 $actual_spiece_sha256," >&2
  echo "       expected $expected_spiece_sha256. Nothing was installed into $destination." >&2
  exit 1
fi

# Only a complete, checked download replaces what was there.
for file in config.json model.safetensors spiece.model; do
  mv -f "$staging/$file" "$destination/$file"
done

echo "Installed:"
for file in config.json model.safetensors spiece.model; do
  printf '  %s  %12d bytes  %s\n' "$(sha256 "$destination/$file")" "$(wc -c <"$destination/$file")" "$destination/$file"
done
if [[ -n "$expected_spiece_sha256" ]]; then
  echo "spiece.model matches the pinned sha256."
fi

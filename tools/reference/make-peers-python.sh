#!/usr/bin/env bash
# Makes the Python environment of bench/peers.ts' peers, once: .cache/peers-python (or $1).
#   - Hugging Face tokenizers, onnxruntime, onnx and numpy: the onnxruntime peers and the mapping
#     of the stand-in's ONNX weights onto PyTorch. Without them the bench cannot run: this fails.
#   - PyTorch (the CPU-only wheel where an index has one: PyPI's plain Linux wheel pulls gigabytes
#     of CUDA packages), transformers and sentence-transformers: the PyTorch peers. Where they
#     will not install, the reason is left in pytorch-unavailable.txt and the bench skips them.
#   - FlagEmbedding, where it installs: the reason it did not is left in flagembedding-unavailable.txt.
# Apart from .cache/reference-python (CI's differential test), which stays small: this one is
# over a gigabyte and takes minutes. CI does not run benches and does not make it.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-.cache/peers-python}
if [ -f "$venv/complete" ]; then
  exit 0
fi

# No retries: an index that cannot be reached is skipped at once for the ones that can.
pip_options=(--disable-pip-version-check --retries 0 --timeout 10)
pip_install() {
  local status=0
  "$venv/bin/pip" install -q "${pip_options[@]}" "$@" > "$venv/pip.log" 2>&1 || status=$?
  # pip warns for every package name the local indexes lack a folder for: noise, not news.
  grep -v '^WARNING: Location' "$venv/pip.log" || true
  return "$status"
}

# pip's first error line, the reason a peer is skipped.
why() {
  printf '%s\n' "$1" | awk 'sub(/^ERROR: /, "") { print; found = 1; exit } END { if (!found) print "pip failed" }'
}

rm -rf "$venv"
/usr/bin/python3 -m venv "$venv" || {
  echo "make-peers-python: /usr/bin/python3 cannot make a virtual environment (apt-get install python3-venv)" >&2
  exit 1
}
echo "make-peers-python: tokenizers, onnxruntime, onnx, numpy into $venv"
pip_install tokenizers onnxruntime onnx numpy

# `pip index versions` lists newest first; a local version "+cpu" is PyTorch's CPU-only build.
torch=$("$venv/bin/pip" index versions "${pip_options[@]}" torch 2>/dev/null | sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ' | grep -m1 '+cpu$' || true)
echo "make-peers-python: torch${torch:+==$torch}, transformers, sentence-transformers (minutes)"
if ! log=$(pip_install "torch${torch:+==$torch}" transformers sentence-transformers); then
  printf 'pip cannot install PyTorch from the package indexes it reaches here (%s)\n' "$(why "$log")" > "$venv/pytorch-unavailable.txt"
  cat "$venv/pytorch-unavailable.txt" >&2
fi

if [ ! -f "$venv/pytorch-unavailable.txt" ] && ! log=$(pip_install FlagEmbedding); then
  printf 'pip cannot install FlagEmbedding from the package indexes it reaches here (%s)\n' "$(why "$log")" > "$venv/flagembedding-unavailable.txt"
  cat "$venv/flagembedding-unavailable.txt" >&2
fi
touch "$venv/complete"

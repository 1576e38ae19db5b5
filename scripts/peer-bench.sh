#!/usr/bin/env bash
# Ours against Hugging Face transformers + PEFT on this CPU (issue 29): builds the peer's venv from the machine's
# local wheel sources when it is missing (pip's configured indexes; nothing is downloaded from the internet), then
# runs scripts/peer_bench.py and renders the table.
#   scripts/peer-bench.sh [--rounds N] [--configs base-32x64-fp32,...] [--out results/bench/peer.json]
# Pause background training first (SIGTERM checkpoints it): the two sides must have the machine to themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PEER_VENV:-$HOME/.cache/dcft/peer-venv}"
out=results/bench/peer.json
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import torch, transformers, peft' 2>/dev/null; then
  echo "peer-bench: building $venv (torch, transformers, peft from the local wheel sources)..." >&2
  python3 -m venv "$venv"
  # No retries: an index this machine cannot reach (pypi.org) is skipped at once, the local ones answer.
  PIP_RETRIES=0 PIP_TIMEOUT=5 "$venv/bin/pip" install -q torch transformers peft
fi
./dcft --version > /dev/null  # builds the project if needed, before any timing
mkdir -p "$(dirname "$out")"
python3 scripts/peer_bench.py --python "$venv/bin/python" --out "$out" "${args[@]}" > /dev/null
python3 scripts/peer-table.py "$out"

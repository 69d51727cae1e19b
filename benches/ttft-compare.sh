#!/usr/bin/env bash
# ttft-compare.sh: time to first token of `ask --modell` (from process start) against what
# llama.cpp's 2-thread prompt speed (pp512) implies for the same prompt length, in alternating
# pairs so that both sides see the same machine load. Prints one ratio per pair.
#
# Usage: benches/ttft-compare.sh [PAIRS] [QUESTION]
# Needs: llama-bench built by benches/llamacpp-compare.sh (LLAMACPP_DIR, default /tmp/llamacpp),
#        the test models (../shared/tools/fetch-test-models.sh models), a release build.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAIRS="${1:-4}"
QUESTION="${2:-Darf ich Bürgerdaten in den Chatbot kopieren?}"
MODEL="$HERE/models/SmolLM2-135M-Instruct.Q4_1.gguf"
BENCH="${LLAMACPP_DIR:-/tmp/llamacpp}/llama.cpp/build/bin/llama-bench"
BIN="$HERE/target/release/leitplanke"
[ -x "$BENCH" ] || { echo "llama-bench missing: run benches/llamacpp-compare.sh once" >&2; exit 2; }
[ -x "$BIN" ] || (cd "$HERE" && cargo build --release >&2)
INDEX="$(mktemp -d)"
trap 'rm -rf "$INDEX"' EXIT
export LEITPLANKE_MODELS="$HERE/models"
"$BIN" --index "$INDEX" ask "$QUESTION" >/dev/null  # build the index and its vectors once
for _ in $(seq "$PAIRS"); do
    tps=$("$BENCH" -m "$MODEL" -t 2 -p 512 -n 0 -r 3 --repack 0 -o csv 2>/dev/null |
        python3 -c "import csv,sys; print(list(csv.DictReader(sys.stdin))[-1]['avg_ts'])")
    line=$("$BIN" --index "$INDEX" ask -v --threads 2 --max-tokens 4 --modell "$MODEL" "$QUESTION" 2>&1 |
        grep -o "Prompt: [0-9.]* Tokens.*ersten Token: [0-9.]* s")
    python3 - "$tps" "$line" <<'PY'
import re, sys
tps = float(sys.argv[1])
m = re.search(r"Prompt: ([\d.]+) Tokens.*ersten Token: ([\d.]+) s", sys.argv[2])
tokens, ttft = float(m.group(1).replace(".", "")), float(m.group(2))
implied = tokens / tps
print(f"llama.cpp pp512 2 Threads {tps:.1f} t/s -> {int(tokens)} Tokens in {implied:.2f} s; "
      f"unsere Zeit bis zum ersten Token {ttft:.2f} s; Verhältnis {ttft / implied:.2f}")
PY
done

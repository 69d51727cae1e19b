#!/usr/bin/env bash
# How far can any fusion of the two rankings go? For each question file,
# measures Recall@3 of the lexical list, the dense list and the default
# hybrid ranking with `leitplanke eval --json`, and the share of expected
# sections that are among the first three of EITHER list (up to six
# sections, so an upper bound for a fusion that picks its first three from
# the first three of each list). See docs/retrieval.md, "Eighth session".
#
#   benches/fusion-ceiling.sh [QUESTION_FILE...]
#
# Needs the embedding model in models/ (fetch-test-models.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/leitplanke
export LEITPLANKE_MODELS="${LEITPLANKE_MODELS:-$PWD/models}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(corpus/fragen.toml tests/data/fragen-blind.toml tests/data/fragen-blind2.toml)

printf '| Fragen | lexikalisch | dicht | hybrid (Vorgabe) | erste 3 einer der beiden Listen | erste 5 | erste 10 |\n|---|---|---|---|---|---|---|\n'
for f in "${FILES[@]}"; do
  "$BIN" --index "$TMP/idx" eval --json --nur-lexikalisch "$f" >"$TMP/lex.json"
  "$BIN" --index "$TMP/idx" eval --json --fusion gewichtet:1 "$f" >"$TMP/dense.json" 2>/dev/null
  "$BIN" --index "$TMP/idx" eval --json "$f" >"$TMP/hyb.json" 2>/dev/null
  python3 - "$f" "$TMP" <<'PY'
import json, sys
name, tmp = sys.argv[1], sys.argv[2]
runs = {k: json.load(open(f"{tmp}/{k}.json")) for k in ("lex", "dense", "hyb")}
assert runs["dense"]["mode"].startswith("hybrid"), "no embedding model: dense list not measured"
lex = {q["id"]: q for q in runs["lex"]["questions"]}
dense = {q["id"]: q for q in runs["dense"]["questions"]}
def union(k):
    total = 0.0
    for qid, q in lex.items():
        d = dense[qid]
        found = sum(1 for a, b in zip(q["ranks"], d["ranks"]) if (a and a <= k) or (b and b <= k))
        total += found / len(q["expected"])
    return total / len(lex)
r3 = lambda run: run["metrics"]["recall_at_3"]
print(f"| {name} | {r3(runs['lex']):.3f} | {r3(runs['dense']):.3f} | {r3(runs['hyb']):.3f} "
      f"| {union(3):.3f} | {union(5):.3f} | {union(10):.3f} |")
PY
done

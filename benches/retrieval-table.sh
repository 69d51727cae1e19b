#!/usr/bin/env bash
# Produces the variant table of docs/retrieval.md: every analyzer, ranking and
# fusion variant on covidqa-de, xquad-de and corpus/fragen.toml, measured by
# `leitplanke eval --json` in one run.
#
#   benches/retrieval-table.sh [SHARED_DATA_DIR] > /tmp/table.md
#
# Hybrid rows need the embedding model in models/ (fetch-test-models.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data}"
cargo build --release --quiet
BIN=target/release/leitplanke
export LEITPLANKE_MODELS="${LEITPLANKE_MODELS:-$PWD/models}"
IDX="$(mktemp -d)"
trap 'rm -rf "$IDX"' EXIT

SETS=("$DATA/covidqa-de" "$DATA/xquad-de" "corpus/fragen.toml" "tests/data/fragen-blind.toml" "tests/data/fragen-blind2.toml")
# name|extra arguments
VARIANTS=(
  "lexikalisch, Standard (alle Schritte)|--nur-lexikalisch"
  "ohne Stemming|--nur-lexikalisch --analyse stem=0"
  "ohne Stoppwörter|--nur-lexikalisch --analyse stop=0"
  "ohne Zerlegung von Komposita|--nur-lexikalisch --analyse decompound=0"
  "Komposita: Teile ab 3 Zeichen|--nur-lexikalisch --analyse min_part_len=3"
  "Komposita: Teile ab 6 Zeichen|--nur-lexikalisch --analyse min_part_len=6"
  "Komposita: nur Wörterbuch des Korpus (ohne Vokabular der Daten)|--nur-lexikalisch --analyse vokabular=korpus"
  "Komposita: ohne Abtrennen des Kopfes|--nur-lexikalisch --analyse koepfe=0"
  "ohne Titel-/Abschnittsboost|--nur-lexikalisch --ranking all=1,section=0,title=0,part=0.5"
  "Titel/Abschnitt 0.5|--nur-lexikalisch --ranking all=1,section=0.5,title=0.5,part=0.5"
  "Kompositateile Gewicht 1.0|--nur-lexikalisch --ranking all=1,section=0.25,title=0.25,part=1"
  "Kompositateile Gewicht 0.25|--nur-lexikalisch --ranking part=0.25"
  "ohne Suchhinweise (lexikalisch)|--nur-lexikalisch --ranking hints=0"
  "Suchhinweise Gewicht 0.5 (lexikalisch)|--nur-lexikalisch --ranking hints=0.5"
  "nur dicht (e5-small)|--fusion gewichtet:1"
  "hybrid RRF k=60|--fusion rrf:60"
  "hybrid min-max 0.4|--fusion minmax:0.4"
  "hybrid min-max 0.6 (alte Vorgabe)|--fusion minmax:0.6"
  "hybrid min-max 0.8|--fusion minmax:0.8"
  "hybrid z 0.4|--fusion gewichtet:0.4"
  "hybrid z 0.5 (Vorgabe)|--fusion gewichtet:0.5"
  "hybrid z 0.6|--fusion gewichtet:0.6"
  "hybrid z 0.7|--fusion gewichtet:0.7"
  "hybrid z 0.5, Suchhinweise nur dicht|--fusion gewichtet:0.5 --ranking hints=0"
)

printf '| Variante | covidqa-de nDCG@10 | covidqa-de R@10 | xquad-de nDCG@10 | xquad-de R@10 | fragen R@3 | fragen nDCG@10 | blind R@3 | blind nDCG@10 | blind2 R@3 | blind2 nDCG@10 | p50 ms (covidqa) |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for v in "${VARIANTS[@]}"; do
  name="${v%%|*}"; args="${v#*|}"
  row="| $name"
  for s in "${SETS[@]}"; do
    # shellcheck disable=SC2086
    out="$("$BIN" --index "$IDX" eval "$s" --json $args 2>/dev/null || echo '{}')"
    row="$row|$(python3 -c '
import json,sys
d=json.loads(sys.argv[1] or "{}"); m=d.get("metrics",{})
fr=sys.argv[2].endswith(".toml")
if not m: print("–|–", end="")
elif fr: print("%.3f|%.3f" % (m["recall_at_3"], m["ndcg_at_10"]), end="")
else: print("%.3f|%.3f" % (m["ndcg_at_10"], m["recall_at_10"]), end="")
if "covidqa" in sys.argv[2] and m: print("@%.1f" % m["latency_p50_ms"], end="")
' "$out" "$s")"
  done
  # move the covidqa latency to the last column
  lat="$(grep -o '@[0-9.]*' <<<"$row" | head -1 | tr -d @)"
  row="${row/@$lat/}"
  echo "$row|${lat:-–}|"
done

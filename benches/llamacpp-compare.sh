#!/usr/bin/env bash
# llamacpp-compare.sh: measure llama.cpp (measuring stick only, never a dependency) and our
# runtime side by side in one run on the SmolLM2 GGUF; print tokens/s and ratios.
#
# Usage: benches/llamacpp-compare.sh [MODEL.gguf]
# Env:   LLAMACPP_DIR=/tmp/llamacpp   where llama.cpp is unpacked/built (created if missing)
#        REPS=5                       llama-bench repetitions
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${1:-$HERE/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
LLAMACPP_DIR="${LLAMACPP_DIR:-/tmp/llamacpp}"
REPS="${REPS:-5}"
VERSION="0.3.36"
BENCH="$LLAMACPP_DIR/llama.cpp/build/bin/llama-bench"

if [ ! -x "$BENCH" ]; then
    echo "building llama.cpp into $LLAMACPP_DIR (about 10 minutes)" >&2
    mkdir -p "$LLAMACPP_DIR"
    if [ ! -d "$LLAMACPP_DIR/llama.cpp" ]; then
        python3 -m pip download --no-binary :all: --no-deps --no-build-isolation \
            "llama-cpp-python==$VERSION" -d "$LLAMACPP_DIR/sdist" >&2
        tar -xzf "$LLAMACPP_DIR/sdist/llama_cpp_python-$VERSION.tar.gz" -C "$LLAMACPP_DIR"
        mv "$LLAMACPP_DIR/llama_cpp_python-$VERSION/vendor/llama.cpp" "$LLAMACPP_DIR/llama.cpp"
    fi
    command -v cmake >/dev/null || { echo "cmake missing: apt-get install -y cmake" >&2; exit 1; }
    (cd "$LLAMACPP_DIR/llama.cpp" &&
        cmake -B build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release >&2 &&
        cmake --build build -j2 --target llama-bench llama-tokenize >&2)
fi

OUT="$(mktemp)"
echo "== llama.cpp (llama-bench -p 512 -n 128 -r $REPS) =="
# --repack 0: GGML_NATIVE enables AMX on CPUs that advertise it, but AMX tiles raise SIGILL in
# this VM; without repacking llama.cpp uses its AVX2/AVX-512 kernels.
"$BENCH" -m "$MODEL" -t 1,2 -p 512 -n 128 -r "$REPS" ${LLAMA_BENCH_ARGS:---repack 0} -o md | tee "$OUT.md"

echo "== ours (cargo bench --bench generation) =="
(cd "$HERE" && LEITPLANKE_BENCH_MODEL="$MODEL" BENCH_REPS="${OUR_REPS:-3}" cargo bench --bench generation 2>/dev/null) | tee "$OUT.ours"

python3 - "$OUT.md" "$OUT.ours" <<'PY'
import re, sys
ref = {}
cols = None
for line in open(sys.argv[1]):
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    if 'threads' in cells and 'test' in cells:
        cols = {name: i for i, name in enumerate(cells)}
        continue
    if cols is None or len(cells) != len(cols) or not re.match(r'^(pp|tg)\d+$', cells[cols['test']]):
        continue
    test, ts = cells[cols['test']], float(cells[cols['t/s']].split('±')[0])
    threads = int(cells[cols['threads']])
    ref[(test, threads)] = ts
ours = {}
for line in open(sys.argv[2]):
    m = re.match(r"^\|?\s*(pp512|tg128)\s*\|?\s*(\d+)\s*\|?\s*([\d.]+)", line)
    if m:
        ours[(m.group(1), int(m.group(2)))] = float(m.group(3))
print("\n| test | threads | llama.cpp t/s | ours t/s | ratio |")
print("|---|---|---|---|---|")
for key in sorted(ref):
    if key in ours:
        print(f"| {key[0]} | {key[1]} | {ref[key]:.1f} | {ours[key]:.1f} | {ours[key]/ref[key]:.2f} |")
PY
rm -f "$OUT" "$OUT.md" "$OUT.ours"

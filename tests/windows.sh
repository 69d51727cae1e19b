#!/usr/bin/env bash
# Windows build and smoke test: cross-builds leitplanke.exe for x86_64-pc-windows-gnu (MinGW)
# and runs it under Wine, in a temporary index:
#   - `ask` on the bundled corpus (the README question);
#   - `index`, `list`, `ask --kind kommunal` and `remove` of an own rule by its Windows path
#     (keys and citations as `Z:\...`, without the `\\?\` prefix of canonical paths);
#   - with the test models in models/ (fetch-test-models.sh): hybrid search (vectors are
#     computed, an on-topic question has a dense score, an off-topic one is declined).
# Fails on the first check that does not hold.
#
#   tests/windows.sh
#
# Needs (Debian): rustup target add x86_64-pc-windows-gnu
#                 apt-get install -y gcc-mingw-w64-x86-64 wine64 wine
# Wine before 9 lacks bcryptprimitives.dll (ProcessPrng, used by Rust's std since 1.78;
# every Windows 10/11 has it): the script then builds a stand-in next to its copy of the
# program, for the test only.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=x86_64-pc-windows-gnu
export WINEDEBUG=-all

cargo build --release --target "$TARGET" --quiet
EXE="${CARGO_TARGET_DIR:-target}/$TARGET/release/leitplanke.exe"
command -v wine >/dev/null || { echo "windows: FEHLT: wine (apt-get install -y wine64 wine)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$EXE" "$WORK/leitplanke.exe"
if wine --version | grep -qE '^wine-[1-8]\.'; then
    cat > "$WORK/bcp.c" <<'EOF'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
EOF
    x86_64-w64-mingw32-gcc -shared -O2 -o "$WORK/bcryptprimitives.dll" "$WORK/bcp.c" -ladvapi32
fi

winpath() { winepath -w "$1" 2>/dev/null; }
export LEITPLANKE_INDEX="$(winpath "$WORK/index")"
export LEITPLANKE_MODELS="$(winpath "$WORK/keine-modelle")"
lp() { wine "$WORK/leitplanke.exe" "$@"; }
fail() { echo "windows: FEHLER: $*" >&2; exit 1; }
expect() { # expect CODE NEEDLE -- ARGS...: exit code and a string in stdout+stderr
    local code="$1" needle="$2"; shift 3
    local out rc=0
    out="$(lp "$@" 2>&1)" || rc=$?
    [ "$rc" = "$code" ] || fail "leitplanke $* endete mit $rc statt $code:"$'\n'"$out"
    [ -z "$needle" ] || grep -qF -- "$needle" <<<"$out" || fail "leitplanke $*: „$needle“ fehlt:"$'\n'"$out"
    printf '%s' "$out"
}

expect 0 "leitplanke" -- --version >/dev/null
expect 0 "datenschutz.md" -- ask "Darf ich personenbezogene Daten in einen KI-Chatbot eingeben?" >/dev/null
echo "windows: ask auf dem mitgelieferten Leitfaden: ok"

mkdir -p "$WORK/Regeln"
printf -- '---\ntitle: Dienstanweisung KI Testhausen\n---\n# Dienstanweisung\n## § 5 Kennzeichnung\nTexte, die mit KI erstellt wurden, sind vor der Veröffentlichung zu kennzeichnen.\n' \
    > "$WORK/Regeln/da.md"
RULES="$(winpath "$WORK/Regeln")"
expect 0 "1 neu" -- index "$RULES" >/dev/null
listing="$(expect 0 "$RULES\\da.md" -- list)"
grep -qF '\\?\' <<<"$listing" && fail "list zeigt einen Pfad mit \\\\?\\:"$'\n'"$listing"
expect 0 "Testhausen" -- ask --kind kommunal "Muss ich KI-Texte kennzeichnen?" >/dev/null
expect 0 "1 entfernt" -- remove "$RULES\\da.md" >/dev/null
listing="$(expect 0 "" -- list)"
grep -q kommunal <<<"$listing" && fail "nach remove ist noch eine kommunale Regelung indexiert"
expect 1 "ist nicht im Index" -- remove "$RULES\\da.md" >/dev/null
echo "windows: index, list, ask --kind kommunal, remove mit Windows-Pfaden: ok"

if [ -f models/multilingual-e5-small/model.safetensors ]; then
    export LEITPLANKE_MODELS="$(winpath "$PWD/models")"
    json="$(expect 0 '"type":"hit"' -- ask --json -k 1 "Darf ich Bürgerdaten in den Chatbot kopieren?")"
    grep -q '"dense_score":0\.' <<<"$json" || fail "keine hybride Suche:"$'\n'"$json"
    expect 1 "keine passende Stelle" -- ask "Wie hoch ist die Hundesteuer?" >/dev/null
    echo "windows: hybride Suche mit multilingual-e5-small: ok"
else
    echo "windows: Testmodelle fehlen (fetch-test-models.sh), hybride Suche nicht geprüft"
fi
echo "windows: alle Prüfungen bestanden ($(wine --version))"

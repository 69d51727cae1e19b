#!/bin/sh
# Renders the HTML report of `leitplanke check` in headless Chromium and
# fails unless a non-empty PNG screenshot comes out.
#
# Usage: tests/html-screenshot.sh [DRAFT] [PNG]
#   DRAFT  draft to check (default: tests/data/entwuerfe/10-subtile-konflikte.md)
#   PNG    where to write the screenshot (default: a temporary file)
# Environment: LEITPLANKE_BIN (default: target/debug/leitplanke),
#              CHROMIUM (default: chromium, else chromium-browser).
set -eu

cd "$(dirname "$0")/.."
draft=${1:-tests/data/entwuerfe/10-subtile-konflikte.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
png=${2:-$work/report.png}
bin=${LEITPLANKE_BIN:-target/debug/leitplanke}
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

if [ ! -x "$bin" ]; then
    echo "Fehler: \`$bin\` fehlt; bitte zuerst \`cargo build\` ausführen oder LEITPLANKE_BIN setzen" >&2
    exit 2
fi
if [ -z "$browser" ]; then
    echo "Fehler: Chromium nicht gefunden (Debian: apt-get install -y chromium)" >&2
    exit 2
fi

# Exit code 1 only means the draft has findings.
status=0
LEITPLANKE_INDEX="$work/index" "$bin" check --format html --out "$work/out" "$draft" 2>/dev/null || status=$?
if [ "$status" -gt 1 ]; then
    echo "Fehler: \`leitplanke check\` endete mit Code $status" >&2
    exit 1
fi
report=$(ls "$work"/out/*.html | grep -v uebersicht.html | head -n 1)

timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --user-data-dir="$work/profile" \
    --screenshot="$png" --window-size=1200,1600 "file://$report" >/dev/null 2>&1 || true

if [ ! -s "$png" ]; then
    echo "Fehler: Chromium hat keinen Screenshot von \`$report\` erzeugt" >&2
    exit 1
fi
echo "Screenshot: $png ($(wc -c < "$png") Bytes)"

#!/usr/bin/env bash
# Import benchmark (issue 2: "Import of 20,000 places in the national schema: under 5 s
# on SQLite").
#
#   benches/import.sh
#
# Environment:
#   ROWS=20000    rows of the generated LMN CSV
#   RUNS=3        fresh imports (each into a new SQLite data directory), then as many
#                 re-imports of a changed file with the same ids (every row updated)
#   SKIP_BUILD=1  use target/release/maillage as it is
#   BENCH_OUT=DIR where raw outputs are kept (default: a new /tmp/maillage-import-*)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=${ROWS:-20000}
RUNS=${RUNS:-3}
WORK=$(mktemp -d /tmp/maillage-import-work.XXXXXX)
OUT=${BENCH_OUT:-$(mktemp -d /tmp/maillage-import-results.XXXXXX)}
mkdir -p "$OUT"
BIN="$REPO/target/release/maillage"
trap 'rm -rf "$WORK"' EXIT

log() { printf '[import.sh] %s\n' "$*" >&2; }

if [ -z "${SKIP_BUILD:-}" ]; then
    log "building the release binary"
    (cd "$REPO" && cargo build --release -p maillage --quiet)
fi
[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }
TIME=""
[ -x /usr/bin/time ] && TIME=/usr/bin/time

log "generating $ROWS rows"
python3 "$REPO/benches/gen_lmn.py" --rows "$ROWS" "$WORK/lieux.csv"
python3 "$REPO/benches/gen_lmn.py" --rows "$ROWS" --variant 1 "$WORK/lieux-maj.csv"
bytes=$(stat -c %s "$WORK/lieux.csv")

echo "uptime before: $(uptime)" | tee "$OUT/uptime.txt"

# One timed import; prints "seconds peak_rss_kb summary".
timed_import() { # data_dir file label
    local data=$1 file=$2 label=$3 t0 t1 code=0
    t0=$(date +%s%N)
    if [ -n "$TIME" ]; then
        MAILLAGE_DATA_DIR="$data" NO_COLOR=1 "$TIME" -v -o "$OUT/$label.time" \
            "$BIN" import "$file" --format lmn-csv --source bench >"$OUT/$label.out" 2>"$OUT/$label.err" || code=$?
    else
        MAILLAGE_DATA_DIR="$data" NO_COLOR=1 \
            "$BIN" import "$file" --format lmn-csv --source bench >"$OUT/$label.out" 2>"$OUT/$label.err" || code=$?
    fi
    t1=$(date +%s%N)
    if [ "$code" != 0 ]; then
        log "$label: exit code $code"; tail -5 "$OUT/$label.err" >&2; exit 1
    fi
    local rss="?"
    [ -n "$TIME" ] && rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$label.time")
    printf '%s %s %s\n' "$(python3 -c "print(f'{($t1 - $t0) / 1e9:.2f}')")" "$rss" "$(tail -1 "$OUT/$label.out")"
}

fresh=()
update=()
rows_md=()
for run in $(seq 1 "$RUNS"); do
    data="$WORK/data-$run"
    timed_import "$data" "$WORK/lieux.csv" "import-$run" >"$WORK/r"
    read -r secs rss summary <"$WORK/r"
    fresh+=("$secs")
    rows_md+=("| fresh import $run | $secs s | $((rss / 1024)) MB | $summary |")
    timed_import "$data" "$WORK/lieux-maj.csv" "reimport-$run" >"$WORK/r"
    read -r secs rss summary <"$WORK/r"
    update+=("$secs")
    rows_md+=("| re-import $run (same ids, changed text) | $secs s | $((rss / 1024)) MB | $summary |")
    log "run $run done"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
db_size=$(du -sh "$WORK/data-1" | cut -f1)

echo "uptime after: $(uptime)" | tee -a "$OUT/uptime.txt"
{
    echo
    echo "## Import ($ROWS rows of LMN CSV, $bytes bytes; maillage import --format lmn-csv --source bench)"
    echo
    echo "| run | wall time | peak RSS | result |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rows_md[@]}"
    echo
    echo "Median fresh import: $(median "${fresh[@]}") s; median re-import: $(median "${update[@]}") s;"
    echo "data directory after one import and one re-import: $db_size."
    echo
    echo "Raw outputs: $OUT"
} | tee "$OUT/report.md"

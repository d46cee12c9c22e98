#!/usr/bin/env bash
# HTTP benchmark of Maillage against nginx serving the same bytes (issue 2, "Targets").
#
#   benches/http.sh            # from the repository root or anywhere
#
# Environment:
#   DURATION=20s         length of each wrk run
#   SKIP_BUILD=1         use target/release/maillage as it is
#   BENCH_OUT=DIR        where raw outputs are kept (default: a new /tmp/maillage-http-*)
#
# Traffic goes to 127.0.0.1 only. Installs wrk and nginx from Debian when missing (as
# root). Every process started here is stopped on exit. About 3 to 4 minutes in all
# with DURATION=20s, plus the build if the binary is not up to date.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-20s}
WORK=$(mktemp -d /tmp/maillage-http-work.XXXXXX)
OUT=${BENCH_OUT:-$(mktemp -d /tmp/maillage-http-results.XXXXXX)}
mkdir -p "$OUT"
BIN="$REPO/target/release/maillage"
SERVER_PID=""
NGINX_PID=""

log() { printf '[http.sh] %s\n' "$*" >&2; }

stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
    stop_pid "$SERVER_PID"
    stop_pid "$NGINX_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -------------------------------------------------------------------------
need_install=()
command -v wrk >/dev/null || need_install+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_install+=(nginx)
if [ ${#need_install[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "missing ${need_install[*]}: install them (apt-get install wrk nginx-light)"; exit 1; }
    pkgs=()
    for p in "${need_install[@]}"; do [ "$p" = nginx ] && pkgs+=(nginx-light) || pkgs+=("$p"); done
    log "installing ${pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for tool in curl python3; do command -v "$tool" >/dev/null || { log "$tool is required"; exit 1; }; done

if [ -z "${SKIP_BUILD:-}" ]; then
    log "building the release binary"
    (cd "$REPO" && cargo build --release -p maillage --quiet)
fi
[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now_ns() { date +%s%N; }
strip_ansi() { sed 's/\x1b\[[0-9;]*m//g'; }

# Wait until GET $1 answers 200, at most $2 seconds; fails when the server died.
wait_ok() {
    local url=$1 limit=$2 pid=$3 deadline
    deadline=$(( $(date +%s) + limit ))
    until curl -s -o /dev/null -f "$url"; do
        kill -0 "$pid" 2>/dev/null || { log "server $pid exited"; return 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { log "no answer from $url after ${limit}s"; return 1; }
        sleep 0.005
    done
}

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
DATA="$WORK/data"
export MAILLAGE_DATA_DIR="$DATA" NO_COLOR=1 MAILLAGE_LOG=info

echo "uptime before: $(uptime)" | tee "$OUT/uptime.txt"

# --- server with the demo network ----------------------------------------------------
log "starting maillage --demo on $BASE"
t0=$(now_ns)
"$BIN" serve --demo --listen "127.0.0.1:$PORT" >"$OUT/serve-demo.out" 2>"$OUT/serve-demo.err" &
SERVER_PID=$!
wait_ok "$BASE/healthz" 180 "$SERVER_PID"
demo_start_ms=$(( ($(now_ns) - t0) / 1000000 ))
log "up with the demo network after ${demo_start_ms} ms"

# --- the bytes both servers serve ----------------------------------------------------
mkdir -p "$WORK/www" "$WORK/nginx/logs"
chmod 755 "$WORK" "$WORK/www"
GEO="$WORK/www/places.geojson"
curl -s -f -o "$GEO" "$BASE/api/v1/places.geojson"
chmod 644 "$GEO"
geo_bytes=$(stat -c %s "$GEO")
places=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$GEO")
log "places.geojson: $places places, $geo_bytes bytes"

NPORT=$(free_port)
NBASE="http://127.0.0.1:$NPORT"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    types { application/geo+json geojson; }
    default_type application/octet-stream;
    gzip on;
    gzip_types application/geo+json;
    gzip_vary on;
    server {
        listen 127.0.0.1:$NPORT;
        root $WORK/www;
    }
}
EOF
"$NGINX" -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" &
NGINX_PID=$!
wait_ok "$NBASE/places.geojson" 10 "$NGINX_PID"

# --- both answer 200 with the same bytes ---------------------------------------------
check() { # name url extra-curl-args...
    local name=$1 url=$2; shift 2
    local info
    info=$(curl -s -o "$WORK/check.$name" -D "$WORK/check.$name.h" -w '%{http_code} %{size_download}' "$@" "$url")
    local code=${info% *} size=${info#* }
    [ "$code" = 200 ] || { log "$name: HTTP $code"; exit 1; }
    local ctype enc
    ctype=$(grep -i '^content-type:' "$WORK/check.$name.h" | tr -d '\r' | cut -d' ' -f2-)
    enc=$(grep -i '^content-encoding:' "$WORK/check.$name.h" | tr -d '\r' | cut -d' ' -f2- || true)
    if [ "$enc" = gzip ]; then
        gzip -dc "$WORK/check.$name" | cmp -s - "$GEO" || { log "$name: gunzipped body differs"; exit 1; }
    else
        cmp -s "$WORK/check.$name" "$GEO" || { log "$name: body differs"; exit 1; }
    fi
    echo "$name|$code|$ctype|${enc:-identity}|$size"
}
{
    echo "| run | status | content-type | encoding | bytes on the wire |"
    echo "|---|---|---|---|---|"
    for spec in "nginx-plain $NBASE/places.geojson" "maillage-plain $BASE/api/v1/places.geojson"; do
        # shellcheck disable=SC2086
        echo "| $(check $spec | sed 's/|/ | /g') |"
    done
    for spec in "nginx-gzip $NBASE/places.geojson" "maillage-gzip $BASE/api/v1/places.geojson"; do
        # shellcheck disable=SC2086
        echo "| $(check $spec -H 'Accept-Encoding: gzip' | sed 's/|/ | /g') |"
    done
} | tee "$OUT/checks.md"

# --- load ----------------------------------------------------------------------------
results=()
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
run_wrk() { # label connections url [header]
    local label=$1 conns=$2 url=$3 header=${4:-}
    local file="$OUT/wrk-$label.txt"
    log "wrk $label: -c$conns -t2 -d$DURATION $url ${header:+($header)}"
    # Server CPU time (user + system) over the run, divided by the requests served: unlike
    # latency, it does not grow with the load other processes put on a shared machine.
    local cpu0=""
    if [[ $label == maillage* || $label == list* ]]; then cpu0=$(server_cpu_ticks); fi
    if [ -n "$header" ]; then
        wrk -t2 -c"$conns" -d"$DURATION" --latency -H "$header" "$url" >"$file"
    else
        wrk -t2 -c"$conns" -d"$DURATION" --latency "$url" >"$file"
    fi
    # A server that died under load is a result, not a measurement: say how it ended.
    if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
        local status=0
        wait "$SERVER_PID" || status=$?
        log "maillage (pid $SERVER_PID) is gone after $label: exit status $status$( [ "$status" -gt 128 ] && echo " (signal $((status - 128)))")"
        tail -5 "$OUT/serve-demo.err" >&2
        exit 1
    fi
    local rps p50 p99 errors non2xx
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
    p50=$(awk '$1 == "50%" {print $2}' "$file")
    p99=$(awk '$1 == "99%" {print $2}' "$file")
    errors=$(grep -o 'Socket errors:.*' "$file" || echo "none")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$file")
    local requests cpu_us="—"
    requests=$(awk '/requests in/ {print $1}' "$file")
    if [ -n "$cpu0" ] && [ "${requests:-0}" -gt 0 ]; then
        cpu_us=$(awk -v a="$cpu0" -v b="$(server_cpu_ticks)" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
            'BEGIN { printf "%.0f", (b - a) * 1e6 / hz / n }')
    fi
    results+=("| $label | $conns | $rps | $p50 | $p99 | $cpu_us | ${non2xx:-0} | $errors |")
}

run_wrk nginx-plain 100 "$NBASE/places.geojson"
run_wrk maillage-plain 100 "$BASE/api/v1/places.geojson"
run_wrk nginx-gzip 100 "$NBASE/places.geojson" 'Accept-Encoding: gzip'
run_wrk maillage-gzip 100 "$BASE/api/v1/places.geojson" 'Accept-Encoding: gzip'

# Filtered lists: type + département + text, each checked to answer 200 with places.
FILTERS=(
    "type=fablab&departement=69&q=atelier"
    "type=coworking&departement=75&q=espace"
    "type=epn&departement=29&q=numerique"
)
i=0
for f in "${FILTERS[@]}"; do
    i=$((i + 1))
    url="$BASE/api/v1/places?$f"
    n=$(curl -s -f "$url" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("total", len(d.get("items", d.get("places", [])))))')
    echo "filter $i: $f -> $n places" | tee -a "$OUT/checks.md"
    run_wrk "list-$i" 20 "$url"
done

# --- memory after the load -----------------------------------------------------------
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
stop_pid "$SERVER_PID"; SERVER_PID=""
stop_pid "$NGINX_PID"; NGINX_PID=""

# --- start time: no --demo, database already migrated and filled ---------------------
starts=()
ref_ms=()
cpu_ms=()
for run in 1 2 3; do
    t0=$(now_ns)
    "$BIN" serve --listen "127.0.0.1:$PORT" >"$OUT/serve-$run.out" 2>"$OUT/serve-$run.err" &
    SERVER_PID=$!
    wait_ok "$BASE/healthz" 30 "$SERVER_PID"
    starts+=($(( ($(now_ns) - t0) / 1000000 )))
    # CPU time (user + system) spent until ready: unlike wall time, the load of other
    # processes on a shared machine does not inflate it.
    cpu_ms+=("$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$SERVER_PID/stat")")
    ref_ms+=("$(strip_ansi <"$OUT/serve-$run.err" | grep 'reference geography loaded' | grep -o 'ms=[0-9]*' | cut -d= -f2 || echo '?')")
    # The first map request after start builds the prepared bodies: timed too.
    first_geo_ms=$(curl -s -o /dev/null -w '%{time_total}' -H 'Accept-Encoding: gzip' "$BASE/api/v1/places.geojson")
    idle_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
    stop_pid "$SERVER_PID"; SERVER_PID=""
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n | tr '\n' ' ')
median_start=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)

echo "uptime after: $(uptime)" | tee -a "$OUT/uptime.txt"

# --- report --------------------------------------------------------------------------
{
    echo
    echo "## HTTP ($places places, places.geojson $geo_bytes bytes; wrk -t2 -d$DURATION --latency)"
    echo
    echo "| run | connections | req/s | p50 | p99 | server CPU µs/request | non-2xx | socket errors |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${results[@]}"
    echo
    echo "## Start and memory"
    echo
    echo "| measure | value |"
    echo "|---|---|"
    echo "| start with --demo (migrations + demo network), exec → /healthz 200 | ${demo_start_ms} ms |"
    echo "| start without --demo, filled DB, exec → /healthz 200 (3 runs, sorted) | ${sorted% } ms (median ${median_start} ms) |"
    echo "| 'reference geography loaded' log line (3 runs) | ${ref_ms[*]} ms |"
    echo "| CPU time (user + system) until /healthz 200 (3 runs) | ${cpu_ms[*]} ms |"
    echo "| first places.geojson after start (builds the prepared bodies) | $(python3 -c "print(round(float('$first_geo_ms')*1000))") ms |"
    echo "| RSS after the load tests (VmRSS / VmHWM), --demo server | $((rss / 1024)) MB / $((hwm / 1024)) MB |"
    echo "| RSS after start + one map request, without --demo | $((idle_rss / 1024)) MB |"
    echo
    echo "Raw outputs: $OUT"
} | tee "$OUT/report.md"

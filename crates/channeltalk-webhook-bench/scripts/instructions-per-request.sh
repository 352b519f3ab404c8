#!/bin/sh
# Instructions per request of each server of the HTTP benchmark, counted by callgrind:
# deterministic where requests/s on a shared machine are not. Each server runs under
# valgrind, gets a warm-up, then its counters are zeroed, it serves genuine deliveries for a
# fixed time, and its counters are dumped: Ir / requests answered.
#
#   cargo build --release -p core-direct -p echo-actix -p echo-warp -p echo-axum
#   cargo build --release -p channeltalk-webhook-bench --bins
#   sh crates/channeltalk-webhook-bench/scripts/instructions-per-request.sh [server ...]
#
# KEEP=1 keeps the callgrind files for callgrind_annotate. Needs valgrind. Binaries from target/release (or $BIN_DIR). The servers listen on their
# default HOST (127.0.0.1): HOST must stay unset, valgrind's gdbserver puts it in the name of
# the pipe that callgrind_control looks for.
set -eu
BIN_DIR=${BIN_DIR:-target/release}
SECONDS_MEASURED=${SECONDS_MEASURED:-10s}
OUT=$(mktemp -d)
PORT=18383
TOKEN=callgrind-token
servers=${*:-core-direct handwritten-hyper echo-actix handwritten-actix echo-warp handwritten-warp echo-axum handwritten-axum}
printf '| server | requests | instructions | instructions / request |\n|---|---|---|---|\n'
for server in $servers; do
    CHANNEL_WEBHOOK_TOKEN=$TOKEN PORT=$PORT valgrind --tool=callgrind \
        --callgrind-out-file="$OUT/$server.%p" "$BIN_DIR/$server" >"$OUT/$server.log" 2>&1 &
    pid=$!
    tries=0
    until "$BIN_DIR/loadgen" --addr 127.0.0.1:$PORT --token $TOKEN --duration 100ms \
        --concurrency 1 --client-threads 1 >/dev/null 2>&1; do
        tries=$((tries + 1)); [ $tries -lt 100 ] || { echo "$server did not start" >&2; kill $pid; exit 1; }
        sleep 0.2
    done
    "$BIN_DIR/loadgen" --addr 127.0.0.1:$PORT --token $TOKEN --duration 3s --concurrency 4 \
        --client-threads 1 >/dev/null
    callgrind_control -z $pid >/dev/null 2>&1
    requests=$("$BIN_DIR/loadgen" --addr 127.0.0.1:$PORT --token $TOKEN --duration "$SECONDS_MEASURED" \
        --concurrency 4 --client-threads 1 | sed -n 1p | sed 's/ requests.*//; s/ //g')
    callgrind_control -d $pid >/dev/null 2>&1
    sleep 1
    kill $pid; wait $pid 2>/dev/null || true
    ir=$(grep -h '^summary:' "$OUT/$server".*.1 | awk '{s += $2} END {print s}')
    printf '| %s | %s | %s | %s |\n' "$server" "$requests" "$ir" "$((ir / requests))"
done
if [ -n "${KEEP:-}" ]; then
    echo "callgrind files kept in $OUT (callgrind_annotate --inclusive=yes $OUT/<server>.<pid>.1)"
else
    rm -rf "$OUT"
fi

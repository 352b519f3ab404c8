#!/bin/sh
# Each framework's echo example against the careful hand-written bot and the floor, under
# wrk: loopback, the documented team-chat message, server and load generator pinned to
# separate cores. One run: ROUNDS rounds, each running the three servers of a framework one
# after the other (each a fresh process), the order rotated between rounds; each server's
# figures are those of its best round (highest req/s), which is the least disturbed by other
# work on a shared machine. Every round's figures are printed too, and a second table gives the
# median over the rounds of the ratios within each round (the three servers of a round run
# back to back, so a host that is faster or slower for a few minutes moves all three).
#
#   cargo build --release -p echo-actix -p echo-warp -p echo-axum
#   cargo build --release -p channeltalk-webhook-bench --bins
#   sh crates/channeltalk-webhook-bench/scripts/wrk-compare.sh [actix warp axum]
#
# Environment: BIN_DIR (target/release), CONNECTIONS (64), DURATION (10s), WARMUP (2s), ROUNDS (3),
# SERVER_CPU (1), LOAD_CPU (0). Needs wrk, curl and taskset. Every server's answer to the
# message is checked (byte for byte) before it is measured; a non-2xx answer during the run
# is reported in the last column.
set -eu
BIN_DIR=${BIN_DIR:-target/release}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT=18484
TOKEN=wrk-token
HERE=$(dirname "$0")
FIXTURE="$HERE/../../channeltalk-webhook/tests/fixtures/message_team_chat_manager.json"
EXPECTED='{"blocks":[{"type":"text","value":"echo: Hi! Webhook Test"}]}'
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export WRK_BODY="$FIXTURE" WRK_TOKEN="$TOKEN"

# cpu_ns PID: CPU time of all the process's threads so far, in nanoseconds (schedstat).
cpu_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'
}

# run LABEL BINARY VARIANT: prints "LABEL req/s p50 p99 non2xx cpu-us-per-request".
run() {
    label=$1; binary=$2; variant=$3
    CHANNEL_WEBHOOK_TOKEN=$TOKEN PORT=$PORT HANDWRITTEN_VARIANT=$variant RUST_LOG=warn \
        taskset -c "$SERVER_CPU" "$BIN_DIR/$binary" >"$OUT/$label.log" 2>&1 &
    pid=$!
    tries=0
    until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
        tries=$((tries + 1)); [ $tries -lt 100 ] || { echo "$label did not start" >&2; kill $pid; exit 1; }
        sleep 0.1
    done
    answer=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "@$FIXTURE" \
        "http://127.0.0.1:$PORT/webhook?token=$TOKEN")
    if [ "$answer" != "$EXPECTED" ]; then
        echo "$label answered $answer, not $EXPECTED" >&2; kill $pid; exit 1
    fi
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$HERE/post-message.lua" \
        "http://127.0.0.1:$PORT" >/dev/null
    cpu_before=$(cpu_ns $pid)
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/post-message.lua" \
        "http://127.0.0.1:$PORT" >"$OUT/$label.wrk"
    cpu_after=$(cpu_ns $pid)
    kill $pid; wait $pid 2>/dev/null || true
    requests=$(awk '/requests in/ {print $1}' "$OUT/$label.wrk")
    rps=$(awk '/^Requests\/sec/ {print $2}' "$OUT/$label.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$OUT/$label.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$OUT/$label.wrk")
    bad=$(awk '/Non-2xx/ {print $NF}' "$OUT/$label.wrk")
    cpu=$(awk -v a="$cpu_before" -v b="$cpu_after" -v n="$requests" 'BEGIN {printf "%.2f", (b - a) / n / 1000}')
    echo "$label $rps $p50 $p99 ${bad:-0} $cpu"
}

# to_us 1.23ms -> 1230 (microseconds)
to_us() {
    echo "$1" | awk '/us$/ {sub("us",""); print $1; next} /ms$/ {sub("ms",""); print $1*1000; next} /s$/ {sub("s",""); print $1*1000000}'
}

# best LABEL: the line of LABEL's round with the highest req/s.
best() {
    grep "^$1 " "$OUT/rounds" | sort -k2,2 -g -r | head -1
}

frameworks=${*:-actix warp axum}
echo "load before: $(cat /proc/loadavg)"
: >"$OUT/rounds"
: >"$OUT/by-round"
for fw in $frameworks; do
    round=1
    while [ $round -le "$ROUNDS" ]; do
        case $((round % 3)) in
            1) order="sdk careful floor" ;;
            2) order="careful floor sdk" ;;
            0) order="floor sdk careful" ;;
        esac
        for who in $order; do
            case $who in
                sdk) line=$(run "sdk-$fw" "echo-$fw" value) ;;
                careful) line=$(run "careful-$fw" "handwritten-$fw" careful) ;;
                floor) line=$(run "floor-$fw" "handwritten-$fw" floor) ;;
            esac
            echo "$line" >>"$OUT/rounds"
            echo "$fw $round $who $line" >>"$OUT/by-round"
            echo "round $round: $line (req/s p50 p99 non-2xx server-CPU-us/request)" >&2
        done
        round=$((round + 1))
    done
done
printf '| framework | SDK req/s | careful req/s | floor req/s | SDK / careful | SDK / floor | careful / floor | SDK p99 | careful p99 | p99 SDK / careful | CPU µs/req SDK / careful / floor | non-2xx |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for fw in $frameworks; do
    set -- $(best "sdk-$fw"); sdk_rps=$2; sdk_p99=$4; bad=$5; cpu=$6
    set -- $(best "careful-$fw"); careful_rps=$2; careful_p99=$4; bad="$bad/$5"; cpu="$cpu / $6"
    set -- $(best "floor-$fw"); floor_rps=$2; bad="$bad/$5"; cpu="$cpu / $6"
    s99=$(to_us "$sdk_p99"); c99=$(to_us "$careful_p99")
    awk -v fw="$fw" -v s="$sdk_rps" -v c="$careful_rps" -v f="$floor_rps" -v sp="$sdk_p99" \
        -v cp="$careful_p99" -v s99="$s99" -v c99="$c99" -v bad="$bad" -v cpu="$cpu" 'BEGIN {
        printf "| %s | %.0f | %.0f | %.0f | **%.3f** | **%.3f** | %.3f | %s | %s | **%.3f** | %s | %s |\n",
            fw, s, c, f, s / c, s / f, c / f, sp, cp, s99 / c99, cpu, bad }'
done
echo
echo "Median over the rounds of the ratios within each round:"
echo
printf '| framework | rounds | SDK / careful | SDK / floor | p99 SDK / careful | CPU µs/req SDK / careful |\n'
printf '|---|---|---|---|---|---|\n'
for fw in $frameworks; do
    # fw round who label rps p50 p99 bad cpu; p99 in microseconds
    awk -v fw="$fw" '
        function us(t) { if (t ~ /us$/) return t + 0; if (t ~ /ms$/) return t * 1000; return t * 1000000 }
        function median(a, n,   i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        $1 == fw { rps[$2, $3] = $5; p99[$2, $3] = us($7); cpu[$2, $3] = $9; if ($2 > rounds) rounds = $2 }
        END {
            for (r = 1; r <= rounds; r++) {
                sc[r] = rps[r, "sdk"] / rps[r, "careful"]; sf[r] = rps[r, "sdk"] / rps[r, "floor"]
                pc[r] = p99[r, "sdk"] / p99[r, "careful"]; cc[r] = cpu[r, "sdk"] / cpu[r, "careful"]
            }
            printf "| %s | %d | **%.3f** | **%.3f** | **%.3f** | %.3f |\n", fw, rounds,
                median(sc, rounds), median(sf, rounds), median(pc, rounds), median(cc, rounds) }
    ' "$OUT/by-round"
done
echo "load after: $(cat /proc/loadavg)"

#!/bin/sh
# The bots that keep state, each beside the quick-reply echo (echo-axum), under wrk on loopback,
# every request a message of its own:
#
# - later-memory, later-redis: echo-later, every delivery queued as a job (in memory, in Redis)
#   and acknowledged. With the default ECHO_DELAY_MS (10 minutes) no answer is posted during a
#   run: what is measured is the acknowledgement path (parse, queue, 200) while the queue grows.
# - dialogue-memory, dialogue-redis: dialogue-bot, every message a dialogue step (read the
#   chat's state, write it by compare-and-set, answer with a quick reply), the messages spread
#   over WRK_CHATS chats (1000).
#
#   cargo build --release -p echo-later -p echo-axum -p dialogue-bot
#   sh crates/channeltalk-webhook-bench/scripts/bots-compare.sh [quick later-memory later-redis dialogue-memory dialogue-redis]
#
# Each run starts a fresh server (and, for redis, a fresh redis-server with `appendonly yes`,
# `appendfsync everysec`, `maxmemory-policy noeviction`, as the guide recommends), warms up,
# measures, then sends SIGTERM and times the exit. Printed per run: requests per second, p50 and
# p99 latency, non-2xx answers and socket errors, the server's RSS at the end, the jobs queued
# (Redis: XLEN + ZCARD; memory: the queued gauge) and dropped, and how the server stopped.
#
# Environment: BIN_DIR (target/release), CONNECTIONS (32), DURATION (10s), WARMUP (2s),
# ROUNDS (3), ECHO_DELAY_MS (600000), ECHO_QUEUE_CAPACITY (10000000: nothing dropped),
# WRK_CHATS (1000, for the dialogues), SERVER_CPU (1), LOAD_CPU (0, also redis-server's).
# Needs wrk, curl, taskset and redis-server.
set -eu
BIN_DIR=${BIN_DIR:-target/release}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
export ECHO_DELAY_MS=${ECHO_DELAY_MS:-600000}
export ECHO_QUEUE_CAPACITY=${ECHO_QUEUE_CAPACITY:-10000000}
CHATS=${WRK_CHATS:-1000}
PORT=18485
REDIS_PORT=18486
TOKEN=wrk-token
HERE=$(dirname "$0")
FIXTURE="$HERE/../../channeltalk-webhook/tests/fixtures/message_team_chat_manager.json"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"; redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1 || true' EXIT
export WRK_BODY="$FIXTURE" WRK_TOKEN="$TOKEN"
MODES=${*:-quick later-memory later-redis dialogue-memory dialogue-redis}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/"$1"/status; }

start_redis() {
    redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$OUT/redis" && mkdir -p "$OUT/redis"
    taskset -c "$LOAD_CPU" redis-server --port $REDIS_PORT --bind 127.0.0.1 --dir "$OUT/redis" \
        --save '' --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
        --daemonize yes >/dev/null
    until redis-cli -p $REDIS_PORT ping >/dev/null 2>&1; do sleep 0.1; done
}

start_server() { # MODE
    unset CHANNEL_QUEUE_URL CHANNEL_REDIS_URL || true
    export WRK_CHATS=0
    case "$1" in
        quick) BIN=echo-axum ;;
        later-memory) BIN=echo-later ;;
        later-redis) BIN=echo-later; start_redis; export CHANNEL_QUEUE_URL="redis://127.0.0.1:$REDIS_PORT/" ;;
        dialogue-memory) BIN=dialogue-bot; export WRK_CHATS=$CHATS ;;
        dialogue-redis) BIN=dialogue-bot; start_redis; export WRK_CHATS=$CHATS
            export CHANNEL_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/" ;;
    esac
    CHANNEL_WEBHOOK_TOKEN=$TOKEN PORT=$PORT RUST_LOG=warn \
    CHANNEL_ACCESS_KEY=bench CHANNEL_ACCESS_SECRET=bench CHANNEL_API_BASE_URL=http://127.0.0.1:9 \
        taskset -c "$SERVER_CPU" "$BIN_DIR/$BIN" >"$OUT/server.log" 2>&1 &
    SERVER=$!
    until curl -s -o /dev/null "http://127.0.0.1:$PORT/webhook"; do sleep 0.1; done
}

queued() { # MODE: jobs queued, or chats with a dialogue in Redis
    case "$1" in
        later-redis) echo $(( $(redis-cli -p $REDIS_PORT xlen channeltalk:jobs:stream) \
                       + $(redis-cli -p $REDIS_PORT zcard channeltalk:jobs:delayed) )) ;;
        later-memory) curl -s "http://127.0.0.1:$PORT/metrics" \
                    | awk '$1 == "channeltalk_jobs_queued" {print $2}' ;;
        dialogue-redis) redis-cli -p $REDIS_PORT dbsize ;;
        *) echo - ;;
    esac
}

dropped() {
    curl -s "http://127.0.0.1:$PORT/metrics" 2>/dev/null \
        | awk '$1 == "channeltalk_jobs_total{outcome=\"dropped\"}" {print $2; found = 1} END {if (!found) print 0}'
}

printf '%-15s %5s %10s %9s %9s %7s %7s %7s %9s %8s %s\n' \
    mode round req/s p50 p99 non2xx errors rss_MB queued dropped stop
for round in $(seq "$ROUNDS"); do
    for mode in $MODES; do
        start_server "$mode"
        WRK_RUN="warm-$round-$mode" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" \
            -s "$HERE/unique-message.lua" "http://127.0.0.1:$PORT" >/dev/null
        WRK_RUN="run-$round-$mode" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
            --latency -s "$HERE/unique-message.lua" "http://127.0.0.1:$PORT" >"$OUT/wrk.txt"
        rate=$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk.txt")
        p50=$(awk '$1 == "50%" {print $2}' "$OUT/wrk.txt")
        p99=$(awk '$1 == "99%" {print $2}' "$OUT/wrk.txt")
        non2xx=$(awk '/Non-2xx/ {print $NF} END {}' "$OUT/wrk.txt")
        errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$OUT/wrk.txt")
        rss=$(rss_mb "$SERVER")
        jobs=$(queued "$mode")
        drops=$(dropped)
        started=$(date +%s.%N)
        kill -TERM "$SERVER"
        if wait "$SERVER"; then code=0; else code=$?; fi
        took=$(echo "$(date +%s.%N) - $started" | bc)
        printf '%-15s %5s %10s %9s %9s %7s %7s %7s %9s %8s exit %s in %.1f s\n' \
            "$mode" "$round" "$rate" "$p50" "$p99" "${non2xx:-0}" "${errors:-0}" "$rss" \
            "$jobs" "$drops" "$code" "$took"
    done
done

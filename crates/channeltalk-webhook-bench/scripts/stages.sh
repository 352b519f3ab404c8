#!/bin/sh
# Instructions per request of one server under callgrind, with the documented team-chat
# message sent by wrk (CONNECTIONS, 4 by default), and the inclusive cost per request of each stage of
# the SDK's path (functions matched by name in callgrind_annotate's inclusive listing).
#
#   sh crates/channeltalk-webhook-bench/scripts/stages.sh BINARY [VARIANT]
#
# VARIANT is the hand-written bots' HANDWRITTEN_VARIANT (value, careful, floor). Needs
# valgrind (callgrind_control, callgrind_annotate) and wrk. KEEP=1 keeps the callgrind file;
# SECONDS_MEASURED (10) sets the measured time; VALGRIND_OPTS (e.g. --cache-sim=yes) reaches
# valgrind.
set -eu
BINARY=$1
VARIANT=${2:-value}
SECONDS_MEASURED=${SECONDS_MEASURED:-10}
PORT=18585
TOKEN=callgrind-token
HERE=$(dirname "$0")
FIXTURE="$HERE/../../channeltalk-webhook/tests/fixtures/message_team_chat_manager.json"
OUT=$(mktemp -d)
# Removed however the script ends (also when its output is piped into `head`).
[ -n "${KEEP:-}" ] || trap 'rm -rf "$OUT"' EXIT
export WRK_BODY="$FIXTURE" WRK_TOKEN="$TOKEN"
CHANNEL_WEBHOOK_TOKEN=$TOKEN PORT=$PORT HANDWRITTEN_VARIANT=$VARIANT RUST_LOG=warn \
    valgrind --tool=callgrind --dump-line=no --callgrind-out-file="$OUT/cg.%p" "$BINARY" >"$OUT/log" 2>&1 &
pid=$!
tries=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
    tries=$((tries + 1)); [ $tries -lt 300 ] || { echo "did not start" >&2; kill $pid; exit 1; }
    sleep 0.2
done
wrk -t1 -c4 -d3s -s "$HERE/post-message.lua" "http://127.0.0.1:$PORT" >/dev/null
callgrind_control -z $pid >/dev/null 2>&1
wrk -t1 -c${CONNECTIONS:-4} -d"${SECONDS_MEASURED}s" -s "$HERE/post-message.lua" "http://127.0.0.1:$PORT" >"$OUT/wrk"
callgrind_control -d $pid >/dev/null 2>&1
sleep 1
kill $pid; wait $pid 2>/dev/null || true
# wrk's count includes requests still in flight when it stops; they are few (4 at most).
requests=$(awk '/requests in/ {print $1}' "$OUT/wrk")
file=$(ls "$OUT"/cg.*.1 | head -1)
ir=$(grep -h '^summary:' "$OUT"/cg.*.1 | awk '{s += $2} END {print s}')
echo "$BINARY $VARIANT: $requests requests, $((ir / requests)) instructions per request"
callgrind_annotate --inclusive=yes --threshold=100 "$file" 2>/dev/null >"$OUT/annotate"
for pattern in ${STAGES:-verify_query BodyCollector::read Event::parse is_from_bot skip_reason accept call_guarded echo QuickReply::into_response Reply::into_response drop_in_place.*Event\> careful channeltalk_webhook_bench::handwritten::handle}; do
    grep -E "$pattern" "$OUT/annotate" | grep -v '=>' | head -2 |
        awk -v n="$requests" '{c = $1; gsub(",", "", c); $1 = ""; $2 = ""; $3 = "";
            printf "  %8d  %s\n", c / n, substr($0, 1, 150)}'
done
if [ -n "${KEEP:-}" ]; then echo "kept: $file $OUT/annotate"; fi

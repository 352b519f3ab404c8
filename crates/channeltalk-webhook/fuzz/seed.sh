#!/usr/bin/env sh
# Fills the (gitignored) seed corpora from the core's JSON fixtures. Run from anywhere:
#   crates/channeltalk-webhook/fuzz/seed.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../tests/fixtures"
mkdir -p "$here/corpus/envelope" "$here/corpus/rich_text" "$here/corpus/token_query" "$here/corpus/receiver"

# envelope: the fixtures as they are.
cp "$fixtures"/*.json "$here/corpus/envelope/"

# receiver: a flag byte (bit 0: query present, bit 1: ignore bot messages, bits 2-3: what
# `serve` declares as Content-Length, bits 4-7: `serve`'s chunk size less one), the body limit
# as two little-endian bytes (0x07ff = 2047), the query, a newline, then the body.
for fixture in "$fixtures"/*.json; do
    name=$(basename "$fixture" .json)
    { printf '\363\377\007token=t0k\n'; cat "$fixture"; } > "$here/corpus/receiver/$name"
done
printf '\001\000\001token=t0k&token=t0k\n{}' > "$here/corpus/receiver/repeated-token"
printf '\001\020\000token=t0k\n{"event":"push","type":"message","entity":{}}' > "$here/corpus/receiver/too-large"
printf '\000\000\001\n{}' > "$here/corpus/receiver/no-query"
printf '\065\000\001token=t0k\n{"event":"push"}' > "$here/corpus/receiver/declared-length"
printf '\051\020\000token=t0k\n{}' > "$here/corpus/receiver/declared-over-the-limit"
printf '\075\000\001token=t0k\n{"event":"push"}' > "$here/corpus/receiver/read-error"

# rich_text: first byte odd = markup mode.
printf '\001<b>Hi</b> <link type="manager" value="42">@Ann</link> &lt;3 :+1: ${name|there}' \
    > "$here/corpus/rich_text/markup"
printf '\001<link type="url" value="https://x/?a=1&amp;b=2">the <i>docs</i></link>' \
    > "$here/corpus/rich_text/link"

# token_query: first byte picks the secret (0: "s3cr3t/+=&é", 1: "a b", 2: "x", 3: "tok%en").
printf '\000a=1&token=s3cr3t%%2F%%2B%%3D%%26%%C3%%A9&b=2' > "$here/corpus/token_query/encoded"
printf '\001token=a+b' > "$here/corpus/token_query/plus"
printf '\002token=x&token=x' > "$here/corpus/token_query/repeated"
printf '\003token=tok%%25en' > "$here/corpus/token_query/percent"

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gcurl-get end to end against the test servers: downloads and their
# checksums, exit statuses and error lines, resume, URL lists, existing
# files, --jobs and --limit-rate (as lower bounds on the time taken, which
# a slow machine cannot break), and the terminal and plain displays.
# Run it under gcurl-test-serve:
#
#   gcurl-test-serve test-gcurl-get.sh GCURL-GET

set -u

get=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/gcurl-get-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check () { if eval "$2"; then ok "$1"; else not_ok "$1"; show; fi; }
show () { for f in "$work"/out "$work"/err; do [ -f "$f" ] && sed 's/^/# /' "$f"; done; return 0; }
sha () { sha256sum "$1" | cut -d' ' -f1; }
now_ms () { echo $(( $(date +%s%N) / 1000000 )); }
run () { "$get" "$@" > "$work/out" 2> "$work/err"; status=$?; }

echo "1..43"

# 1. Four downloads from nginx and the SoupServer; plain lines off a terminal.
d="$work/d1"
run -o "$d" "$NGINX_HTTP_URL/1k" "$NGINX_HTTP_URL/100k" "$NGINX_HTTP_URL/1m" "$SOUP_URL/bytes?n=1000"
head -c 1000 "$NGINX_DOCROOT/16m" > "$work/bytes-1000"
check "four downloads, every checksum right, exit 0" \
  '[ $status -eq 0 ] && [ "$(sha "$d/1k")" = "$(sha "$NGINX_DOCROOT/1k")" ] &&
   [ "$(sha "$d/100k")" = "$(sha "$NGINX_DOCROOT/100k")" ] &&
   [ "$(sha "$d/1m")" = "$(sha "$NGINX_DOCROOT/1m")" ] &&
   [ "$(sha "$d/bytes")" = "$(sha "$work/bytes-1000")" ] && [ "$(ls "$d" | wc -l)" -eq 4 ]'
check "plain output: a line per file and a summary, no escape codes, nothing on stderr" \
  '[ "$(grep -c ": done, " "$work/out")" -eq 4 ] && grep -q "^4 downloaded, 0 failed: " "$work/out" &&
   ! grep -q "$(printf "\033")" "$work/out" && [ ! -s "$work/err" ]'

# 2. Failures: one error line per failed URL, the others still downloaded.
d="$work/d2"
run -o "$d" --retry-wait 0.01 "$NGINX_HTTP_URL/100k" "$SOUP_URL/status?code=404" "http://127.0.0.1:1/refused"
check "a 404 and a refused connection (retried 5 times): exit 1, two error lines naming their URLs" \
  '[ $status -eq 1 ] && [ "$(wc -l < "$work/err")" -eq 2 ] &&
   grep -q "^gcurl-get: .*$SOUP_URL/status?code=404.*HTTP 404" "$work/err" &&
   grep -q "^gcurl-get: .*http://127.0.0.1:1/refused" "$work/err" &&
   [ "$(sha "$d/100k")" = "$(sha "$NGINX_DOCROOT/100k")" ] && [ "$(ls "$d")" = "100k" ]'

run
check "no URL: exit 2 with a usage hint" '[ $status -eq 2 ] && grep -q "no URL given" "$work/err"'
run --limit-rate=fast "$NGINX_HTTP_URL/1k"
check "a bad --limit-rate: exit 2" '[ $status -eq 2 ] && grep -q "invalid rate" "$work/err"'
run --no-such-option "$NGINX_HTTP_URL/1k"
check "an unknown option: exit 2" '[ $status -eq 2 ]'
run -s 17 "$NGINX_HTTP_URL/1k"
check "-s 17: exit 2, at most 16" '[ $status -eq 2 ] && grep -q "between 1 and 16" "$work/err"'

# Segments: /rate/ limits each connection to 4 MB/s; -s 8 takes 16 MiB in
# eight ranges, each on a connection of its own (nginx's log says).
d="$work/seg"
run -o "$d" -s 8 "$NGINX_HTTP_URL/rate/16m?tag=cli-s8"
check "-s 8: 16 MiB byte-exact, a probe and eight ranges on eight connections, no part left" \
  '[ $status -eq 0 ] && cmp -s "$d/16m" "$NGINX_DOCROOT/16m" && [ "$(ls "$d")" = "16m" ] &&
   [ "$(grep -c "cli-s8" "$NGINX_RANGES_LOG")" -ge 9 ] &&
   [ "$(grep "cli-s8" "$NGINX_RANGES_LOG" | tail -n +2 | cut -d" " -f1 | sort -u | wc -l)" -ge 8 ] &&
   ! grep "cli-s8" "$NGINX_RANGES_LOG" | grep -qv " 206 "'

# 3. Resume: a connection dropped at 700,000 of 2,000,000 bytes leaves a
# .part; --resume continues it. The kept part is marked (its first byte
# changed) to show it was continued, not downloaded again.
d="$work/d3"
run -o "$d" --retries 0 "$SOUP_URL/drop?n=2000000&after=700000"
check "a dropped connection, --retries 0: exit 1, the partial file kept as drop.part, no drop" \
  '[ $status -eq 1 ] && [ "$(stat -c %s "$d/drop.part")" -eq 700000 ] && [ ! -e "$d/drop" ]'
printf 'X' | dd of="$d/drop.part" bs=1 count=1 conv=notrunc 2>/dev/null
run -o "$d" --resume "$SOUP_URL/drop?n=2000000&after=700000"
head -c 2000000 "$NGINX_DOCROOT/16m" | { printf 'X'; tail -c +2; } > "$work/expected-drop"
check "--resume continues the partial file with the missing 1,300,000 bytes, and counts only those" \
  '[ $status -eq 0 ] && [ "$(sha "$d/drop")" = "$(sha "$work/expected-drop")" ] && [ ! -e "$d/drop.part" ] &&
   grep -q "^1 downloaded, 0 failed: 1\.3.*MB in " "$work/out"'

# 4. Existing files: refused, replaced with --overwrite, skipped with --resume.
# A dropped connection is retried by default, from where it stopped.
run -o "$d" --retry-wait 0.01 "$SOUP_URL/drop?n=300000&after=100000&retried"
head -c 300000 "$NGINX_DOCROOT/16m" > "$work/expected-retried"
check "a dropped connection is retried, from where it stopped: exit 0, the whole file" \
  '[ $status -eq 0 ] && cmp -s "$d/drop (1)" "$work/expected-retried" && grep -q "^drop (1): done" "$work/out"'

echo "keep me" > "$d/1k"
run -o "$d" --no-content-disposition "$NGINX_HTTP_URL/1k"
check "--no-content-disposition: an existing file is left alone: exit 1" \
  '[ $status -eq 1 ] && [ "$(cat "$d/1k")" = "keep me" ] && grep -q "1k" "$work/err"'
run -o "$d" "$NGINX_HTTP_URL/1k"
check "by default an existing file is kept, and the new one numbered: 1k (1)" \
  '[ $status -eq 0 ] && [ "$(cat "$d/1k")" = "keep me" ] && [ "$(sha "$d/1k (1)")" = "$(sha "$NGINX_DOCROOT/1k")" ]'
run -o "$d" --resume "$NGINX_HTTP_URL/1k"
check "--resume skips a file already there, counted as skipped" \
  '[ $status -eq 0 ] && [ "$(cat "$d/1k")" = "keep me" ] && grep -q "already there" "$work/out" &&
   grep -q "^0 downloaded, 1 skipped, 0 failed: 0 bytes in " "$work/out"'
run -o "$d" --overwrite "$NGINX_HTTP_URL/1k"
check "--overwrite replaces it" '[ $status -eq 0 ] && [ "$(sha "$d/1k")" = "$(sha "$NGINX_DOCROOT/1k")" ]'

# 5. A URL list: comments and blank lines skipped, a bad line reported by
# number, the rest downloaded.
d="$work/d5"
printf '# my list\n\n  %s  \nftp://127.0.0.1/x\n%s\n' "$NGINX_HTTP_URL/1k" "$NGINX_HTTP_URL/100k" > "$work/list"
run -o "$d" -i "$work/list"
check "-i FILE: the good lines downloaded, line 4 reported, exit 1" \
  '[ $status -eq 1 ] && grep -q "line 4: not an http:// or https:// URL: ftp://127.0.0.1/x" "$work/err" &&
   [ "$(sha "$d/1k")" = "$(sha "$NGINX_DOCROOT/1k")" ] && [ "$(sha "$d/100k")" = "$(sha "$NGINX_DOCROOT/100k")" ]'

# 6. --jobs and --limit-rate bound the time from below. nginx's /slow/ sends
# 40 KiB/s per connection, with a second's worth at once (nginx's
# limit_rate counts from one second before the start): a 100 KiB file takes
# at least 1.5 s, so four, two at a time, take two rounds, 3 s or more (all
# four at once would take about 2 s).
d="$work/d6"
start=$(now_ms)
run -o "$d" -j 2 "$NGINX_HTTP_URL/slow/100k?a" "$NGINX_HTTP_URL/slow/100k?b" \
  "$NGINX_HTTP_URL/slow/100k?c" "$NGINX_HTTP_URL/slow/100k?d"
took=$(( $(now_ms) - start ))
check "-j 2: four slow files in two rounds ($took ms >= 3000)" \
  '[ $status -eq 0 ] && [ $took -ge 3000 ] && [ "$(ls "$d" | wc -l)" -eq 4 ]'

# 16 MiB at 4 MiB/s: at least 3.6 s even after libcurl's first burst
# (up to about 1.6 MB).
d="$work/d7"
start=$(now_ms)
run -o "$d" --limit-rate 4M "$NGINX_HTTP_URL/16m"
took=$(( $(now_ms) - start ))
check "--limit-rate 4M: 16 MiB in $took ms (>= 3000), checksum right" \
  '[ $status -eq 0 ] && [ $took -ge 3000 ] && [ "$(sha "$d/16m")" = "$(sha "$NGINX_DOCROOT/16m")" ]'

# 7. Hostile servers and names (doc/design.md, "The download folder",
# "Messages").
d="$work/d9"
mkdir -p "$d"
run -o "$d" --max-filesize 1M "$SOUP_URL/gzipbomb?n=67108864"
big=$(find "$d" -type f -size +1024k | wc -l)
check "--max-filesize 1M against a 64 MiB gzip bomb: nothing over 1 MiB written (exit $status)" \
  '[ $big -eq 0 ]'
run --max-filesize=huge "$NGINX_HTTP_URL/1k"
check "a bad --max-filesize: exit 2" '[ $status -eq 2 ] && grep -q "invalid size" "$work/err"'

secret_url=$(echo "$SOUP_URL" | sed 's|http://|http://user:s3cret@|')
run -o "$work/d10" "$secret_url/status?code=404"
check "a password in the URL is never printed" \
  '[ $status -eq 1 ] && ! grep -q s3cret "$work/out" "$work/err" && grep -q "\*\*\*@" "$work/err"'

head_esc='HTTP/1.1%20404%20%1B%5D0%3Bpwned%07Gone%0D%0AContent-Length%3A%200%0D%0A%0D%0A'
run -o "$work/d11" "$SOUP_URL/raw?head=$head_esc"
check "control bytes from the server never reach the terminal" \
  '[ $status -eq 1 ] && ! grep -q "$(printf "\033")" "$work/err" && ! grep -q "$(printf "\007")" "$work/err" &&
   grep -q "x1b]0;pwned" "$work/err"'

d="$work/d12"
mkdir -p "$d"
printf 'stale' > "$d/bytes.part"
run -o "$d" --no-content-disposition "$SOUP_URL/bytes?n=3000"
check "an old .part is replaced, not appended to; no hidden file left" \
  '[ $status -eq 0 ] && [ "$(wc -c < "$d/bytes")" -eq 3000 ] && [ ! -e "$d/bytes.part" ] &&
   [ "$(find "$d" -name ".*" | wc -l)" -eq 0 ]'
printf 'stale' > "$d/bytes.part"
rm -f "$d/bytes"
run -o "$d" "$SOUP_URL/bytes?n=3000"
check "by default another's .part is not touched: the file is bytes (1)" \
  '[ $status -eq 0 ] && [ "$(cat "$d/bytes.part")" = "stale" ] && [ "$(wc -c < "$d/bytes (1)")" -eq 3000 ]'

# 10. The server's name (issue: Content-Disposition ignored) and checksums.
d="$work/d15"
cd_url="$SOUP_URL/bytes?n=2000&cd=attachment%3B%20filename%3D%22from-header.bin%22"
run -o "$d" "$cd_url"
check "the server's name by default: from-header.bin" \
  '[ $status -eq 0 ] && [ "$(ls "$d")" = "from-header.bin" ] && grep -q "^from-header.bin: done" "$work/out"'
run -o "$d" --no-content-disposition "$cd_url"
check "--no-content-disposition: the URL's name" '[ $status -eq 0 ] && [ -f "$d/bytes" ]'
sum=$(sha "$NGINX_DOCROOT/100k")
run -o "$d" --checksum "sha256=$sum" "$NGINX_HTTP_URL/100k"
check "--checksum that matches: done, sha256 verified" \
  '[ $status -eq 0 ] && grep -q "^100k: done, .*, sha256 verified" "$work/out"'
run -o "$d" --checksum "sha256=$sum" "$NGINX_HTTP_URL/1k"
check "--checksum that does not: exit 1, both digests named, no file but the part" \
  '[ $status -eq 1 ] && grep -q "$sum" "$work/err" && grep -q "$(sha "$NGINX_DOCROOT/1k")" "$work/err" &&
   [ ! -e "$d/1k" ] && [ -f "$d/1k.part" ]'
run -o "$d" --checksum "sha256=$sum" "$NGINX_HTTP_URL/1k" "$NGINX_HTTP_URL/100k"
check "--checksum with two URLs: exit 2" '[ $status -eq 2 ] && grep -q "one URL" "$work/err"'
run -o "$d" --checksum "sha256=$(printf '\033')[2Jabc" "$NGINX_HTTP_URL/1k"
check "a malformed --checksum: exit 2 before any request, no escape echoed" \
  '[ $status -eq 2 ] && grep -q "ALGO=HEX" "$work/err" && ! grep -q "$(printf "\033")" "$work/err" &&
   [ ! -e "$d/1k" ]'

# 10b. Mirrors and Metalink (RFC 5854): a mirror that fails is dropped,
# named on stderr, and the file comes from the others.
d="$work/d16"
run -o "$d" -s 4 --mirror "$NGINX_HTTP_URL/16m" "http://127.0.0.1:1/16m"
check "--mirror: the URL refuses, the mirror serves: 16 MiB byte-exact, the drop named once" \
  '[ $status -eq 0 ] && [ "$(sha "$d/16m")" = "$(sha "$NGINX_DOCROOT/16m")" ] &&
   [ "$(grep -c "dropped a mirror: .*127.0.0.1:1/16m" "$work/err")" -eq 1 ] && [ "$(ls "$d")" = "16m" ]'
run -o "$d" --mirror "$NGINX_HTTP_URL/1k" "$NGINX_HTTP_URL/1k" "$NGINX_HTTP_URL/100k"
check "--mirror with two URLs: exit 2" '[ $status -eq 2 ] && grep -q "one URL" "$work/err"'
sum16=$(sha "$NGINX_DOCROOT/16m")
cat > "$work/good.meta4" <<META
<?xml version="1.0" encoding="UTF-8"?>
<metalink xmlns="urn:ietf:params:xml:ns:metalink">
  <file name="dir/from-metalink.bin">
    <size>16777216</size>
    <hash type="md5">00000000000000000000000000000000</hash>
    <hash type="sha-256">$sum16</hash>
    <url priority="1">http://127.0.0.1:1/16m</url>
    <url priority="3">$SOUP_URL/status?code=404</url>
    <url priority="2">$NGINX_HTTP_URL/16m</url>
    <url priority="1">file:///etc/passwd</url>
  </file>
  <file name="second.bin">
    <url>$NGINX_HTTP_URL/100k</url>
  </file>
</metalink>
META
d="$work/d17"
run -o "$d" -s 4 --metalink "$work/good.meta4"
check "--metalink: two files under its names, the first verified by its SHA-256 over the mirrors left" \
  '[ $status -eq 0 ] && [ "$(sha "$d/from-metalink.bin")" = "$sum16" ] &&
   [ "$(sha "$d/second.bin")" = "$(sha "$NGINX_DOCROOT/100k")" ] &&
   grep -q "^from-metalink.bin: done, .*, sha256 verified" "$work/out" &&
   grep -q "dropped a mirror: .*127.0.0.1:1/16m" "$work/err" && [ "$(ls "$d" | wc -l)" -eq 2 ]'
sed -e "s/$sum16/$(sha "$NGINX_DOCROOT/1m")/" "$work/good.meta4" > "$work/bad.meta4"
d="$work/d18"
run -o "$d" --metalink "$work/bad.meta4"
check "--metalink with a wrong hash: exit 1, the mismatch named, the data kept as a part only" \
  '[ $status -eq 1 ] && grep -q "$sum16" "$work/err" && [ ! -e "$d/from-metalink.bin" ] &&
   [ -f "$d/from-metalink.bin.part" ]'
printf '<metalink xmlns="urn:ietf:params:xml:ns:metalink"><file name="..\033[2J"><url>%s</url></file></metalink>' \
  "$NGINX_HTTP_URL/1k" > "$work/hostile.meta4"
run -o "$d" --metalink "$work/hostile.meta4"
check "--metalink naming a hidden file with escapes: exit 1, nothing fetched, no escape echoed" \
  '[ $status -eq 1 ] && grep -q "not a plain file name" "$work/err" &&
   ! grep -q "$(printf "\033")" "$work/err" && [ ! -e "$d/1k" ]'
printf '<metalink xmlns="http://www.metalinker.org/" version="3.0"/>' > "$work/v3.meta4"
run -o "$d" --metalink "$work/v3.meta4"
check "a Metalink v3 document: exit 1, said so" '[ $status -eq 1 ] && grep -q "not a Metalink v4" "$work/err"'

# 9. The list is read as the downloads need it: from a pipe that stays
# open, the first URL is downloaded before the second line is written;
# a list of 64 MiB takes no more memory than one of a line.
d="$work/d13"
mkfifo "$work/fifo"
"$get" -o "$d" -i - < "$work/fifo" > "$work/out" 2> "$work/err" &
pid=$!
exec 3> "$work/fifo"
printf '%s\n' "$NGINX_HTTP_URL/1k" >&3
waited=0
while [ ! -e "$d/1k" ] && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
check "-i -: the first URL is downloaded while the pipe is still open" '[ -e "$d/1k" ] && kill -0 $pid'
printf '%s\nftp://127.0.0.1/no\n' "$NGINX_HTTP_URL/100k" >&3
exec 3>&-
wait $pid
status=$?
check "-i -: then the rest, a bad line reported by number, exit 1" \
  '[ $status -eq 1 ] && [ "$(sha "$d/1k")" = "$(sha "$NGINX_DOCROOT/1k")" ] &&
   [ "$(sha "$d/100k")" = "$(sha "$NGINX_DOCROOT/100k")" ] &&
   grep -q "^gcurl-get: -: line 3: not an http:// or https:// URL: ftp://127.0.0.1/no" "$work/err"'

# Peak RSS (KiB) of gcurl-get on a list; ASan keeps freed memory in a
# quarantine, which would count every line read: keep it small.
peak_rss () {
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" /usr/bin/python3 -c '
import resource, subprocess, sys
status = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, status)
' "$get" -q -o "$work/d14" --overwrite -i "$1" > "$work/rss" 2> "$work/err"
  read rss status < "$work/rss"
}
printf '%s\n' "$NGINX_HTTP_URL/1k" > "$work/small-list"
peak_rss "$work/small-list"
small=$rss
/usr/bin/python3 -c '
import sys
url = sys.argv[1] + "\n"
with open(sys.argv[2], "w") as f:
    f.write(url)
    line = "# " + "x" * 61 + "\n"
    for i in range(1 << 20):
        f.write(line if i % 1024 else url)
' "$NGINX_HTTP_URL/1k" "$work/big-list"
peak_rss "$work/big-list"
big=$rss
rm -f "$work/big-list"
check "a 64 MiB list (1,048,576 lines): peak RSS $big KiB against $small KiB for one line (< +16 MiB)" \
  '[ $status -eq 0 ] && [ $((big - small)) -lt 16384 ] && [ "$(sha "$work/d14/1k")" = "$(sha "$NGINX_DOCROOT/1k")" ]'

: > "$work/empty-list"
run -i "$work/empty-list"
check "an empty list and no URL: exit 2" '[ $status -eq 2 ] && grep -q "no URL given" "$work/err"'

# 8. On a terminal (script(1) gives it one): a live line per running
# download and a total line, redrawn in place.
d="$work/d8"
TERM=xterm script -qec "\"$get\" -o \"$d\" \"$NGINX_HTTP_URL/slow/100k\"" /dev/null > "$work/out" 2> "$work/err"
status=$?
check "terminal display: live lines with a percentage and a total line, then the summary" \
  '[ $status -eq 0 ] && grep -q "$(printf "\033")\[K" "$work/out" &&
   grep -aq "100k  *[0-9]*%.* of .* left" "$work/out" && grep -aq "1 running, 0 queued, 0 done, 0 failed" "$work/out" &&
   grep -aq "1 downloaded, 0 failed" "$work/out" && [ "$(sha "$d/100k")" = "$(sha "$NGINX_DOCROOT/100k")" ]'

# 11. A small terminal (tmux, 40 columns by 8 rows): more downloads than
# rows, and one whose name is double-width characters. The frame never
# takes a line that wraps nor more rows than there are, and once done
# nothing of it is left on the screen or in the scrollback.
if command -v tmux > /dev/null; then
  d="$work/d16"
  sock="$work/tmux.sock"
  wide=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("attachment; filename*=UTF-8'"''"'" + urllib.parse.quote("日本語のとても長いファイル名です.bin")))')
  urls="\"$SOUP_URL/trickle?n=200000&chunk=20000&interval=150&cd=$wide\""
  for i in 1 2 3 4 5 6 7 8 9 10 11; do urls="$urls \"$NGINX_HTTP_URL/slow/100k?$i\""; done
  tmux -S "$sock" -f /dev/null new-session -d -x 40 -y 8 \
    "TERM=xterm \"$get\" -o \"$d\" -j 12 $urls; echo EXIT=\$?; sleep 60"
  sleep 0.8
  tmux -S "$sock" capture-pane -p > "$work/mid"
  waited=0
  until tmux -S "$sock" capture-pane -p | grep -q "^EXIT=" || [ $waited -ge 300 ]; do
    sleep 0.1; waited=$((waited + 1)); done
  tmux -S "$sock" capture-pane -p -J -S - -E - > "$work/final"
  tmux -S "$sock" kill-server 2> /dev/null
  cells () {
    /usr/bin/python3 -c '
import sys, unicodedata
w = max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line.rstrip("\n"))
         for line in open(sys.argv[1], encoding="utf-8", errors="replace")), default=0)
print(w)' "$1"
  }
  check "a 40x8 terminal: while running, 8 rows, \"and N more\", no line of 40 cells ($(cells "$work/mid") at most)" \
    '[ "$(wc -l < "$work/mid")" -le 8 ] && grep -q "… and [0-9]* more" "$work/mid" &&
     grep -q " running, " "$work/mid" && [ "$(cells "$work/mid")" -lt 40 ]'
  check "then: 12 done lines, the summary, no stale frame in the scrollback, the wide name saved" \
    'grep -q "^EXIT=0" "$work/final" && [ "$(grep -c ": done, " "$work/final")" -eq 12 ] &&
     grep -q "^12 downloaded, 0 failed" "$work/final" && ! grep -q " running, " "$work/final" &&
     ! grep -q " left$" "$work/final" && [ -f "$d/日本語のとても長いファイル名です.bin" ]'
else
  for i in 1 2; do n=$((n + 1)); echo "ok $n # SKIP tmux is not installed"; done
fi

exit $failed

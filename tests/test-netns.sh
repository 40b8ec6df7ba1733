#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Network faults for real: a network namespace of the test's own whose
# loopback is shaped with tbf like a real link (this kernel has no netem:
# MTU 1500, 50 Mbit/s, a burst of a few packets and a short queue, so that
# packets are really delayed and dropped), nginx and gcurl-get inside it:
#
#   1. 200 files of 1 MiB, 20 at a time, every SHA-256 right;
#   2. the link cut (ip link set lo down) in the middle of a 16 MiB
#      download: it must fail with a timeout in bounded time, not hang.
#
# Skipped, with the reason, where namespaces cannot be made.
#
#   test-netns.sh GCURL-TEST-SERVE GCURL-GET

set -u

serve=$1
get=$2
ns="gcurl-test-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/gcurl-netns-XXXXXX")

cleanup () {
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 || ! command -v tc >/dev/null 2>&1; then
  echo "1..0 # SKIP needs root, ip and tc (iproute2) to make a network namespace"
  exit 0
fi
if ! ip netns add "$ns" 2>"$work/err"; then
  echo "1..0 # SKIP network namespaces are not permitted here: $(cat "$work/err")"
  exit 0
fi

in_ns () { ip netns exec "$ns" "$@"; }
failed=0

echo "1..3"

in_ns ip link set lo up &&
in_ns ip link set lo mtu 1500 &&
in_ns tc qdisc add dev lo root tbf rate 50mbit burst 6kb latency 20ms
if [ $? -ne 0 ]; then
  echo "not ok 1 - shaping the namespace's loopback"
  exit 1
fi
echo "ok 1 - namespace $ns: loopback at 50 Mbit/s, MTU 1500, tbf burst 6 KiB, 20 ms queue"

# 1. 200 files of 1 MiB through the shaped link.
urls=""
i=0
while [ $i -lt 200 ]; do
  urls="$urls \$NGINX_HTTP_URL/1m?n=$i"
  i=$((i + 1))
done
start=$(date +%s)
in_ns "$serve" sh -c "\"$get\" -q -j 20 --stall-timeout 20 -o \"$work/200\" $urls; echo \$? > \"$work/status\"; \
  sha256sum \"\$NGINX_DOCROOT/1m\" | cut -d' ' -f1 > \"$work/expected\"" > "$work/out" 2>&1
took=$(( $(date +%s) - start ))
expected=$(cat "$work/expected" 2>/dev/null)
right=$(cd "$work/200" 2>/dev/null && sha256sum * | awk -v e="$expected" '$1 == e' | wc -l)
dropped=$(in_ns tc -s qdisc show dev lo | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -n 1)
if [ "$(cat "$work/status" 2>/dev/null)" = 0 ] && [ "$right" -eq 200 ] && [ -n "$expected" ]; then
  echo "ok 2 - 200 files of 1 MiB in ${took} s, every SHA-256 right; the link dropped ${dropped:-?} packets"
else
  failed=1
  echo "not ok 2 - $right of 200 files right (status $(cat "$work/status" 2>/dev/null)) in ${took} s"
  sed 's/^/# /' "$work/out" | tail -n 20
fi

# 2. The link cut in the middle of a download: a timeout error, soon,
# after one retry (3 s, half a second or so, 3 s; the default 5 with
# their back-off would take a minute).
in_ns "$serve" sh -c "\"$get\" --stall-timeout 3 --retries 1 --retry-wait 0.5 -o \"$work/cut\" --limit-rate 2M \"\$NGINX_HTTP_URL/16m\" \
  > \"$work/cut.out\" 2> \"$work/cut.err\"; echo \$? > \"$work/cut.status\"" &
runner=$!
# Wait for the download to be under way, then take the link down.
i=0
while [ $i -lt 100 ] && [ ! -s "$work/cut/16m.part" ]; do
  sleep 0.1
  i=$((i + 1))
done
sleep 0.5
cut_at=$(date +%s)
in_ns ip link set lo down
i=0
while kill -0 $runner 2>/dev/null && [ $i -lt 300 ]; do
  sleep 0.1
  i=$((i + 1))
done
took=$(( $(date +%s) - cut_at ))
if kill -0 $runner 2>/dev/null; then
  failed=1
  echo "not ok 3 - still running 30 s after the link went down: a hang"
  kill $runner 2>/dev/null
elif [ "$(cat "$work/cut.status")" = 1 ] && grep -qi "timed out\|too slow\|timeout was reached" "$work/cut.err" &&
     [ ! -e "$work/cut/16m" ]; then
  echo "ok 3 - link cut: a timeout error ${took} s later, no file under the final name: $(head -n 1 "$work/cut.err")"
else
  failed=1
  echo "not ok 3 - link cut: status $(cat "$work/cut.status" 2>/dev/null), after ${took} s"
  sed 's/^/# /' "$work/cut.err"
fi
exit $failed

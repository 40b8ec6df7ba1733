#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Quick W1 (doc/performance.md, Workloads): COUNT GETs of a 1 KiB file at 50 concurrent from
# nginx on loopback, alternating the raw C API (examples/fetch-many, both
# backends), the GCurlTransfer API (bench/transfer-many, epoll) and a plain
# curl_multi_perform + curl_multi_poll loop, RUNS times each. Prints each run and the median CPU ratios. Every run checks
# the byte total. Not the full benchmark (issue: bench/).
#
#   quick-w1.sh BUILDDIR [COUNT] [RUNS]
#   (needs nginx: run under tests/gcurl-test-serve, or via `make quick-bench`)

set -eu

build=$1
count=${2:-20000}
runs=${3:-5}
url="$NGINX_HTTP_URL/1k"
expected="$count transfers, $((count * 1024)) bytes, 0 failed"

cpu_of () {
  out=$("$@")
  case "$out" in
    "$expected"*) ;;
    *) echo "run failed: $out" >&2; exit 1 ;;
  esac
  echo "$out" | sed -n 's/.*wall, \([0-9.]*\) s CPU/\1/p'
}

median () { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: > /tmp/gcurl-w1.$$
for i in $(seq "$runs"); do
  p=$(cpu_of "$build/bench/bench-poll-loop" -n "$count" -c 50 -s 1024 "$url")
  e=$(GCURL_BACKEND=epoll cpu_of "$build/examples/fetch-many" -n "$count" -c 50 -s 1024 "$url")
  c=$(GCURL_BACKEND=iochannel cpu_of "$build/examples/fetch-many" -n "$count" -c 50 -s 1024 "$url")
  t=$(GCURL_BACKEND=epoll cpu_of "$build/bench/bench-transfer-many" -n "$count" -c 50 -s 1024 "$url")
  echo "run $i: poll-loop $p s, gcurl epoll $e s, gcurl iochannel $c s, GCurlTransfer $t s"
  echo "$p $e $c $t" >> /tmp/gcurl-w1.$$
done

pm=$(cut -d' ' -f1 /tmp/gcurl-w1.$$ | median)
em=$(cut -d' ' -f2 /tmp/gcurl-w1.$$ | median)
cm=$(cut -d' ' -f3 /tmp/gcurl-w1.$$ | median)
tm=$(cut -d' ' -f4 /tmp/gcurl-w1.$$ | median)
rm -f /tmp/gcurl-w1.$$
ratio () { echo "$1 $2" | awk '{printf "%.2f", $1/$2}'; }
echo "median CPU: poll-loop $pm s, epoll $em s ($(ratio "$em" "$pm")x), iochannel $cm s ($(ratio "$cm" "$pm")x), GCurlTransfer $tm s ($(ratio "$tm" "$pm")x)"

#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the GCurlTransfer examples, in C and in Python, against the test
# servers and checks what they print and write against the served files.
# Run it under gcurl-test-serve:
#
#   gcurl-test-serve test-examples.sh BUILDDIR SRCDIR PYTHON

set -u

builddir=$1
srcdir=$2
python=$3
ex="$builddir/examples"
pyex="$srcdir/examples"
export GI_TYPELIB_PATH="$builddir/gcurlmulti${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$builddir/gcurlmulti${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The override in place, as an installation has it (PyGObject looks in
# every gi/overrides on sys.path).
export PYTHONPATH="$srcdir/python${PYTHONPATH:+:$PYTHONPATH}"

work=$(mktemp -d "${TMPDIR:-/tmp}/gcurl-examples-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
failed=0
sha () { sha256sum "$1" | cut -d' ' -f1; }

echo "1..32"

for lang in c python; do
  if [ "$lang" = c ]; then
    fetch="$ex/fetch"; download="$ex/download"; cancel="$ex/cancel"
  else
    fetch="$python $pyex/fetch.py"; download="$python $pyex/download.py"
    cancel="$python $pyex/cancel.py"
  fi

  # fetch: the body's SHA-256, and a clear error with exit status 1.
  out=$($fetch "$NGINX_HTTP_URL/1m")
  if [ "$out" = "1048576 bytes, sha256 $(sha "$NGINX_DOCROOT/1m")" ]; then
    ok "$lang fetch: $out"
  else
    not_ok "$lang fetch printed: $out"
  fi
  err=$($fetch "$SOUP_URL/status?code=404" 2>&1 >/dev/null); status=$?
  case "$status:$err" in
    "1:fetch: Transfer of $SOUP_URL/status?code=404 failed: HTTP 404"*) ok "$lang fetch 404: $err" ;;
    *) not_ok "$lang fetch 404: status $status, $err" ;;
  esac

  # download: four files in parallel with progress lines, each checked;
  # two suggest the same name (the second, slow one becomes 100k-2).
  dir="$work/$lang"
  mkdir -p "$dir"
  $download "$dir" "$NGINX_HTTP_URL/16m" "$NGINX_HTTP_URL/100k" "$SOUP_URL/bytes?n=1000" \
    "$NGINX_HTTP_URL/slow/100k" > "$work/$lang.out"; status=$?
  head -c 1000 "$NGINX_DOCROOT/16m" > "$work/bytes-1000"
  if [ $status -eq 0 ] &&
     [ "$(sha "$dir/16m")" = "$(sha "$NGINX_DOCROOT/16m")" ] &&
     [ "$(sha "$dir/100k")" = "$(sha "$NGINX_DOCROOT/100k")" ] &&
     [ "$(sha "$dir/100k-2")" = "$(sha "$NGINX_DOCROOT/100k")" ] &&
     [ "$(sha "$dir/bytes")" = "$(sha "$work/bytes-1000")" ] &&
     grep -q "^16m: 16777216 of 16777216 bytes (100%)$" "$work/$lang.out" &&
     grep -q "^$dir/16m: done, sha256 $(sha "$NGINX_DOCROOT/16m")$" "$work/$lang.out" &&
     [ "$(ls "$dir" | wc -l)" -eq 4 ]; then
    ok "$lang download: 4 files, $(wc -l < "$work/$lang.out") lines of output"
  else
    not_ok "$lang download (status $status):"
    sed 's/^/# /' "$work/$lang.out"
    ls -l "$dir" | sed 's/^/# /'
  fi

  # cancel: a slow body, cancelled after 200 ms.
  out=$($cancel "$SOUP_URL/trickle?n=1000000&chunk=1000&interval=10" 200); status=$?
  case "$status:$out" in
    "0:cancelled after "*" bytes") ok "$lang cancel: $out" ;;
    *) not_ok "$lang cancel: status $status, $out" ;;
  esac
done

# await (PyGObject 3.50 and later, where gi.events exists).
if $python -c "import gi.events" 2>/dev/null; then
  out=$(timeout 60 $python "$pyex/fetch-await.py" "$NGINX_HTTP_URL/1m" "$NGINX_HTTP_URL/100k")
  want="1048576 bytes, sha256 $(sha "$NGINX_DOCROOT/1m")
102400 bytes, sha256 $(sha "$NGINX_DOCROOT/100k")"
  if [ "$out" = "$want" ]; then
    ok "python fetch-await: two bodies in order"
  else
    not_ok "python fetch-await printed: $out"
  fi
  err=$(timeout 60 $python "$pyex/fetch-await.py" "$NGINX_HTTP_URL/1k" "$SOUP_URL/status?code=404" 2>&1 >/dev/null); status=$?
  case "$status:$err" in
    "1:fetch-await: Transfer of $SOUP_URL/status?code=404 failed: HTTP 404"*) ok "python fetch-await 404: $err" ;;
    *) not_ok "python fetch-await 404: status $status, $err" ;;
  esac
else
  n=$((n + 2))
  echo "ok $((n - 1)) # SKIP fetch-await.py: this PyGObject has no gi.events (3.50 and later)"
  echo "ok $n # SKIP fetch-await.py: this PyGObject has no gi.events (3.50 and later)"
fi

# A proxy for the client: tinyproxy on loopback, on a port free when
# picked (tried again if it was taken meanwhile).
tinyproxy_port=""
for attempt in 1 2 3 4 5; do
  port=$($python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'Port %s\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\nLogLevel Warning\n' "$port" > "$work/tinyproxy.conf"
  tinyproxy -d -c "$work/tinyproxy.conf" >/dev/null 2>&1 &
  tinyproxy_pid=$!
  for i in $(seq 100); do
    if $python -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $port)))" 2>/dev/null; then
      tinyproxy_port=$port; break
    fi
    kill -0 $tinyproxy_pid 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$tinyproxy_port" ] && break
  kill $tinyproxy_pid 2>/dev/null
done
trap 'kill $tinyproxy_pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM

# client: credentials, decoding, a cookie jar and a proxy, in Python and in
# Vala (where it is built), with the same output.
client_checks () {
  lang=$1; shift
  port=${NGINX_HTTP_URL##*:}
  out=$(GCURL_PASSWORD=$TEST_AUTH_PASSWORD "$@" --user "$TEST_AUTH_USER" "$NGINX_HTTP_URL/private/100k")
  if [ "$out" = "200 HTTP/1.1 127.0.0.1:$port 102400 bytes (102400 on the wire)
0 cookies" ]; then ok "$lang client with a password: $(echo $out)"; else not_ok "$lang client with a password printed: $out"; fi
  gz=$(stat -c %s "$NGINX_DOCROOT/enc/text.gz")
  out=$("$@" "$NGINX_HTTP_URL/enc/text.gz" | head -1)
  if [ "$out" = "200 HTTP/1.1 127.0.0.1:$port 1048576 bytes ($gz on the wire)" ]; then
    ok "$lang client decodes: $out"; else not_ok "$lang client decoding printed: $out"; fi
  jar="$work/$lang-jar"
  out=$("$@" --jar "$jar" "$SOUP_URL/echo?set-cookie=a%3D1%3B%20Max-Age%3D60" "$SOUP_URL/echo" | tail -1)
  if [ "$out" = "1 cookies" ] && grep -q "	a	1\$" "$jar"; then
    ok "$lang client keeps cookies in $jar"; else not_ok "$lang client cookies: $out, $(cat "$jar" 2>&1)"; fi
  err=$(GCURL_PASSWORD=wrong-pw "$@" --user "$TEST_AUTH_USER" "$NGINX_HTTP_URL/private/1k" 2>&1 >/dev/null); status=$?
  case "$status:$err" in
    "1:client: Transfer of $NGINX_HTTP_URL/private/1k failed: HTTP 401"*)
      case "$err" in *wrong-pw*) not_ok "$lang client shows the password: $err" ;; *) ok "$lang client 401: $err" ;; esac ;;
    *) not_ok "$lang client 401: status $status, $err" ;;
  esac
  # Through the proxy: the connection is to tinyproxy's port.
  out=$("$@" --proxy "http://127.0.0.1:$tinyproxy_port" "$NGINX_HTTP_URL/1k" | head -1)
  if [ -n "$tinyproxy_port" ] && [ "$out" = "200 HTTP/1.1 127.0.0.1:$tinyproxy_port 1024 bytes (1024 on the wire)" ]; then
    ok "$lang client through a proxy: $out"; else not_ok "$lang client proxy (port $tinyproxy_port): $out"; fi
  # and the desktop's proxy, here glib-networking's libproxy reading
  # http_proxy, with --proxy "" going direct.
  out=$(http_proxy="http://127.0.0.1:$tinyproxy_port" GIO_USE_PROXY_RESOLVER=libproxy "$@" "$NGINX_HTTP_URL/1k" | head -1)
  direct=$(http_proxy="http://127.0.0.1:$tinyproxy_port" GIO_USE_PROXY_RESOLVER=libproxy "$@" --proxy "" "$NGINX_HTTP_URL/1k" | head -1)
  if [ "$out" = "200 HTTP/1.1 127.0.0.1:$tinyproxy_port 1024 bytes (1024 on the wire)" ] &&
     [ "$direct" = "200 HTTP/1.1 127.0.0.1:$port 1024 bytes (1024 on the wire)" ]; then
    ok "$lang client follows the desktop's proxy: $out; direct: $direct"
  else not_ok "$lang client desktop proxy: $out; direct: $direct"; fi
}
client_checks python $python "$pyex/client.py"
# and a form, streamed from a file, as the server parsed it.
head -c 300000 "$NGINX_DOCROOT/1m" > "$work/upload.bin"
printf 'title\t-\t-\t5\t%s\ndata\tupload.bin\tapplication/octet-stream\t300000\t%s\n' \
  "$(printf hello | sha256sum | cut -d' ' -f1)" "$(sha "$work/upload.bin")" > "$work/parts.want"
out=$($python "$pyex/client.py" --field "title=hello" --file "data=$work/upload.bin" \
  --body "$work/parts.got" "$SOUP_URL/multipart")
if cmp -s "$work/parts.want" "$work/parts.got"; then
  ok "python client posts a form, each part's SHA-256 as sent: $(echo $out)"
else
  not_ok "python client form: $out"
  sed 's/^/# /' "$work/parts.got"
fi
# and an HSTS file: https once, then http:// to the same TLS port goes
# over https (cleartext there would be refused with a 400).
tls_port=${NGINX_HTTPS_URL##*:}
out=$($python "$pyex/client.py" --hsts "$work/hsts" --cacert "$NGINX_CA_FILE" \
  --resolve "localhost:$tls_port:127.0.0.1" "https://localhost:$tls_port/hsts/1k" \
  "http://localhost:$tls_port/1k")
if [ "$out" = "200 HTTP/2 127.0.0.1:$tls_port 1024 bytes (1024 on the wire)
200 HTTP/2 127.0.0.1:$tls_port 1024 bytes (1024 on the wire)
0 cookies" ] && grep -q localhost "$work/hsts"; then
  ok "python client follows HSTS: $(echo $out)"
else
  not_ok "python client HSTS: $out"
fi
# pull: the body read from send_async()'s stream, any status, and an
# error after the head from a read.
out=$($python "$pyex/pull.py" "$NGINX_HTTP_URL/1m")
if [ "$out" = "200: 1048576 bytes, sha256 $(sha "$NGINX_DOCROOT/1m")" ]; then
  ok "python pull: $out"; else not_ok "python pull printed: $out"; fi
out=$($python "$pyex/pull.py" "$SOUP_URL/status?code=404")
case "$out" in
  "404: "*) ok "python pull of a 404: $out" ;;
  *) not_ok "python pull of a 404 printed: $out" ;;
esac
err=$($python "$pyex/pull.py" "$SOUP_URL/drop?n=10000&after=100" 2>&1 >/dev/null); status=$?
case "$status:$err" in
  "1:pull: Transfer of $SOUP_URL/drop?n=10000&after=100 failed"*) ok "python pull, dropped: $err" ;;
  *) not_ok "python pull, dropped: status $status, $err" ;;
esac
# verify: the server's name and its Repr-Digest; a given SHA-256 that
# does not match fails, with nothing under the final name.
vdir="$work/verify"
mkdir -p "$vdir"
sum=$(sha "$NGINX_DOCROOT/1m")
out=$($python "$pyex/verify.py" "$vdir" "$SOUP_URL/bytes?n=5000&digest=good&cd=attachment%3B%20filename%3D%22named.bin%22" | tail -1)
head -c 5000 "$NGINX_DOCROOT/1m" > "$work/named.expected"
if [ "$out" = "$vdir/named.bin verified sha256=$(sha "$work/named.expected")" ] &&
   cmp -s "$vdir/named.bin" "$work/named.expected"; then
  ok "python verify, the server's name and digest: $out"; else not_ok "python verify printed: $out"; fi
err=$($python "$pyex/verify.py" "$vdir" "$NGINX_HTTP_URL/100k" "$sum" 2>&1 >/dev/null); status=$?
case "$status:$err" in
  "1:verify: Download of $NGINX_HTTP_URL/100k failed: its sha256 is "*", not $sum as expected; the data is kept in 100k.part")
    if [ ! -e "$vdir/100k" ] && [ -f "$vdir/100k.part" ]; then ok "python verify, mismatch: $err"
    else not_ok "python verify, mismatch left: $(ls "$vdir")"; fi ;;
  *) not_ok "python verify, mismatch: status $status, $err" ;;
esac
if [ -x "$ex/client-vala" ]; then
  client_checks vala "$ex/client-vala"
  port=${NGINX_HTTP_URL##*:}
  out=$("$ex/client-vala" --pull yes "$NGINX_HTTP_URL/1m" | head -1)
  if [ "$out" = "200 HTTP/1.1 127.0.0.1:$port 1048576 bytes (1048576 on the wire)" ]; then
    ok "vala client pulls the body from send_async(): $out"; else not_ok "vala client --pull: $out"; fi
else
  for i in 1 2 3 4 5 6 7; do n=$((n + 1)); echo "ok $n # SKIP the Vala example is not built (no valac or vapigen)"; done
fi

# The Vala example (built when valac and vapigen are there): the same output
# as fetch.c, against the generated gcurlmulti-1.0.vapi.
if [ -x "$ex/fetch-vala" ]; then
  out=$("$ex/fetch-vala" "$NGINX_HTTP_URL/1m")
  if [ "$out" = "1048576 bytes, sha256 $(sha "$NGINX_DOCROOT/1m")" ]; then
    ok "vala fetch: $out"
  else
    not_ok "vala fetch printed: $out"
  fi
  err=$("$ex/fetch-vala" "$SOUP_URL/status?code=404" 2>&1 >/dev/null); status=$?
  case "$status:$err" in
    "1:fetch: Transfer of $SOUP_URL/status?code=404 failed: HTTP 404"*) ok "vala fetch 404: $err" ;;
    *) not_ok "vala fetch 404: status $status, $err" ;;
  esac
else
  n=$((n + 2))
  echo "ok $((n - 1)) # SKIP the Vala example is not built (no valac or vapigen)"
  echo "ok $n # SKIP the Vala example is not built (no valac or vapigen)"
fi

exit $failed

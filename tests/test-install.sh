#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installs the build into a temporary root, builds examples/fetch-many.c
# against the installed headers and gcurlmulti-1.0.pc only, and downloads
# COUNT 1 KiB files at 50 concurrent from nginx with it on each backend,
# every byte accounted for. Also runs examples/fetch.py on the installed
# typelib and override, and builds and runs examples/fetch.vala against the
# installed gcurlmulti-1.0.vapi (when the build made one).
#
#   test-install.sh BUILDDIR SRCDIR SERVE [COUNT]

set -eu

builddir=$1
srcdir=$2
serve=$3
count=${4:-20000}

dest=$(mktemp -d "${TMPDIR:-/tmp}/gcurl-install-XXXXXX")
trap 'rm -rf "$dest"' EXIT INT TERM

echo "1..10"

meson install -C "$builddir" --destdir "$dest" --no-rebuild --quiet >/dev/null
pc=$(find "$dest" -name gcurlmulti-1.0.pc | head -n 1)
[ -n "$pc" ] || { echo "not ok 1 - install: no gcurlmulti-1.0.pc"; exit 1; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
echo "ok 1 - installed into $dest"

# Relocate the .pc file to the temporary root (what a packager's DESTDIR
# hides); the flags themselves still come from it.
prefix=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=prefix gcurlmulti-1.0)
mkdir -p "$dest/pc"
sed "s|^prefix=.*|prefix=$dest$prefix|" "$pc" > "$dest/pc/gcurlmulti-1.0.pc"
flags=$(PKG_CONFIG_PATH="$dest/pc" pkg-config --cflags --libs gcurlmulti-1.0)
# Only the installed tree: no -I into the source or build directories.
case "$flags" in
  *"$srcdir"*|*"$builddir"*) echo "not ok 2 - pkg-config points outside the install: $flags"; exit 1 ;;
esac
cc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -o "$dest/fetch-many" "$srcdir/examples/fetch-many.c" $flags
echo "ok 2 - fetch-many built with: pkg-config --cflags --libs gcurlmulti-1.0"

n=3
for backend in epoll iochannel; do
  out=$(GCURL_BACKEND=$backend LD_LIBRARY_PATH="$libdir" "$serve" \
        sh -c "exec \"$dest/fetch-many\" -n $count -c 50 -s 1024 \"\$NGINX_HTTP_URL/1k\"")
  expected="$count transfers, $((count * 1024)) bytes, 0 failed"
  case "$out" in
    "$expected"*) echo "ok $n - $backend: $out" ;;
    *) echo "not ok $n - $backend: $out (expected: $expected)"; exit 1 ;;
  esac
  n=$((n + 1))
done

typelibdir=$(dirname "$(find "$dest" -name GCurl-1.0.typelib | head -n 1)")
override=$(find "$dest" -path '*/gi/overrides/GCurl.py' | head -n 1)
[ -n "$override" ] || { echo "not ok 5 - no gi/overrides/GCurl.py installed"; exit 1; }
pythonpath=$(dirname "$(dirname "$(dirname "$override")")")
GI_TYPELIB_PATH="$typelibdir" LD_LIBRARY_PATH="$libdir" PYTHONPATH="$pythonpath" /usr/bin/python3 -c \
  "import gi; gi.require_version('GCurl', '1.0'); from gi.repository import GCurl; \
assert GCurl.Transfer.__module__ == 'gi.overrides.GCurl', GCurl.Transfer.__module__; \
assert GCurl.Transfer('http://127.0.0.1/').props.url == 'http://127.0.0.1/'"
out=$(GI_TYPELIB_PATH="$typelibdir" LD_LIBRARY_PATH="$libdir" PYTHONPATH="$pythonpath" "$serve" \
      sh -c "exec /usr/bin/python3 \"$srcdir/examples/fetch.py\" \"\$NGINX_HTTP_URL/1m\"")
case "$out" in
  "1048576 bytes, sha256 "*) echo "ok 5 - the installed typelib and override: fetch.py printed: $out" ;;
  *) echo "not ok 5 - fetch.py on the installed typelib printed: $out"; exit 1 ;;
esac

# Vala: the installed .vapi and .deps, the C flags from the installed .pc.
vapi=$(find "$dest" -name gcurlmulti-1.0.vapi | head -n 1)
if [ -z "$vapi" ]; then
  echo "ok 6 # SKIP no gcurlmulti-1.0.vapi installed (built without vapigen)"
  echo "ok 7 # SKIP no gcurlmulti-1.0.vapi installed (built without vapigen)"
elif ! command -v valac >/dev/null 2>&1; then
  echo "not ok 6 - a .vapi was installed but there is no valac to test it"; exit 1
else
  [ -f "$(dirname "$vapi")/gcurlmulti-1.0.deps" ] || { echo "not ok 6 - no gcurlmulti-1.0.deps beside the .vapi"; exit 1; }
  PKG_CONFIG_PATH="$dest/pc" valac --vapidir "$(dirname "$vapi")" --pkg gcurlmulti-1.0 \
    -X -w -d "$dest/vala" -o fetch-vala "$srcdir/examples/fetch.vala" >/dev/null
  echo "ok 6 - fetch.vala built with: valac --vapidir $(dirname "$vapi") --pkg gcurlmulti-1.0"
  out=$(LD_LIBRARY_PATH="$libdir" "$serve" sh -c "exec \"$dest/vala/fetch-vala\" \"\$NGINX_HTTP_URL/1m\"")
  case "$out" in
    "1048576 bytes, sha256 "*) echo "ok 7 - fetch-vala printed: $out" ;;
    *) echo "not ok 7 - fetch-vala printed: $out"; exit 1 ;;
  esac
fi

# Hidden visibility: the library exports its public API and nothing else.
lib=$(find "$dest" -name 'libgcurlmulti-1.0.so.*.*.*' | head -n 1)
stray=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^gcurl_' || true)
if [ -n "$stray" ]; then
  echo "not ok 8 - exported symbols outside the API: $stray"
  exit 1
fi
echo "ok 8 - $(nm -D --defined-only "$lib" | wc -l) exported symbols, all gcurl_*"

# The version macros: pinning to 0.1 builds; a maximum below the minimum is
# refused by the headers themselves.
printf '#include <gcurlmulti/gcurlmulti.h>\nint main (void) { return GCURL_VERSION_MAX_ALLOWED >= GCURL_VERSION_0_1 ? 0 : 1; }\n' > "$dest/pin.c"
cc -std=gnu11 -Werror -DGCURL_VERSION_MIN_REQUIRED=GCURL_VERSION_0_1 -DGCURL_VERSION_MAX_ALLOWED=GCURL_VERSION_0_1 \
  -o "$dest/pin" "$dest/pin.c" $flags || { echo "not ok 9 - pinned to GCURL_VERSION_0_1 did not build"; exit 1; }
"$dest/pin" || { echo "not ok 9 - GCURL_VERSION_MAX_ALLOWED below 0.1 when pinned"; exit 1; }
if cc -std=gnu11 -DGCURL_VERSION_MIN_REQUIRED=GCURL_VERSION_0_1 '-DGCURL_VERSION_MAX_ALLOWED=G_ENCODE_VERSION(0,0)' \
     -o "$dest/pin-bad" "$dest/pin.c" $flags 2> "$dest/pin-bad.log"; then
  echo "not ok 9 - a maximum below the minimum was accepted"; exit 1
fi
grep -q 'GCURL_VERSION_MAX_ALLOWED must be' "$dest/pin-bad.log" || { echo "not ok 9 - no version error: $(head -c 300 "$dest/pin-bad.log")"; exit 1; }
echo "ok 9 - GCURL_VERSION_MIN_REQUIRED/MAX_ALLOWED: 0.1 pins, a maximum below the minimum is refused"

# The download manager's launcher, metainfo and icon, where it was built:
# installed under its application id, valid, and naming each other.
app=org.gcurlmulti.DownloadManager
if [ -z "$(find "$dest" -name gcurl-download-manager -type f | head -n 1)" ]; then
  echo "ok 10 # SKIP the download manager was not built (no GTK 4)"
else
  desktop=$(find "$dest" -path "*/share/applications/$app.desktop" | head -n 1)
  metainfo=$(find "$dest" -path "*/share/metainfo/$app.metainfo.xml" | head -n 1)
  icon=$(find "$dest" -path "*/share/icons/hicolor/scalable/apps/$app.svg" | head -n 1)
  [ -n "$desktop" ] && [ -n "$metainfo" ] && [ -n "$icon" ] ||
    { echo "not ok 10 - missing: desktop '$desktop', metainfo '$metainfo', icon '$icon'"; exit 1; }
  command -v desktop-file-validate >/dev/null 2>&1 && command -v appstreamcli >/dev/null 2>&1 ||
    { echo "not ok 10 - desktop-file-validate or appstreamcli missing (scripts/install-deps check)"; exit 1; }
  out=$(desktop-file-validate "$desktop" 2>&1) || { echo "not ok 10 - desktop-file-validate: $out"; exit 1; }
  [ -z "$out" ] || { echo "not ok 10 - desktop-file-validate warns: $out"; exit 1; }
  # AppStream 1.0 (Debian 13) warns that there is no homepage: the project
  # has none to name yet. Any other warning or error fails.
  if ! out=$(appstreamcli validate --no-net "$metainfo" 2>&1); then
    bad=$(printf '%s\n' "$out" | grep -E '^(E|W):' | grep -v ': url-homepage-missing$' || true)
    [ -z "$bad" ] || { echo "not ok 10 - appstreamcli: $out"; exit 1; }
  fi
  grep -qx "Icon=$app" "$desktop" || { echo "not ok 10 - the .desktop file's Icon is not $app"; exit 1; }
  grep -q "<launchable type=\"desktop-id\">$app.desktop</launchable>" "$metainfo" ||
    { echo "not ok 10 - the metainfo does not launch $app.desktop"; exit 1; }
  grep -q '^Exec=gcurl-download-manager %U$' "$desktop" || { echo "not ok 10 - unexpected Exec line"; exit 1; }
  echo "ok 10 - $app: .desktop, metainfo and icon installed and valid"
fi

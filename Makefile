# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   make run     install what is missing, build, run the demo: the GTK
#                download manager with a display, gcurl-get without one;
#                make run URLS="https://… https://…" downloads those
#   make check   install what is missing, build, run every test
#                (plus the C tests again under AddressSanitizer and UBSan)
#   make check-debian13
#                the same inside a Debian 13 root (scripts/debian13)

BUILDDIR ?= _build
ASANDIR  ?= _build-asan
MESON    ?= meson
PREFIX   ?= /usr/local
MESON_SETUP_OPTS ?= -Ddocs=true
SUMMARY_LABEL ?= check

.PHONY: all deps build run check check-debian13 bench-debian13 check-asan check-valgrind soak fuzz bench quick-bench bench-before-after bench-downloads install dist clean

all: build

deps:
	@scripts/install-deps build

$(BUILDDIR)/build.ninja:
	$(MESON) setup $(BUILDDIR) --prefix=$(PREFIX) $(MESON_SETUP_OPTS)

build: deps $(BUILDDIR)/build.ninja
	$(MESON) compile -C $(BUILDDIR)

URLS ?=

run:
	@scripts/install-deps run
	@test -f $(BUILDDIR)/build.ninja || $(MESON) setup $(BUILDDIR) --prefix=$(PREFIX) $(MESON_SETUP_OPTS)
	$(MESON) compile -C $(BUILDDIR)
	@# A build folder set up before GTK 4 was installed: look again.
	@if [ -n "$${DISPLAY}$${WAYLAND_DISPLAY}" ] && [ ! -x $(BUILDDIR)/demo/download-manager/gcurl-download-manager ]; then \
	  $(MESON) setup --reconfigure $(BUILDDIR) >/dev/null && $(MESON) compile -C $(BUILDDIR); fi
	@scripts/run-demo $(BUILDDIR) $(URLS)

check:
	@scripts/install-deps check
	@test -f $(BUILDDIR)/build.ninja || $(MESON) setup $(BUILDDIR) --prefix=$(PREFIX) $(MESON_SETUP_OPTS)
	$(MESON) compile -C $(BUILDDIR)
	@# Both runs, whatever the first says; the summary then lists what
	@# failed, last, where a CI log's tail shows it.
	@rc=0; $(MESON) test -C $(BUILDDIR) --print-errorlogs || rc=1; \
	  $(MAKE) --no-print-directory check-asan || rc=1; \
	  scripts/test-summary --label $(SUMMARY_LABEL) $(BUILDDIR)/meson-logs/testlog.json \
	    $(ASANDIR)/meson-logs/testlog.json || rc=1; \
	  exit $$rc

# The second platform: every suite of `make check` (c on both backends,
# python, examples, install, docs, soak, faults, bench smoke and idle, fuzz
# smoke, demo, and the ASan/UBSan c run) inside a Debian 13 (trixie) root,
# made with debootstrap from the archive apt already uses and cached in
# /var/cache/gcurlmulti/debian13 (GCURL_DEBIAN13_ROOT). Where no root can
# be made (not root, archive out of reach) it says why and counts a skip.
check-debian13:
	@scripts/debian13 check

# The C tests again with ASan+UBSan; introspection off there (the GIR
# scanner's dump program hangs at exit under ASan).
check-asan:
	@test -f $(ASANDIR)/build.ninja || $(MESON) setup $(ASANDIR) \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=disabled \
	  -Dbuildtype=debug
	$(MESON) compile -C $(ASANDIR)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(MESON) test -C $(ASANDIR) --suite c --suite unit --print-errorlogs

# The C tests under valgrind's memcheck: no error, no definite leak. The
# suppressions (tests/valgrind.supp) cover one-time allocations inside
# GLib, libcurl and libsoup only.
check-valgrind: build
	@scripts/install-deps valgrind
	G_SLICE=always-malloc G_DEBUG=gc-friendly GCURL_TEST_VALGRIND=1 \
	  $(MESON) test -C $(BUILDDIR) --suite c --suite unit --timeout-multiplier 10 --print-errorlogs \
	  --wrapper "valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --num-callers=40 --suppressions=$(CURDIR)/tests/valgrind.supp"

# 50,000 transfers at 1,000 at a time on each backend, watching descriptors,
# attached sources and memory (a 5,000-transfer version runs in make check).
soak: build
	@scripts/install-deps check
	for backend in epoll iochannel; do \
	  GCURL_BACKEND=$$backend $(BUILDDIR)/tests/gcurl-test-serve \
	    sh -c '"$$0" -n 50000 -c 1000 "$$NGINX_HTTP_URL"' $(BUILDDIR)/tests/soak || exit 1; \
	done

# The libFuzzer targets, five minutes each (15 s each in make check).
fuzz: build
	@scripts/install-deps check
	fuzz/run-fuzzers $(CURDIR) $(CURDIR)/$(BUILDDIR) 300

# doc/design.md, "Performance": every workload with gcurlmulti and its
# peers, clients alternating, the median of 9 runs. The report goes to
# bench/RESULTS-debian12.md (BENCH_OUT), and once both platforms have one,
# bench/RESULTS.md puts their summaries side by side.
BENCH_OUT ?= bench/RESULTS-debian12.md

bench: build
	@scripts/install-deps bench
	$(BUILDDIR)/tests/gcurl-test-serve /usr/bin/python3 bench/bench.py $(BUILDDIR) \
	  --runs 9 --out $(BENCH_OUT)
	@if [ -f bench/RESULTS-debian12.md ] && [ -f bench/RESULTS-debian13.md ]; then \
	  /usr/bin/python3 bench/side-by-side.py bench/RESULTS-debian12.md bench/RESULTS-debian13.md \
	    --out bench/RESULTS.md >/dev/null && echo "bench/RESULTS.md: both platforms"; fi

# The same inside the Debian 13 root, into bench/RESULTS-debian13.md.
bench-debian13:
	@scripts/debian13 bench

# W1 in brief (20,000 GETs of 1 KiB at 50 concurrent from nginx): the raw C
# API on both backends against a plain curl_multi_poll loop, median CPU.
quick-bench: build
	@scripts/install-deps check
	$(BUILDDIR)/tests/gcurl-test-serve bench/quick-w1.sh $(BUILDDIR) 20000 7

# What a change costs the plain path: GCurlTransfer on W1 and W3 c=100,
# REV (a git revision) against this tree, alternating, then callgrind.
REV ?= HEAD~1
bench-before-after: build
	@scripts/install-deps check
	$(BUILDDIR)/tests/gcurl-test-serve /usr/bin/python3 bench/before-after.py \
	  --before-rev $(REV) $(BUILDDIR)

# gcurl-get against aria2c, wget2 and curl: D1-D3 of bench/downloads.py,
# with a nginx and a resetting proxy of its own (about 4 minutes).
bench-downloads: build
	@scripts/install-deps bench
	/usr/bin/python3 bench/downloads.py $(BUILDDIR) --runs 5 --curl-runs 2 \
	  --out bench/RESULTS-downloads.md
	@if [ -f bench/RESULTS-debian12.md ] && [ -f bench/RESULTS-debian13.md ]; then \
	  /usr/bin/python3 bench/side-by-side.py bench/RESULTS-debian12.md bench/RESULTS-debian13.md \
	    --out bench/RESULTS.md >/dev/null && echo "bench/RESULTS.md: with the downloads"; fi

install: build
	$(MESON) install -C $(BUILDDIR)

# A release tarball of the committed tree, in $(BUILDDIR)/meson-dist/.
# The tests are not run again here: that is make check.
dist: build
	$(MESON) dist -C $(BUILDDIR) --no-tests --formats xztar

clean:
	rm -rf $(BUILDDIR) $(ASANDIR)

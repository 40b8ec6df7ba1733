#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that the code shown in the README and the guides is the code the
tests build and run.

A fenced code block right after a marker line is compared with a file of
the source tree:

    <!-- file: examples/fetch.c -->      the block is the whole file
    <!-- excerpt: examples/download.c --> the block's lines appear, in order
                                          and together, in the file

Prints TAP, one test per marked block, and fails on a document without any.

    check-doc-snippets.py SRCDIR DOC.md...
"""

import os
import re
import sys

MARKER = re.compile(r"^<!--\s*(file|excerpt):\s*(\S+)\s*-->\s*$")


def blocks(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or not lines[i].startswith("```"):
            yield m.group(1), m.group(2), None, i
            continue
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        yield m.group(1), m.group(2), lines[start:end], start + 1
        i = end + 1


def contains(haystack, needle):
    n = len(needle)
    return any(haystack[k:k + n] == needle for k in range(len(haystack) - n + 1))


def main(srcdir, docs):
    results = []
    for doc in docs:
        found = 0
        name = os.path.relpath(doc, srcdir)
        for kind, target, block, line in blocks(doc):
            found += 1
            what = f"{name}:{line}: {kind} of {target}"
            if block is None:
                results.append((False, f"{what}: no code block after the marker"))
                continue
            try:
                with open(os.path.join(srcdir, target), encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                results.append((False, f"{what}: {e.strerror}"))
                continue
            if kind == "file":
                ok = "\n".join(block) + "\n" == text
            else:
                ok = bool(block) and contains(text.split("\n"), block)
            results.append((ok, what if ok else f"{what}: the block differs from the file"))
        if not found:
            results.append((False, f"{name}: no marked code block"))

    print(f"1..{len(results)}")
    for n, (ok, what) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {what}")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} SRCDIR DOC.md...")
    sys.exit(main(sys.argv[1], sys.argv[2:]))

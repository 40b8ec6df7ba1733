#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes test-misuse.c from GCurl-1.0.gir: every public function and method
called with bad arguments, each expected to log a critical and return,
never to crash.

- every method with a NULL instance, and with an instance of the wrong type
  (a GCancellable);
- every method and function once per pointer argument that is not
  annotated nullable (or optional), with that argument NULL and the others
  valid or zero;
- every GCurlMultiSource method but get_context(), every GCurlTransfer
  setter and action (set_*, pause, resume, cancel) on a running transfer,
  and a running GCurlDownload's pause, resume and cancel, called from
  another thread than the source's (doc/errors.md).

    gen-misuse.py GIR OUTPUT.c
"""

import sys
import xml.etree.ElementTree as ET

NS = {"c": "http://www.gtk.org/introspection/c/1.0",
      "core": "http://www.gtk.org/introspection/core/1.0"}
C = "{http://www.gtk.org/introspection/c/1.0}"

# A valid value for an argument of these C types.
VALID = {
    "GCurlMultiSource*": "source",
    "GCurlTransfer*": "transfer",
    "GCurlForm*": "form",
    "GCurlDownload*": "download",
    "const char*": "\"http://127.0.0.1:1/\"",
    "const gchar*": "\"http://127.0.0.1:1/\"",
    "char*": "NULL",
    "GFile*": "file",
    "GOutputStream*": "ostream",
    "GInputStream*": "istream",
    "GBytes*": "bytes",
    "GCancellable*": "NULL",
    "GAsyncResult*": "NULL",
    "GMainContext*": "NULL",
    "GError**": "NULL",
    "gpointer": "NULL",
    "GAsyncReadyCallback": "NULL",
    "CURL*": "NULL",
}

# Arguments a NULL is documented to be fine for, beyond the annotations.
NULL_OK = {
    ("gcurl_error_new_from_code", "url"),
    ("gcurl_error_new_from_code", "detail"),
}


def c_type(param):
    t = param.find("core:type", NS)
    if t is None:
        t = param.find("core:array", NS)
    if t is None:
        return "gpointer"
    return (t.get(C + "type") or "gpointer").replace(" *", "*").replace(" ", " ")


def is_pointer(ctype):
    return ctype.endswith("*") or ctype in ("gpointer", "GAsyncReadyCallback")


def nullable(param):
    return param.get("nullable") == "1" or param.get("allow-none") == "1" or \
        param.get("optional") == "1" or param.get("direction") == "out"


def zero(ctype):
    if is_pointer(ctype):
        return "NULL"
    if ctype in ("gboolean",):
        return "FALSE"
    if ctype in ("double", "gdouble", "float"):
        return "0.0"
    return "0"


def valid(ctype):
    return VALID.get(ctype, zero(ctype))


def main(gir, output):
    root = ET.parse(gir).getroot()
    ns = root.find("core:namespace", NS)
    calls = []   # (test name, call expression)
    thread_calls = []   # the same, to be made from another thread

    def add_callable(fn, instance_type=None):
        name = fn.get(C + "identifier")
        if name is None or fn.get("deprecated") == "1":
            return
        params_node = fn.find("core:parameters", NS)
        params = [] if params_node is None else \
            [p for p in params_node.findall("core:parameter", NS)]
        types = [c_type(p) for p in params]

        throws = fn.get("throws") == "1"

        def call(args):
            # A GError ** the GIR keeps as throws="1", not as a parameter.
            return f"(void) {name} ({', '.join(args + (['NULL'] if throws else []))})"

        if instance_type is not None:
            rest = [valid(t) for t in types]
            calls.append((f"{name}/null-self", call([f"({instance_type}) NULL"] + rest)))
            calls.append((f"{name}/wrong-type", call([f"({instance_type}) other"] + rest)))
            self_arg = [VALID[instance_type]]
            method = name.split("_", 3)[-1] if instance_type == "GCurlTransfer*" else None
            if instance_type == "GCurlMultiSource*" and name != "gcurl_multi_source_get_context":
                thread_calls.append((f"{name}/wrong-thread", call(["source"] + rest)))
            elif method is not None and (method.startswith("set_") or
                                         method in ("pause", "resume", "cancel")):
                thread_calls.append((f"{name}/wrong-thread", call(["running"] + rest)))
            elif instance_type == "GCurlDownload*" and name.split("_", 2)[-1] in \
                    ("pause", "resume", "cancel"):
                thread_calls.append((f"{name}/wrong-thread",
                                     call(["running_download"] + rest)))
        else:
            self_arg = []

        for i, (p, t) in enumerate(zip(params, types)):
            if not is_pointer(t) or nullable(p) or (name, p.get("name")) in NULL_OK:
                continue
            if t in ("gpointer", "GAsyncReadyCallback", "GError**", "GCancellable*"):
                continue
            args = [valid(x) for x in types]
            args[i] = "NULL"
            calls.append((f"{name}/null-{p.get('name')}", call(self_arg + args)))

    for cls in ns.findall("core:class", NS):
        ctype = cls.get(C + "type") + "*"
        for m in cls.findall("core:method", NS):
            add_callable(m, ctype)
    for fn in ns.findall("core:function", NS):
        add_callable(fn)
    for enum in ns.findall("core:enumeration", NS):
        for fn in enum.findall("core:function", NS):
            add_callable(fn)

    with open(output, "w") as f:
        f.write("""/* test-misuse.c: generated by gen-misuse.py from GCurl-1.0.gir; do not edit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gcurlmulti/gcurlmulti.h>

static GCurlMultiSource *source;
static GCurlTransfer *transfer;
static GCurlForm *form;
static GObject *other;
static GFile *file;
static GOutputStream *ostream;
static GInputStream *istream;
static GBytes *bytes;
static GCurlTransfer *running;   /* started, never iterated: stays running */
static GCurlDownload *download;
static GCurlDownload *running_download;   /* the same */

static void
expect_critical (void (*call) (void))
{
  g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*");
  call ();
  g_test_assert_expected_messages ();
}

typedef struct
{
  void (*call) (void);
} Call;

static gpointer
call_in_thread (gpointer data)
{
  ((Call *) data)->call ();
  return NULL;
}

/* From another thread, the one check that fails is the thread's. */
static void
expect_critical_in_thread (void (*call) (void))
{
  Call c = { call };

  g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*in_its_thread*");
  g_thread_join (g_thread_new ("misuse", call_in_thread, &c));
  g_test_assert_expected_messages ();
}

""")
        for i, (test, expr) in enumerate(calls):
            f.write(f"static void\ncall_{i} (void)\n{{\n  {expr};\n}}\n\n"
                    f"static void\ntest_{i} (void)\n{{\n  expect_critical (call_{i});\n}}\n\n")
        for i, (test, expr) in enumerate(thread_calls):
            f.write(f"static void\nthread_call_{i} (void)\n{{\n  {expr};\n}}\n\n"
                    f"static void\nthread_test_{i} (void)\n{{\n"
                    f"  expect_critical_in_thread (thread_call_{i});\n}}\n\n")
        f.write("""int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  source = gcurl_multi_source_new ();
  transfer = gcurl_transfer_new ("http://127.0.0.1:1/");
  form = gcurl_form_new ();
  other = G_OBJECT (g_cancellable_new ());
  file = g_file_new_for_path ("/nonexistent/gcurl-misuse");
  ostream = g_memory_output_stream_new_resizable ();
  istream = g_memory_input_stream_new ();
  bytes = g_bytes_new_static ("x", 1);
  running = gcurl_transfer_new ("http://127.0.0.1:1/");
  gcurl_multi_source_perform_async (source, running, NULL, NULL, NULL);
  download = gcurl_download_new_for_file ("http://127.0.0.1:1/", file);
  {
    g_autoptr(GFile) tmp = g_file_new_for_path (g_get_tmp_dir ());

    running_download = gcurl_download_new_for_folder ("http://127.0.0.1:1/misuse", tmp);
    gcurl_download_run_async (running_download, source, NULL, NULL, NULL);
  }

""")
        for i, (test, expr) in enumerate(calls):
            f.write(f'  g_test_add_func ("/GCurl/Misuse/{test}", test_{i});\n')
        for i, (test, expr) in enumerate(thread_calls):
            f.write(f'  g_test_add_func ("/GCurl/Misuse/{test}", thread_test_{i});\n')
        f.write("""
  ret = g_test_run ();
  gcurl_multi_source_cancel_all (source);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (running);
  g_object_unref (running_download);
  g_object_unref (download);
  g_bytes_unref (bytes);
  g_object_unref (istream);
  g_object_unref (ostream);
  g_object_unref (file);
  g_object_unref (other);
  g_object_unref (transfer);
  g_object_unref (source);
  return ret;
}
""")
    print(f"{len(calls)} calls, {len(thread_calls)} from another thread", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

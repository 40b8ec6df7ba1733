/* replay.c: runs a fuzz target over saved inputs, without libFuzzer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   fuzz-NAME FILE-OR-FOLDER...
 *
 * Each file, and each file in a folder, goes through
 * LLVMFuzzerTestOneInput() once. TAP output: one test per argument, so
 * that every build checks the seeds and the crashes found so far (with
 * the sanitizers of `make check`); `-Dfuzzing=true` links libFuzzer
 * instead, for fuzz/run-fuzzers.
 */

#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
replay (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return 1;
}

int
main (int   argc,
      char *argv[])
{
  g_print ("1..%d\n", argc - 1);
  for (int i = 1; i < argc; i++)
    {
      guint n = 0;

      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          const char *entry;

          while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *path = g_build_filename (argv[i], entry, NULL);

              if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
                n += replay (path);
            }
        }
      else
        n += replay (argv[i]);
      g_print ("ok %d - %u inputs from %s, no crash\n", i, n, argv[i]);
    }
  return 0;
}

/* test-easy-options.c: the options record, the handle pool, change-only
 * setting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gcurl-easy-options.c on its own, over the internal library: no server,
 * no main loop. What goes on the wire is tested in test-transfer.c
 * (/GCurl/Transfer/easy-pool/options).
 */

#include "config.h"

#include "gcurl-transfer-internal.h"

/* A handle given back with a valid record is the next one taken, with its
 * record; one without is not kept. */
static void
test_pool (void)
{
  EasyOptions a, b;
  CURL *first, *second, *again;

  first = _gcurl_easy_take (&a);
  g_assert_nonnull (first);
  second = _gcurl_easy_take (&b);
  g_assert_nonnull (second);
  g_assert_true (first != second);

  a.valid = TRUE;
  a.url = g_strdup ("http://127.0.0.1/a");
  a.timeout = 1234;
  _gcurl_easy_give (first, &a);
  /* Given: the record went with the handle. */
  g_assert_false (a.valid);
  g_assert_null (a.url);

  /* Never valid (C code had it): cleaned up, not pooled. */
  b.valid = FALSE;
  _gcurl_easy_give (second, &b);

  again = _gcurl_easy_take (&a);
  g_assert_true (again == first);
  g_assert_true (a.valid);
  g_assert_cmpstr (a.url, ==, "http://127.0.0.1/a");
  g_assert_cmpint (a.timeout, ==, 1234);

  /* The pool is empty again: a new handle, a record to fill. */
  second = _gcurl_easy_take (&b);
  g_assert_nonnull (second);
  g_assert_true (second != first);
  g_assert_false (b.valid);
  g_assert_null (b.url);

  a.valid = FALSE;
  _gcurl_easy_give (again, &a);
  _gcurl_easy_give (second, &b);
}

/* At most 64 handles wait in the pool; the others are cleaned up. */
static void
test_pool_bound (void)
{
  CURL *easies[70];
  g_autoptr(GHashTable) given = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (easies); i++)
    {
      EasyOptions o;

      easies[i] = _gcurl_easy_take (&o);
      _gcurl_easy_options_clear (&o);
    }
  for (guint i = 0; i < G_N_ELEMENTS (easies); i++)
    {
      EasyOptions o = { .valid = TRUE };

      if (i < 64)
        g_hash_table_add (given, easies[i]);
      _gcurl_easy_give (easies[i], &o);
    }
  /* The first 64 given were kept, and come back last in, first out. */
  for (guint i = 64; i > 0; i--)
    {
      EasyOptions o;
      CURL *easy = _gcurl_easy_take (&o);

      g_assert_true (easy == easies[i - 1]);
      g_assert_true (o.valid);
      easies[i - 1] = easy;
    }
  for (guint i = 0; i < 64; i++)
    {
      EasyOptions o = { .valid = FALSE };

      _gcurl_easy_give (easies[i], &o);
    }
}

/* A run records what it set; the next one changes only what differs, and
 * a handle C code had is never trusted. */
static void
test_record (void)
{
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://127.0.0.1/one");

  _gcurl_transfer_build_request (t);
  g_assert_true (t->applied.valid);
  g_assert_true (t->applied.owner == t);
  g_assert_cmpstr (t->applied.url, ==, "http://127.0.0.1/one");
  g_assert_null (t->applied.user_agent);
  g_assert_cmpint (t->applied.follow, ==, 1);
  g_assert_cmpint (t->applied.max_redirects, ==, 20);
  g_assert_cmpstr (t->applied.protocols, ==, "http,https");
  g_assert_true (t->applied.plain_get);

  gcurl_transfer_set_url (t, "http://127.0.0.1/two");
  gcurl_transfer_set_user_agent (t, "agent/1");
  gcurl_transfer_set_timeout (t, 5000);
  gcurl_transfer_set_follow_redirects (t, FALSE);
  gcurl_transfer_set_method (t, "HEAD");
  _gcurl_transfer_build_request (t);
  g_assert_cmpstr (t->applied.url, ==, "http://127.0.0.1/two");
  g_assert_cmpstr (t->applied.user_agent, ==, "agent/1");
  g_assert_cmpint (t->applied.timeout, ==, 5000);
  g_assert_cmpint (t->applied.follow, ==, 0);
  g_assert_false (t->applied.plain_get);

  gcurl_transfer_set_user_agent (t, NULL);
  gcurl_transfer_set_method (t, NULL);
  _gcurl_transfer_build_request (t);
  g_assert_null (t->applied.user_agent);
  g_assert_true (t->applied.plain_get);

  /* Once C code has the handle, no record is kept for it. */
  g_assert_nonnull (gcurl_transfer_get_handle (t));
  _gcurl_transfer_build_request (t);
  g_assert_false (t->applied.valid);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/GCurl/EasyOptions/pool", test_pool);
  g_test_add_func ("/GCurl/EasyOptions/pool-bound", test_pool_bound);
  g_test_add_func ("/GCurl/EasyOptions/record", test_record);
  return g_test_run ();
}

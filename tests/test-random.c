/* test-random.c: seeded random operations on sources and transfers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Thousands of steps, each a random operation chosen with the test's seed
 * (g_test_rand_*: `--seed` replays a run): start a transfer, start a raw
 * handle, pause, resume, cancel (by method or cancellable), remove a raw
 * handle, run a finished transfer again, cancel everything, drop the source
 * and make another, or let the main loop run. Handlers do the same from
 * inside libcurl's callbacks (progress notifications, data) and from the
 * completion callbacks. The invariants, checked as it goes and at the end:
 *
 * - every perform_async() completes exactly once, every added raw handle is
 *   reported by ::done exactly once unless the application removed it;
 * - GCurlTransfer::finished is emitted once per completion;
 * - running-handles never exceeds what is in flight;
 * - at the end no transfer is alive, and the sources and descriptors are
 *   back to where they started.
 */

#include <glib/gstdio.h>

#include "gcurl-test-utils.h"

#define SLOTS 24
#define RAW_SLOTS 8

typedef struct _World World;

typedef struct
{
  World         *world;
  GCurlTransfer *transfer;
  GCancellable  *cancellable;
  int            runs;          /* perform_async() calls */
  int            completions;   /* their callbacks */
  int            finished;      /* ::finished emissions */
  gboolean       running;
} Slot;

typedef struct
{
  World          *world;
  GCurlTestFetch *fetch;
  gboolean        in_source;
  gboolean        cancelling;   /* cancel_all() ran: ::done is on its way */
  int             added, reported, removed;
  GCurlMultiSource *owner;
} RawSlot;

struct _World
{
  GMainContext     *context;
  GCurlMultiSource *source;
  GCurlTestServer  *server;
  Slot              slots[SLOTS];
  RawSlot           raw[RAW_SLOTS];
  int               alive;
  int               in_flight;
  int               ops[16];
  int               cancel_alls, drops, succeeded, failed, cancelled;
};

static void
transfer_gone (gpointer data, GObject *where)
{
  ((World *) data)->alive--;
}

static void random_op (World *world, gboolean in_handler);

/* ---------------------------------------------------------------------- */
/* Transfers                                                               */

static char *
random_url (World *world)
{
  switch (g_test_rand_int_range (0, 6))
    {
    case 0: return gcurl_test_server_url (world->server, "/bytes?n=70000");
    case 1: return gcurl_test_server_url (world->server, "/bytes?n=1000&chunked=1");
    case 2: return gcurl_test_server_url (world->server, "/trickle?n=40000&chunk=2000&interval=5");
    case 3: return gcurl_test_server_url (world->server, "/status?code=404");
    case 4: return gcurl_test_server_url (world->server, "/drop?n=50000&after=20000");
    default: return gcurl_test_server_url (world->server, "/redirect?n=2");
    }
}

static void
on_finished_signal (GCurlTransfer *t, Slot *slot)
{
  slot->finished++;
  g_assert_cmpint (slot->finished, ==, slot->completions + 1);
}

static void
on_progress (GCurlTransfer *t, GParamSpec *pspec, Slot *slot)
{
  /* From inside libcurl's callbacks, now and then. */
  if (g_test_rand_int_range (0, 8) == 0)
    random_op (slot->world, TRUE);
}

static void
completed (GObject *object, GAsyncResult *result, gpointer data)
{
  Slot *slot = data;
  World *world = slot->world;
  g_autoptr(GError) error = NULL;

  if (gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error))
    world->succeeded++;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    world->cancelled++;
  else
    world->failed++;
  slot->completions++;
  g_assert_cmpint (slot->completions, ==, slot->runs);
  g_assert_cmpint (slot->finished, ==, slot->completions);
  g_assert_true (slot->running);
  slot->running = FALSE;
  world->in_flight--;
  g_assert_cmpint (gcurl_transfer_get_state (slot->transfer), !=, GCURL_TRANSFER_STATE_RUNNING);
  g_assert_cmpint (gcurl_transfer_get_state (slot->transfer), !=, GCURL_TRANSFER_STATE_PAUSED);

  if (g_test_rand_int_range (0, 4) == 0)
    random_op (world, TRUE);
}

static void
run_slot (World *world, Slot *slot)
{
  if (slot->running || world->source == NULL)
    return;
  g_clear_object (&slot->cancellable);
  if (g_test_rand_bit ())
    slot->cancellable = g_cancellable_new ();
  slot->runs++;
  slot->running = TRUE;
  world->in_flight++;
  gcurl_multi_source_perform_async (world->source, slot->transfer, slot->cancellable,
                                     completed, slot);
}

static void
new_transfer (World *world, Slot *slot)
{
  g_autofree char *url = random_url (world);

  if (slot->transfer != NULL)
    {
      if (slot->running)
        return;
      g_signal_handlers_disconnect_by_data (slot->transfer, slot);
      g_clear_object (&slot->transfer);
    }
  slot->world = world;
  slot->transfer = gcurl_transfer_new (url);
  world->alive++;
  g_object_weak_ref (G_OBJECT (slot->transfer), transfer_gone, world);
  slot->runs = slot->completions = slot->finished = 0;
  gcurl_transfer_set_progress_interval (slot->transfer, 1);
  g_signal_connect (slot->transfer, "finished", G_CALLBACK (on_finished_signal), slot);
  g_signal_connect (slot->transfer, "notify::bytes-received", G_CALLBACK (on_progress), slot);
  run_slot (world, slot);
}

/* ---------------------------------------------------------------------- */
/* Raw handles                                                             */

static void
on_done (GCurlMultiSource *source, gpointer easy, int result, World *world)
{
  for (guint i = 0; i < RAW_SLOTS; i++)
    if (world->raw[i].fetch != NULL && world->raw[i].fetch->easy == easy)
      {
        RawSlot *raw = &world->raw[i];

        g_assert_true (raw->in_source);
        g_assert_true (raw->owner == source);
        raw->in_source = FALSE;
        raw->cancelling = FALSE;
        raw->reported++;
        return;
      }
  /* A transfer's handle: its own bookkeeping counts it. */
}

static void
raw_op (World *world)
{
  RawSlot *raw = &world->raw[g_test_rand_int_range (0, RAW_SLOTS)];
  g_autoptr(GError) error = NULL;

  raw->world = world;
  if (world->source == NULL)
    return;
  if (raw->fetch == NULL)
    {
      g_autofree char *url = gcurl_test_server_url (world->server, "/bytes?n=30000");

      raw->fetch = gcurl_test_fetch_new (url, 30000);
    }
  if (!raw->in_source)
    {
      gcurl_test_fetch_reset (raw->fetch);
      if (!gcurl_multi_source_add_handle (world->source, raw->fetch->easy, &error))
        {
          /* Removed from inside a libcurl callback, and that removal is
           * still to happen: the documented error. */
          g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
          if (strstr (error->message, "being removed") == NULL)
            g_error ("add: %s (reported %d, removed %d, added %d)", error->message,
                     raw->reported, raw->removed, raw->added);
          return;
        }
      raw->in_source = TRUE;
      raw->owner = world->source;
      raw->added++;
    }
  else if (raw->owner == world->source && !raw->cancelling)
    {
      gcurl_multi_source_remove_handle (world->source, raw->fetch->easy, &error);
      g_assert_no_error (error);
      raw->in_source = FALSE;
      raw->removed++;
    }
}

/* ---------------------------------------------------------------------- */
/* Operations                                                              */

/* Disposed, as when its last reference goes (here pending calls hold some):
 * raw handles go back to us without ::done, transfers are cancelled and
 * complete. */
static void
drop_source (World *world)
{
  for (guint i = 0; i < RAW_SLOTS; i++)
    if (world->raw[i].in_source && world->raw[i].owner == world->source)
      {
        world->raw[i].in_source = FALSE;
        world->raw[i].cancelling = FALSE;
        world->raw[i].removed++;
      }
  g_signal_handlers_disconnect_by_data (world->source, world);
  g_object_run_dispose (G_OBJECT (world->source));
  g_clear_object (&world->source);
}

static void
new_source (World *world)
{
  world->source = gcurl_multi_source_new ();
  g_signal_connect (world->source, "done", G_CALLBACK (on_done), world);
}

static void
random_op (World *world, gboolean in_handler)
{
  Slot *slot = &world->slots[g_test_rand_int_range (0, SLOTS)];
  int op = g_test_rand_int_range (0, in_handler ? 9 : 12);

  world->ops[op]++;
  switch (op)
    {
    case 0: /* start, or start over */
    case 1:
      new_transfer (world, slot);
      break;
    case 2:
      if (slot->transfer != NULL)
        gcurl_transfer_pause (slot->transfer);
      break;
    case 3:
      if (slot->transfer != NULL)
        gcurl_transfer_resume (slot->transfer);
      break;
    case 4:
      if (slot->transfer != NULL)
        gcurl_transfer_cancel (slot->transfer);
      break;
    case 5:
      if (slot->cancellable != NULL)
        g_cancellable_cancel (slot->cancellable);
      break;
    case 6: /* run a finished one again */
      if (slot->transfer != NULL)
        run_slot (world, slot);
      break;
    case 7:
      /* Raw handles from handlers are test-multi-source's reentrancy
       * tests; here they come and go between dispatches. */
      if (!in_handler)
        raw_op (world);
      break;
    case 8:
      if (world->source != NULL && g_test_rand_int_range (0, 10) == 0)
        {
          world->cancel_alls++;
          for (guint i = 0; i < RAW_SLOTS; i++)
            if (world->raw[i].in_source && world->raw[i].owner == world->source)
              world->raw[i].cancelling = TRUE;
          gcurl_multi_source_cancel_all (world->source);
        }
      break;
    case 9: /* drop the source (only outside handlers: our own rule) */
      if (world->source != NULL && g_test_rand_int_range (0, 20) == 0)
        {
          world->drops++;
          drop_source (world);
          new_source (world);
        }
      break;
    default: /* let the loop run, until something happened */
      for (int i = g_test_rand_int_range (1, 4); i > 0; i--)
        g_main_context_iteration (world->context, world->in_flight > 0);
      break;
    }

  /* What libcurl reported after the last action: it may lag behind a
   * removal made since, never beyond what can be in flight. */
  if (world->source != NULL)
    g_assert_cmpint (gcurl_multi_source_get_running_handles (world->source), <=,
                     SLOTS + RAW_SLOTS);
}

static gboolean
all_settled (World *world)
{
  if (world->in_flight > 0)
    return FALSE;
  for (guint i = 0; i < RAW_SLOTS; i++)
    if (world->raw[i].in_source)
      return FALSE;
  return TRUE;
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_random (void)
{
  World world = { 0 };
  int steps = g_test_slow () ? 50000 : 10000;
  int fds_before, sources_before;
  guint tick_id;
  gint64 deadline;

  world.context = g_main_context_new ();
  g_main_context_push_thread_default (world.context);
  world.server = gcurl_test_server_new ();
  fds_before = gcurl_test_count_fds ();
  sources_before = gcurl_test_count_sources (world.context);
  new_source (&world);
  /* A blocking iteration never waits for long: paused transfers alone
   * wake nothing up. */
  {
    GSource *t = g_timeout_source_new (10);

    g_source_set_callback (t, tick, NULL, NULL);
    tick_id = g_source_attach (t, world.context);
    g_source_unref (t);
  }

  for (int step = 0; step < steps; step++)
    random_op (&world, FALSE);

  /* Let everything end: resume what is paused, then wait. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!all_settled (&world))
    {
      for (guint i = 0; i < SLOTS; i++)
        if (world.slots[i].transfer != NULL)
          gcurl_transfer_resume (world.slots[i].transfer);
      g_main_context_iteration (world.context, TRUE);
      if (g_get_monotonic_time () > deadline)
        {
          for (guint i = 0; i < SLOTS; i++)
            if (world.slots[i].running)
              g_printerr ("slot %u running: state %d, %s, runs %d, completions %d\n", i,
                          gcurl_transfer_get_state (world.slots[i].transfer),
                          gcurl_transfer_get_url (world.slots[i].transfer),
                          world.slots[i].runs, world.slots[i].completions);
          for (guint i = 0; i < RAW_SLOTS; i++)
            if (world.raw[i].in_source)
              g_printerr ("raw %u in source (current: %d), cancelling %d, added %d, reported %d, removed %d\n",
                          i, world.raw[i].owner == world.source, world.raw[i].cancelling,
                          world.raw[i].added, world.raw[i].reported, world.raw[i].removed);
          g_error ("Not settled after 60 s");
        }
    }

  g_test_message ("running-handles at the end: %d",
                  gcurl_multi_source_get_running_handles (world.source));
  for (guint i = 0; i < SLOTS; i++)
    {
      Slot *slot = &world.slots[i];

      g_assert_cmpint (slot->completions, ==, slot->runs);
      g_assert_cmpint (slot->finished, ==, slot->completions);
      if (slot->transfer != NULL)
        g_signal_handlers_disconnect_by_data (slot->transfer, slot);
      g_clear_object (&slot->transfer);
      g_clear_object (&slot->cancellable);
    }
  for (guint i = 0; i < RAW_SLOTS; i++)
    {
      RawSlot *raw = &world.raw[i];

      g_assert_cmpint (raw->added, ==, raw->reported + raw->removed);
      g_clear_pointer (&raw->fetch, gcurl_test_fetch_free);
    }
  drop_source (&world);
  g_source_destroy (g_main_context_find_source_by_id (world.context, tick_id));
  while (g_main_context_iteration (world.context, FALSE))
    ;

  g_test_message ("%d steps and what handlers did: starts %d, pauses %d, resumes %d, "
                  "cancels %d + %d by cancellable, reruns %d, raw adds/removes %d, "
                  "cancel-all %d, sources disposed %d, loop runs %d; transfers succeeded %d, "
                  "failed %d, cancelled %d",
                  steps, world.ops[0] + world.ops[1], world.ops[2], world.ops[3], world.ops[4],
                  world.ops[5], world.ops[6], world.ops[7], world.cancel_alls, world.drops,
                  world.ops[10] + world.ops[11], world.succeeded, world.failed, world.cancelled);
  g_assert_cmpint (world.alive, ==, 0);
  g_assert_cmpint (gcurl_test_count_sources (world.context), ==, sources_before);
  gcurl_test_server_free (world.server);
  g_assert_cmpint (gcurl_test_count_fds (), <=, fds_before);

  g_main_context_pop_thread_default (world.context);
  g_main_context_unref (world.context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* GIO's network monitor, one for the process, watches from the context
   * of its first user (doc/design.md, "Network changes"): made here, as an
   * application makes it, its socket and source are not the test's. */
  g_network_monitor_get_default ();
  g_test_add_func ("/GCurl/Random/operations", test_random);
  return g_test_run ();
}

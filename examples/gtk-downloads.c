/* gtk-downloads.c: a GTK 4 list of downloads bound to GCurlTransfer properties
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   cc gtk-downloads.c $(pkg-config --cflags --libs gcurlmulti-1.0 gtk4) -o gtk-downloads
 *   ./gtk-downloads URL...
 *
 * Downloads every URL at once into the XDG download folder (else the home
 * folder), one row per download: name, a progress bar, the speed and the
 * state, each bound to a property of the row's GCurlTransfer. Activating a
 * row (double click, or Enter) pauses or resumes it. The rows stay when
 * their transfers finish: they live in the application's own GListStore.
 */

#include <gcurlmulti/gcurlmulti.h>
#include <gtk/gtk.h>

/* Property bindings from the transfer to the widget, undone on unbind. */
static gboolean
bytes_to_fraction (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      data)
{
  g_autoptr(GObject) transfer = g_binding_dup_source (binding);
  gint64 total = transfer ? gcurl_transfer_get_total_bytes (GCURL_TRANSFER (transfer)) : -1;

  g_value_set_double (to, total > 0 ? (double) g_value_get_int64 (from) / total : 0.0);
  return TRUE;
}

static gboolean
speed_to_text (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      data)
{
  g_autofree char *size = g_format_size (g_value_get_int64 (from));

  g_value_take_string (to, g_strdup_printf ("%s/s", size));
  return TRUE;
}

static gboolean
state_to_text (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      data)
{
  GEnumClass *states = g_type_class_peek (GCURL_TYPE_TRANSFER_STATE);
  GEnumValue *state = g_enum_get_value (states, g_value_get_enum (from));

  g_value_set_string (to, state ? state->value_nick : "?");
  return TRUE;
}

typedef struct
{
  const char              *property;   /* of the transfer */
  const char              *target;     /* of the widget */
  GBindingTransformFunc    transform;
} Column;

static const Column columns[] = {
  { "url", "label", NULL },
  { "bytes-received", "fraction", bytes_to_fraction },
  { "download-speed", "label", speed_to_text },
  { "state", "label", state_to_text },
};

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            const Column             *column)
{
  if (column->transform == bytes_to_fraction)
    gtk_list_item_set_child (item, gtk_progress_bar_new ());
  else
    {
      GtkWidget *label = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_START);
      gtk_list_item_set_child (item, label);
    }
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           const Column             *column)
{
  GCurlTransfer *transfer = gtk_list_item_get_item (item);
  GBinding *binding;

  binding = g_object_bind_property_full (transfer, column->property,
                                         gtk_list_item_get_child (item), column->target,
                                         G_BINDING_SYNC_CREATE,
                                         column->transform, NULL, NULL, NULL);
  g_object_set_data (G_OBJECT (item), "binding", binding);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             const Column             *column)
{
  g_binding_unbind (g_object_get_data (G_OBJECT (item), "binding"));
  g_object_set_data (G_OBJECT (item), "binding", NULL);
}

static void
on_activate_row (GtkColumnView *view,
                 guint          position,
                 gpointer       data)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));
  g_autoptr(GCurlTransfer) transfer = g_list_model_get_item (model, position);

  if (gcurl_transfer_get_state (transfer) == GCURL_TRANSFER_STATE_PAUSED)
    gcurl_transfer_resume (transfer);
  else if (gcurl_transfer_get_state (transfer) == GCURL_TRANSFER_STATE_RUNNING)
    gcurl_transfer_pause (transfer);
}

static void
on_finished (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;

  /* The row shows the final state; the message goes to the terminal. */
  if (!gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error))
    g_printerr ("%s\n", error->message);
}

static void
start_downloads (GCurlMultiSource *source,
                 GListStore       *downloads,
                 char            **urls)
{
  const char *folder = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  for (guint i = 0; urls[i] != NULL; i++)
    {
      g_autoptr(GCurlTransfer) transfer = gcurl_transfer_new (urls[i]);
      g_autofree char *name = gcurl_transfer_dup_suggested_filename (transfer);
      g_autoptr(GFile) file = g_file_new_build_filename (folder ? folder : g_get_home_dir (),
                                                          name, NULL);

      gcurl_transfer_set_output_file (transfer, file, GCURL_DOWNLOAD_FLAGS_RESUME);
      g_list_store_append (downloads, transfer);
      gcurl_multi_source_perform_async (source, transfer, NULL, on_finished, NULL);
    }
}

static void
on_open (GApplication  *app,
         GFile        **files,
         int            n_files,
         const char    *hint,
         gpointer       data)
{
  GCurlMultiSource *source = data;
  g_autoptr(GListStore) downloads = g_list_store_new (GCURL_TYPE_TRANSFER);
  g_auto(GStrv) urls = g_new0 (char *, n_files + 1);
  static const char *titles[] = { "Address", "Progress", "Speed", "State" };
  GtkWidget *window, *scrolled, *view;

  for (int i = 0; i < n_files; i++)
    urls[i] = g_file_get_uri (files[i]);

  view = gtk_column_view_new (GTK_SELECTION_MODEL (
    gtk_single_selection_new (G_LIST_MODEL (g_object_ref (downloads)))));
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), (gpointer) &columns[i]);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), (gpointer) &columns[i]);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), (gpointer) &columns[i]);
      column = gtk_column_view_column_new (titles[i], factory);
      gtk_column_view_column_set_expand (column, i == 0 || i == 1);
      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
    }
  g_signal_connect (view, "activate", G_CALLBACK (on_activate_row), NULL);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  window = gtk_application_window_new (GTK_APPLICATION (app));
  gtk_window_set_title (GTK_WINDOW (window), "Downloads");
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 400);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_present (GTK_WINDOW (window));

  start_downloads (source, downloads, urls);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GCurlMultiSource) source = NULL;

  /* GtkApplication turns the command-line arguments into GFiles ("open");
   * the source belongs to the main context the application runs. */
  app = gtk_application_new ("org.gcurlmulti.GtkDownloads",
                             G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  source = gcurl_multi_source_new ();
  g_signal_connect (app, "open", G_CALLBACK (on_open), source);
  return g_application_run (G_APPLICATION (app), argc, argv);
}

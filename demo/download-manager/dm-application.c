/* dm-application.c: the download manager application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gcurl-download-manager [--demo] [URL…]
 *
 * One instance per session: URLs given to a second invocation go to the
 * running one (GApplication's command-line forwarding) and start at once.
 * Every operation is an action, so the window's buttons and keys, another
 * process over D-Bus (gapplication action org.gcurlmulti.DownloadManager
 * pause 3) and the tests all go through the same code:
 *
 *   app.add-urls(as)   app.pause(u)   app.resume(u)  app.cancel(u)
 *   app.retry(u)       app.remove(u)  app.open-file(u) app.open-folder(u)
 *   app.cancel-rows(au) app.remove-rows(au)
 *   app.pause-all      app.resume-all app.add        app.preferences
 *   app.shortcuts      app.about      app.quit
 *
 * where u is a row's id. The window's actions (win.pause …) apply the
 * app's to the selected rows.
 */

#include "dm-application.h"

#include "demo-server.h"

struct _DmApplication
{
  AdwApplication parent_instance;

  DmManager     *manager;
  DmWindow      *window;
  DemoServer    *demo_server;
};

G_DEFINE_FINAL_TYPE (DmApplication, dm_application, ADW_TYPE_APPLICATION)

static DmDownload *
find (DmApplication *self,
      GVariant      *parameter)
{
  DmDownload *download = dm_manager_find (self->manager, g_variant_get_uint32 (parameter));

  if (download == NULL)
    g_debug ("No download %u", g_variant_get_uint32 (parameter));
  return download;
}

static void
ensure_window (DmApplication *self)
{
  if (self->window == NULL)
    {
      self->window = dm_window_new (GTK_APPLICATION (self), self->manager);
      g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
    }
  gtk_window_present (GTK_WINDOW (self->window));
}

void
dm_application_add_urls (DmApplication      *self,
                         const char * const *urls,
                         const char         *subfolder,
                         gboolean            transient)
{
  g_autoptr(GPtrArray) added = dm_manager_add_urls (self->manager, urls, subfolder, transient);
  g_autofree char *message = NULL;

  if (self->window != NULL && added->len > 0)
    {
      message = g_strdup_printf ("%u download%s added", added->len, added->len == 1 ? "" : "s");
      dm_window_show_message (self->window, message);
    }
}

/* ---------------------------------------------------------------------- */
/* Actions                                                                 */

static void
add_urls_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  g_autofree const char **urls = g_variant_get_strv (parameter, NULL);

  dm_application_add_urls (data, urls, NULL, FALSE);
}

#define ROW_ACTION(name, call)                                                   \
  static void                                                                    \
  name##_action (GSimpleAction *action, GVariant *parameter, gpointer data)      \
  {                                                                              \
    DmApplication *self = data;                                                  \
    DmDownload *download = find (self, parameter);                               \
                                                                                 \
    if (download != NULL)                                                        \
      call (self->manager, download);                                            \
  }

ROW_ACTION (pause, dm_manager_pause)
ROW_ACTION (resume, dm_manager_resume)
ROW_ACTION (cancel, dm_manager_cancel)
ROW_ACTION (retry, dm_manager_retry)
ROW_ACTION (remove, dm_manager_remove)

/* app.cancel-rows(au) and app.remove-rows(au): bulk actions, one change
 * of the list for all the rows (the window's Remove goes through the
 * manager's trash instead, to be undone). */
#define ROWS_ACTION(name, call)                                                  \
  static void                                                                    \
  name##_rows_action (GSimpleAction *action, GVariant *parameter, gpointer data) \
  {                                                                              \
    DmApplication *self = data;                                                  \
    g_autoptr(GPtrArray) rows = find_all (self, parameter);                      \
                                                                                 \
    call (self->manager, rows);                                                  \
  }

static GPtrArray *
find_all (DmApplication *self,
          GVariant      *parameter)
{
  gsize n = 0;
  const guint32 *ids = g_variant_get_fixed_array (parameter, &n, sizeof (guint32));
  GPtrArray *rows = g_ptr_array_new ();

  for (gsize i = 0; i < n; i++)
    {
      DmDownload *download = dm_manager_find (self->manager, ids[i]);

      if (download != NULL)
        g_ptr_array_add (rows, download);
    }
  return rows;
}

ROWS_ACTION (cancel, dm_manager_cancel_many)
ROWS_ACTION (remove, dm_manager_remove_many)

/* Whether the desktop has an application for @file's type. Without one,
 * gtk_show_uri() puts up GTK's "Could not show link" dialog, which tells
 * a user nothing they can act on. */
static gboolean
has_handler (GFile      *file,
             const char *fallback_type,
             char      **content_type)
{
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  const char *type = info ? g_file_info_get_content_type (info) : NULL;
  g_autoptr(GAppInfo) app = NULL;

  *content_type = g_strdup (type ? type : fallback_type);
  app = g_app_info_get_default_for_type (*content_type, FALSE);
  return app != NULL;
}

static void
show_uri (DmApplication *self,
          GFile         *file)
{
  g_autofree char *uri = g_file_get_uri (file);

  gtk_show_uri (self->window ? GTK_WINDOW (self->window) : NULL, uri, GDK_CURRENT_TIME);
}

/* Opens @file, or shows its folder when nothing opens its type, or says
 * where it is when nothing shows folders either. */
static void
open_or_show (DmApplication *self,
              GFile         *file,
              gboolean       is_folder)
{
  g_autoptr(GFile) folder = is_folder ? g_object_ref (file) : g_file_get_parent (file);
  g_autofree char *type = NULL;
  g_autofree char *folder_type = NULL;
  g_autofree char *where = g_file_get_parse_name (folder);
  g_autofree char *message = NULL;

  if (has_handler (file, is_folder ? "inode/directory" : "application/octet-stream", &type))
    {
      show_uri (self, file);
      return;
    }
  if (!is_folder && has_handler (folder, "inode/directory", &folder_type))
    {
      g_autofree char *description = g_content_type_get_description (type);
      g_autofree char *name = g_file_get_basename (file);

      message = g_strdup_printf ("No application opens %s (%s): showing its folder", name,
                                 description);
      show_uri (self, folder);
    }
  else if (is_folder)
    message = g_strdup_printf ("No application shows folders; the download folder is %s", where);
  else
    {
      g_autofree char *name = g_file_get_basename (file);

      message = g_strdup_printf ("No application opens %s; it is in %s", name, where);
    }
  if (self->window != NULL)
    dm_window_show_message (self->window, message);
}

static void
open_file_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;
  DmDownload *download = find (self, parameter);

  if (download != NULL && dm_download_get_status (download) == DM_STATUS_DONE)
    open_or_show (self, dm_download_get_file (download), FALSE);
}

static void
open_folder_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;
  DmDownload *download = find (self, parameter);
  g_autoptr(GFile) folder = download ? g_file_get_parent (dm_download_get_file (download)) : NULL;

  if (folder != NULL)
    open_or_show (self, folder, TRUE);
}

static void
for_all (DmApplication *self,
         void (*call) (DmManager *, DmDownload *))
{
  GListModel *downloads = dm_manager_get_downloads (self->manager);

  for (guint i = 0; i < g_list_model_get_n_items (downloads); i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (downloads, i);

      call (self->manager, download);
    }
}

static void
pause_all_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  for_all (data, dm_manager_pause);
}

static void
resume_all_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  for_all (data, dm_manager_resume);
}

static void
add_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;

  ensure_window (self);
  dm_window_show_add_dialog (self->window);
}

static void
preferences_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;

  ensure_window (self);
  dm_window_show_preferences (self->window);
}

static const char shortcuts_ui[] =
  "<interface>"
  " <object class='GtkShortcutsWindow' id='shortcuts'>"
  "  <property name='modal'>1</property>"
  "  <child><object class='GtkShortcutsSection'><property name='section-name'>main</property>"
  "   <child><object class='GtkShortcutsGroup'><property name='title'>Downloads</property>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Add URLs</property><property name='accelerator'>&lt;Control&gt;n</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Paste URLs</property><property name='accelerator'>&lt;Control&gt;v</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Pause or resume the selected</property><property name='accelerator'>space</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Cancel the selected</property><property name='accelerator'>&lt;Control&gt;period</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Retry the selected</property><property name='accelerator'>&lt;Control&gt;r</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Remove the selected from the list</property><property name='accelerator'>Delete</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Open the selected</property><property name='accelerator'>&lt;Control&gt;o</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Open the folder</property><property name='accelerator'>&lt;Control&gt;&lt;Shift&gt;o</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Pause all</property><property name='accelerator'>&lt;Control&gt;&lt;Shift&gt;p</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Resume all</property><property name='accelerator'>&lt;Control&gt;&lt;Shift&gt;r</property></object></child>"
  "   </object></child>"
  "   <child><object class='GtkShortcutsGroup'><property name='title'>Application</property>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Preferences</property><property name='accelerator'>&lt;Control&gt;comma</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Keyboard shortcuts</property><property name='accelerator'>&lt;Control&gt;question</property></object></child>"
  "    <child><object class='GtkShortcutsShortcut'><property name='title'>Quit</property><property name='accelerator'>&lt;Control&gt;q</property></object></child>"
  "   </object></child>"
  "  </object></child>"
  " </object>"
  "</interface>";

static void
shortcuts_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_string (shortcuts_ui, -1);
  GtkWindow *window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts"));

  ensure_window (self);
  gtk_window_set_transient_for (window, GTK_WINDOW (self->window));
  gtk_window_present (window);
}

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;
  static const char *developers[] = { "The gcurlmulti authors", NULL };
  GtkWidget *about;

  ensure_window (self);
  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", self->window,
                        "application-name", "Haul",
                        "application-icon", DM_APPLICATION_ID,
                        "comments", "A download manager on libcurl and the GLib main loop: "
                                    "the demo of gcurlmulti.",
                        "version", GCURL_VERSION_S,
                        "license-type", GTK_LICENSE_LGPL_2_1,
                        "developers", developers,
                        "developer-name", "The gcurlmulti authors",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* Quitting closes the window, which asks first while downloads run. */
static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  DmApplication *self = data;

  if (self->window != NULL)
    gtk_window_close (GTK_WINDOW (self->window));
  else
    g_application_quit (G_APPLICATION (data));
}

static const GActionEntry app_entries[] = {
  { "add-urls", add_urls_action, "as", NULL, NULL, { 0 } },
  { "pause", pause_action, "u", NULL, NULL, { 0 } },
  { "resume", resume_action, "u", NULL, NULL, { 0 } },
  { "cancel", cancel_action, "u", NULL, NULL, { 0 } },
  { "retry", retry_action, "u", NULL, NULL, { 0 } },
  { "remove", remove_action, "u", NULL, NULL, { 0 } },
  { "cancel-rows", cancel_rows_action, "au", NULL, NULL, { 0 } },
  { "remove-rows", remove_rows_action, "au", NULL, NULL, { 0 } },
  { "open-file", open_file_action, "u", NULL, NULL, { 0 } },
  { "open-folder", open_folder_action, "u", NULL, NULL, { 0 } },
  { "pause-all", pause_all_action, NULL, NULL, NULL, { 0 } },
  { "resume-all", resume_all_action, NULL, NULL, NULL, { 0 } },
  { "add", add_action, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_action, NULL, NULL, NULL, { 0 } },
  { "shortcuts", shortcuts_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
};

static const struct
{
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.add", { "<Control>n", NULL } },
  { "win.paste", { "<Control>v", NULL } },
  { "win.toggle-pause", { "space", NULL } },
  { "win.cancel", { "<Control>period", NULL } },
  { "win.retry", { "<Control>r", NULL } },
  { "win.remove", { "Delete", NULL } },
  { "win.open-file", { "<Control>o", NULL } },
  { "win.open-folder", { "<Control><Shift>o", NULL } },
  { "app.pause-all", { "<Control><Shift>p", NULL } },
  { "app.resume-all", { "<Control><Shift>r", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "app.shortcuts", { "<Control>question", NULL } },
  { "app.quit", { "<Control>q", NULL } },
  { "window.close", { "<Control>w", NULL } },
};

/* ---------------------------------------------------------------------- */
/* GApplication                                                            */

static void
dm_application_startup (GApplication *app)
{
  DmApplication *self = DM_APPLICATION (app);
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "gcurl-download-manager", NULL);
  g_autofree char *config_dir = g_build_filename (g_get_user_config_dir (), "gcurl-download-manager", NULL);

  G_APPLICATION_CLASS (dm_application_parent_class)->startup (app);

  self->manager = dm_manager_new (data_dir, config_dir);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static void
dm_application_activate (GApplication *app)
{
  ensure_window (DM_APPLICATION (app));
}

static int
dm_application_command_line (GApplication            *app,
                             GApplicationCommandLine *command_line)
{
  DmApplication *self = DM_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree const char **args = NULL;
  gboolean demo = FALSE;

  ensure_window (self);
  g_variant_dict_lookup (options, "demo", "b", &demo);
  if (demo && self->demo_server == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) urls = NULL;

      self->demo_server = demo_server_new (&error);
      if (self->demo_server == NULL)
        {
          g_application_command_line_printerr (command_line, "Cannot start the demo server: %s\n",
                                               error->message);
          return 1;
        }
      urls = demo_server_dup_urls (self->demo_server);
      /* Into a folder of their own, and not saved: the server's port is
       * another one next time. */
      dm_application_add_urls (self, (const char * const *) urls, "gcurlmulti-demo", TRUE);
    }
  if (g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &args) && args != NULL)
    dm_application_add_urls (self, args, NULL, FALSE);
  return 0;
}

static void
dm_application_shutdown (GApplication *app)
{
  DmApplication *self = DM_APPLICATION (app);

  if (self->window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->window));
  /* Saves the queue; running downloads keep their .part files. */
  g_clear_object (&self->manager);
  g_clear_pointer (&self->demo_server, demo_server_free);
  G_APPLICATION_CLASS (dm_application_parent_class)->shutdown (app);
}

static void
dm_application_class_init (DmApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = dm_application_startup;
  app_class->activate = dm_application_activate;
  app_class->command_line = dm_application_command_line;
  app_class->shutdown = dm_application_shutdown;
}

static void
dm_application_init (DmApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      "Download the files of an embedded local demo server", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL, NULL, "URL…" },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
    "Downloads the URLs given (at once, into the download folder) and any added later.");
}

/**
 * dm_application_new:
 * @extra_flags: more #GApplicationFlags (the tests add NON_UNIQUE)
 */
DmApplication *
dm_application_new (GApplicationFlags extra_flags)
{
  return g_object_new (DM_TYPE_APPLICATION,
                       "application-id", DM_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | extra_flags,
                       NULL);
}

DmManager *
dm_application_get_manager (DmApplication *self)
{
  return self->manager;
}

DmWindow *
dm_application_get_window (DmApplication *self)
{
  return self->window;
}

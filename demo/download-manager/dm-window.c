/* dm-window.c: the download manager's window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GtkColumnView of the manager's rows (name, size, progress, speed, time
 * left, state), a toolbar whose buttons act on the selected rows, and a
 * status line with the totals. Cells are bound to their row's properties
 * only while they show it (bind/unbind), so a list of hundreds of rows
 * costs only what is on screen. Uses the GTK 4.8 and libadwaita 1.2 API
 * only: an AdwApplicationWindow with an AdwHeaderBar, messages in
 * AdwToasts, an AdwStatusPage when the list is empty.
 *
 * - A bind does only what is cheap: tooltips are asked for (query-tooltip)
 *   rather than set on every bind, and removing or cancelling the selected
 *   rows is one change for all of them (the manager's trash,
 *   app.cancel-rows).
 * - Columns have fixed widths, from the widest text each shows, so that
 *   they stay put as figures change; the user may resize them. The
 *   window's size and the widths are kept in CONFIG_DIR/window.ini.
 * - A failed row shows an icon and the error colour; selected, its reason
 *   in full under the list (a tooltip ran off the screen).
 * - libadwaita draws a selected row in a faint tint, on which its progress
 *   bar keeps the accent colour (GTK's own theme filled the row with the
 *   bar's colour, which hid it).
 * - Remove can be undone: a toast says "Removed …" with Undo (or Ctrl+Z)
 *   while the rows wait in the manager's trash, their data kept; it is
 *   deleted when the toast goes. Before cancelling (which deletes what
 *   unfinished downloads received) and before closing or quitting while
 *   downloads run, the window asks. The application's own actions
 *   (D-Bus, scripts) neither ask nor wait.
 */

#include "dm-window.h"
#include "dm-window-test.h"

#include "url-list.h"

#define MESSAGE_SECONDS 8

struct _DmWindow
{
  AdwApplicationWindow parent_instance;

  DmManager          *manager;
  GtkMultiSelection  *selection;
  GtkWidget          *view;
  GtkWidget          *stack;
  GtkLabel           *status;
  AdwToastOverlay    *toasts;
  AdwToast           *toast;         /* the message shown, while shown */
  char               *toast_text;    /* its text, as given */
  AdwToast           *undo_toast;    /* "Removed …", while it can be undone */
  GtkLabel           *failure;       /* why the selected row failed */
  char               *state_file;    /* the window's size and columns */
  GtkWindow          *add_dialog;    /* while open (a weak pointer) */
  GtkWindow          *preferences;   /* while open (a weak pointer) */
  GtkWindow          *confirm;       /* while open (a weak pointer) */
  gboolean            close_confirmed;
};

G_DEFINE_FINAL_TYPE (DmWindow, dm_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---------------------------------------------------------------------- */
/* Cells                                                                   */

static gboolean
size_to_text (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  gint64 size = g_value_get_int64 (from);

  g_value_take_string (to, size >= 0 ? g_format_size (size) : g_strdup ("—"));
  return TRUE;
}

static gboolean
speed_to_text (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  gint64 speed = g_value_get_int64 (from);
  g_autofree char *size = speed > 0 ? g_format_size (speed) : NULL;

  g_value_take_string (to, size ? g_strdup_printf ("%s/s", size) : g_strdup (""));
  return TRUE;
}

static gboolean
seconds_to_text (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  gint64 s = g_value_get_int64 (from);

  if (s < 0)
    g_value_set_string (to, "");
  else if (s >= 3600)
    g_value_take_string (to, g_strdup_printf ("%" G_GINT64_FORMAT " h %02d min", s / 3600, (int) (s / 60 % 60)));
  else if (s >= 60)
    g_value_take_string (to, g_strdup_printf ("%d min %02d s", (int) (s / 60), (int) (s % 60)));
  else
    g_value_take_string (to, g_strdup_printf ("%d s", (int) s));
  return TRUE;
}

typedef struct
{
  const char            *title;
  const char            *property;      /* of the row */
  const char            *target;        /* of the widget */
  GBindingTransformFunc  transform;
  const char            *tooltip;       /* a row property for the tooltip */
  gboolean               expand;
  gboolean               progress;
  double                 xalign;
  const char            *widest;        /* sets the column's width (NULL: width) */
  int                    width;         /* in pixels, when widest is NULL */
  gboolean               state;         /* an icon and the error colour when failed */
} Column;

static const Column columns[] = {
  { "Name", "name", "label", NULL, "url", TRUE, FALSE, 0.0, NULL, 220, FALSE },
  { "Size", "total", "label", size_to_text, NULL, FALSE, FALSE, 1.0, "1023.9 MB", 0, FALSE },
  { "Progress", "fraction", "fraction", NULL, NULL, TRUE, TRUE, 0.0, NULL, 140, FALSE },
  { "Speed", "speed", "label", speed_to_text, NULL, FALSE, FALSE, 1.0, "1023.9 MB/s", 0, FALSE },
  { "Time left", "seconds-left", "label", seconds_to_text, NULL, FALSE, FALSE, 1.0, "999 h 59 min", 0, FALSE },
  { "State", "status-text", "label", NULL, "error-message", FALSE, FALSE, 0.0, "Retry 5/5 soon", 0, TRUE },
};

/* Every cell bind, for the test of bulk actions (dm-window-test.h). */
static guint bind_count;

static gboolean
is_failed (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  g_value_set_boolean (to, g_value_get_enum (from) == DM_STATUS_FAILED);
  return TRUE;
}

static gboolean
failed_to_classes (GBinding *binding, const GValue *from, GValue *to, gpointer data)
{
  static const char *error[] = { "error", NULL };
  static const char *none[] = { NULL };

  g_value_set_boxed (to, g_value_get_enum (from) == DM_STATUS_FAILED ? error : none);
  return TRUE;
}

/* Tooltips are asked for when the pointer rests on a cell, not set on
 * every bind: setting one is a round trip to the X server, which made a
 * bulk removal of 500 rows take 48 s. They wrap, so that a long reason
 * stays on the screen. */
static gboolean
on_query_tooltip (GtkWidget    *widget,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip,
                  const Column *column)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (widget), "dm-item");
  gpointer download = item ? gtk_list_item_get_item (item) : NULL;
  g_autofree char *text = NULL;
  GtkWidget *label;

  if (download == NULL)
    return FALSE;
  g_object_get (download, column->tooltip, &text, NULL);
  if (text == NULL || text[0] == '\0')
    return FALSE;
  label = gtk_label_new (text);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  gtk_tooltip_set_custom (tooltip, label);
  return TRUE;
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            const Column             *column)
{
  GtkWidget *widget, *child;

  if (column->progress)
    {
      widget = gtk_progress_bar_new ();
      gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
    }
  else
    {
      widget = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (widget), column->xalign);
      gtk_label_set_ellipsize (GTK_LABEL (widget), PANGO_ELLIPSIZE_MIDDLE);
      if (column->xalign > 0)
        gtk_widget_add_css_class (widget, "numeric");
    }
  child = widget;
  if (column->state)
    {
      /* [icon] Failed, in the error colour. */
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");

      widget = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_widget_set_visible (icon, FALSE);
      gtk_box_append (GTK_BOX (widget), icon);
      gtk_box_append (GTK_BOX (widget), child);
      g_object_set_data (G_OBJECT (widget), "dm-icon", icon);
    }
  g_object_set_data (G_OBJECT (widget), "dm-target", child);
  if (column->tooltip != NULL)
    {
      g_object_set_data (G_OBJECT (widget), "dm-item", item);
      gtk_widget_set_has_tooltip (widget, TRUE);
      g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip), (gpointer) column);
    }
  gtk_list_item_set_child (item, widget);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           const Column             *column)
{
  DmDownload *download = gtk_list_item_get_item (item);
  GtkWidget *widget = gtk_list_item_get_child (item);
  GPtrArray *bindings = g_ptr_array_new ();

  bind_count++;
  g_ptr_array_add (bindings, g_object_bind_property_full (download, column->property,
                                                          g_object_get_data (G_OBJECT (widget), "dm-target"),
                                                          column->target, G_BINDING_SYNC_CREATE,
                                                          column->transform, NULL, NULL, NULL));
  if (column->state)
    {
      g_ptr_array_add (bindings, g_object_bind_property_full (download, "status",
                                                              g_object_get_data (G_OBJECT (widget), "dm-icon"),
                                                              "visible", G_BINDING_SYNC_CREATE,
                                                              is_failed, NULL, NULL, NULL));
      g_ptr_array_add (bindings, g_object_bind_property_full (download, "status", widget, "css-classes",
                                                              G_BINDING_SYNC_CREATE,
                                                              failed_to_classes, NULL, NULL, NULL));
    }
  g_object_set_data_full (G_OBJECT (item), "dm-bindings", bindings,
                          (GDestroyNotify) g_ptr_array_unref);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             const Column             *column)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (item), "dm-bindings");

  for (guint i = 0; bindings != NULL && i < bindings->len; i++)
    g_binding_unbind (bindings->pdata[i]);
  g_object_set_data (G_OBJECT (item), "dm-bindings", NULL);
}

/* A fixed width per column, from the widest text it shows, so that the
 * columns stay put as rows change; the user may still resize them. */
static int
column_width (GtkWidget    *widget,
              const Column *column)
{
  g_autoptr(PangoLayout) layout = NULL;
  int width = 0;

  if (column->widest == NULL)
    return column->width;
  layout = gtk_widget_create_pango_layout (widget, column->widest);
  pango_layout_get_pixel_size (layout, &width, NULL);
  /* The cell's padding, and the state's icon. */
  return width + 24 + (column->state ? 22 : 0);
}

/* ---------------------------------------------------------------------- */
/* Actions on the selected rows                                            */

static GPtrArray *
selected_downloads (DmWindow *self)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GtkBitsetIter iter;
  guint position;

  for (gboolean more = gtk_bitset_iter_init_first (&iter, set, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    g_ptr_array_add (rows, g_list_model_get_item (G_LIST_MODEL (self->selection), position));
  return rows;
}

/* Runs app.ACTION(id) for every selected row the action applies to. */
static void
for_selected (DmWindow   *self,
              const char *action)
{
  g_autoptr(GPtrArray) rows = selected_downloads (self);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  for (guint i = 0; i < rows->len; i++)
    g_action_group_activate_action (G_ACTION_GROUP (app), action,
                                    g_variant_new_uint32 (dm_download_get_id (rows->pdata[i])));
}

static void
win_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  /* "win.pause" → app.pause(id) for each selected row. */
  for_selected (DM_WINDOW (widget), action_name + strlen ("win."));
}

/* A question before something that loses data: @accept runs @action
 * (an action of the application, with @parameter) once the user agrees;
 * "Keep Downloading", Escape or closing the dialog do nothing. */
static void
on_confirm_accept (GSimpleAction *action,
                   GVariant      *unused,
                   gpointer       data)
{
  GtkWindow *dialog = data;
  DmWindow *self = DM_WINDOW (gtk_window_get_transient_for (dialog));
  const char *app_action = g_object_get_data (G_OBJECT (dialog), "dm-action");
  GVariant *parameter = g_object_get_data (G_OBJECT (dialog), "dm-parameter");

  if (g_str_equal (app_action, "quit"))
    {
      gtk_window_destroy (dialog);
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (gtk_window_get_application (GTK_WINDOW (self))),
                                  app_action, parameter);
  gtk_window_destroy (dialog);
}

static void close_on_escape (GtkWindow *window);

static void
confirm (DmWindow   *self,
         const char *title,
         const char *body,
         const char *accept_label,
         const char *action,
         GVariant   *parameter)
{
  GtkWidget *dialog = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *text = gtk_label_new (body);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *keep = gtk_button_new_with_mnemonic ("_Keep Downloading");
  GtkWidget *accept = gtk_button_new_with_mnemonic (accept_label);
  static const GActionEntry entries[] = {
    { "accept", on_confirm_accept, NULL, NULL, NULL, { 0 } },
  };
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();

  if (self->confirm != NULL)
    gtk_window_destroy (self->confirm);
  gtk_window_set_title (GTK_WINDOW (dialog), title);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (dialog), FALSE);
  gtk_widget_add_css_class (heading, "title-3");
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (text), 50);
  gtk_label_set_justify (GTK_LABEL (text), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (accept, "destructive-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (accept), "confirm.accept");
  g_signal_connect_swapped (keep, "clicked", G_CALLBACK (gtk_window_destroy), dialog);
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_box_append (GTK_BOX (buttons), keep);
  gtk_box_append (GTK_BOX (buttons), accept);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (dialog), box);
  gtk_window_set_default_widget (GTK_WINDOW (dialog), keep);

  g_object_set_data_full (G_OBJECT (dialog), "dm-action", g_strdup (action), g_free);
  if (parameter != NULL)
    g_object_set_data_full (G_OBJECT (dialog), "dm-parameter", g_variant_ref_sink (parameter),
                            (GDestroyNotify) g_variant_unref);
  g_action_map_add_action_entries (G_ACTION_MAP (actions), entries, G_N_ELEMENTS (entries), dialog);
  gtk_widget_insert_action_group (dialog, "confirm", G_ACTION_GROUP (actions));
  close_on_escape (GTK_WINDOW (dialog));
  self->confirm = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->confirm);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (keep);
}

/* The rows removed are in the manager's trash while their toast shows:
 * Undo puts them back, and what they received is deleted only once the
 * toast has gone. */
static void
on_undo_toast_dismissed (AdwToast *toast,
                         DmWindow *self)
{
  if (self->undo_toast != toast || self->manager == NULL)
    return;
  g_clear_object (&self->undo_toast);
  dm_manager_empty_trash (self->manager);
}

static void
trash_rows (DmWindow  *self,
            GPtrArray *rows)
{
  g_autofree char *title = NULL;
  g_autofree char *markup = NULL;
  guint n;

  dm_manager_trash_many (self->manager, rows);
  n = dm_manager_get_trash_size (self->manager);
  if (n == 0)
    return;
  if (n == 1 && rows->len == 1)
    {
      markup = g_markup_escape_text (dm_download_get_name (rows->pdata[0]), -1);
      title = g_strdup_printf ("Removed “%s”", markup);
    }
  else
    title = g_strdup_printf ("Removed %u downloads", n);
  /* Removed again while the toast shows: the same toast, for all. */
  if (self->undo_toast != NULL)
    {
      adw_toast_set_title (self->undo_toast, title);
      return;
    }
  self->undo_toast = adw_toast_new (title);
  adw_toast_set_button_label (self->undo_toast, "_Undo");
  adw_toast_set_action_name (self->undo_toast, "win.undo-remove");
  adw_toast_set_priority (self->undo_toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (self->undo_toast, MESSAGE_SECONDS);
  g_signal_connect_object (self->undo_toast, "dismissed", G_CALLBACK (on_undo_toast_dismissed), self, 0);
  adw_toast_overlay_add_toast (self->toasts, g_object_ref (self->undo_toast));
}

/* Undo (the toast's button, Ctrl+Z): the rows come back. The toast is
 * not dismissed from here (see dm_window_show_message()): it says so
 * until its time is up. */
static void
win_undo_remove (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  DmWindow *self = DM_WINDOW (widget);
  AdwToast *toast = g_steal_pointer (&self->undo_toast);
  guint n = dm_manager_restore_trash (self->manager);

  if (toast != NULL)
    {
      g_autofree char *title = g_strdup_printf (n == 1 ? "%u download back" : "%u downloads back", n);

      adw_toast_set_title (toast, title);
      adw_toast_set_button_label (toast, NULL);
      adw_toast_set_action_name (toast, NULL);
      g_object_unref (toast);
    }
}

const char *
dm_window_get_undo_text (DmWindow *self)
{
  return self->undo_toast != NULL ? adw_toast_get_title (self->undo_toast) : NULL;
}

/* win.cancel: one app.cancel-rows for all the selected rows, so that a
 * bulk action changes the list once; when that deletes what unfinished
 * downloads received, the user is asked first. win.remove takes the
 * rows away at once, in one change of the list, and can be undone. */
static void
win_rows_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  DmWindow *self = DM_WINDOW (widget);
  g_autoptr(GPtrArray) rows = selected_downloads (self);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GArray) ids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), rows->len);
  g_autofree char *app_action = g_strconcat (action_name + strlen ("win."), "-rows", NULL);
  gboolean removing = g_str_equal (action_name, "win.remove");
  gint64 losing = 0;
  guint losing_rows = 0;
  GVariant *ids_variant;

  if (removing)
    {
      trash_rows (self, rows);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      guint32 id = dm_download_get_id (rows->pdata[i]);
      DmStatus status = dm_download_get_status (rows->pdata[i]);

      g_array_append_val (ids, id);
      if ((status == DM_STATUS_RUNNING || status == DM_STATUS_PAUSED || status == DM_STATUS_QUEUED) &&
          dm_download_get_received (rows->pdata[i]) > 0)
        {
          losing += dm_download_get_received (rows->pdata[i]);
          losing_rows++;
        }
    }
  ids_variant = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, ids->data, ids->len, sizeof (guint32));
  if (losing_rows > 0)
    {
      g_autofree char *size = g_format_size (losing);
      g_autofree char *title = NULL;
      g_autofree char *body = NULL;

      if (rows->len == 1)
        title = g_strdup_printf ("Cancel “%s”?",
                                 dm_download_get_name (rows->pdata[0]));
      else
        title = g_strdup_printf ("Cancel %u Downloads?", rows->len);
      body = g_strdup_printf ("The %s downloaded so far will be deleted.", size);
      confirm (self, title, body, "_Cancel Download", app_action, ids_variant);
      return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (app), app_action, ids_variant);
}

/* Closing the window, or quitting, while downloads run asks first: they
 * stop (and continue from their .part files at the next start). */
static gboolean
on_close_request (GtkWindow *window,
                  DmWindow  *self)
{
  GListModel *downloads = dm_manager_get_downloads (self->manager);
  guint going = 0;
  g_autofree char *title = NULL;

  if (self->close_confirmed || dm_manager_is_idle (self->manager))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (downloads); i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (downloads, i);
      DmStatus status = dm_download_get_status (download);

      going += status == DM_STATUS_RUNNING || status == DM_STATUS_QUEUED;
    }
  title = g_strdup_printf (going == 1 ? "Stop %u Download?" : "Stop %u Downloads?", going);
  confirm (self, title, "They stop now, and continue where they were when Haul starts again.",
           "_Quit", "quit", NULL);
  return TRUE;
}

static void
win_toggle_pause (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DmWindow *self = DM_WINDOW (widget);
  g_autoptr(GPtrArray) rows = selected_downloads (self);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  for (guint i = 0; i < rows->len; i++)
    {
      DmStatus status = dm_download_get_status (rows->pdata[i]);

      g_action_group_activate_action (G_ACTION_GROUP (app),
                                      status == DM_STATUS_PAUSED ? "resume" : "pause",
                                      g_variant_new_uint32 (dm_download_get_id (rows->pdata[i])));
    }
}

static void
update_actions (DmWindow *self)
{
  g_autoptr(GPtrArray) rows = selected_downloads (self);
  gboolean can[6] = { FALSE };
  enum { PAUSE, RESUME, CANCEL, RETRY, OPEN, ANY };
  DmDownload *failed = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      DmStatus status = dm_download_get_status (rows->pdata[i]);

      if (status == DM_STATUS_FAILED && failed == NULL)
        failed = rows->pdata[i];

      can[PAUSE] |= status == DM_STATUS_RUNNING || status == DM_STATUS_QUEUED;
      can[RESUME] |= status == DM_STATUS_PAUSED;
      can[CANCEL] |= status == DM_STATUS_RUNNING || status == DM_STATUS_QUEUED || status == DM_STATUS_PAUSED;
      can[RETRY] |= status == DM_STATUS_FAILED || status == DM_STATUS_CANCELLED;
      can[OPEN] |= status == DM_STATUS_DONE;
      can[ANY] = TRUE;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pause", can[PAUSE]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.resume", can[RESUME]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-pause", can[PAUSE] || can[RESUME]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", can[CANCEL]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry", can[RETRY]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-file", can[OPEN]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-folder", can[ANY]);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove", can[ANY]);

  /* The reason of a selected failure, in full, under the list. */
  if (failed != NULL)
    {
      g_autofree char *text = g_strdup_printf ("“%s” failed: %s", dm_download_get_name (failed),
                                               dm_download_get_error_message (failed)
                                               ? dm_download_get_error_message (failed) : "no reason given");

      if (g_strcmp0 (gtk_label_get_text (self->failure), text) != 0)
        gtk_label_set_text (self->failure, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->failure), failed != NULL);
}

static void
on_activate_row (GtkColumnView *view,
                 guint          position,
                 DmWindow      *self)
{
  g_autoptr(DmDownload) download = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  const char *action = NULL;

  switch (dm_download_get_status (download))
    {
    case DM_STATUS_DONE: action = "open-file"; break;
    case DM_STATUS_RUNNING:
    case DM_STATUS_QUEUED: action = "pause"; break;
    case DM_STATUS_PAUSED: action = "resume"; break;
    case DM_STATUS_FAILED:
    case DM_STATUS_CANCELLED: action = "retry"; break;
    default: return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (app), action,
                                  g_variant_new_uint32 (dm_download_get_id (download)));
}

/* ---------------------------------------------------------------------- */
/* Status line                                                             */

static void
update_status (DmWindow *self)
{
  g_autofree char *summary = dm_manager_dup_summary (self->manager);
  guint n = g_list_model_get_n_items (dm_manager_get_downloads (self->manager));

  gtk_label_set_text (self->status, summary);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), n > 0 ? "list" : "empty");
  update_actions (self);
}

static void
on_toast_dismissed (AdwToast *toast,
                    DmWindow *self)
{
  if (self->toast != toast)
    return;
  g_clear_object (&self->toast);
  g_clear_pointer (&self->toast_text, g_free);
}

/* A message in a toast. A toast still shown takes the new text rather
 * than being dismissed for a new one, and the application never
 * dismisses one itself: libadwaita 1.2 crashes when a toast is dismissed
 * while toasts animate (the end of a hide animation unrefs what is gone).
 * NULL forgets the message shown: it goes at its timeout, and the next is
 * a toast of its own. A toast's title is markup: what comes from the
 * network or the user is escaped. */
void
dm_window_show_message (DmWindow   *self,
                        const char *message)
{
  g_autofree char *markup = NULL;

  g_clear_pointer (&self->toast_text, g_free);
  if (message == NULL)
    {
      g_clear_object (&self->toast);
      return;
    }
  markup = g_markup_escape_text (message, -1);
  self->toast_text = g_strdup (message);
  if (self->toast != NULL)
    {
      adw_toast_set_title (self->toast, markup);
      return;
    }
  self->toast = adw_toast_new (markup);
  adw_toast_set_timeout (self->toast, MESSAGE_SECONDS);
  g_signal_connect_object (self->toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);
  adw_toast_overlay_add_toast (self->toasts, g_object_ref (self->toast));
}

const char *
dm_window_get_toast_text (DmWindow *self)
{
  return self->toast_text;
}

const char *
dm_window_get_status_text (DmWindow *self)
{
  return gtk_label_get_text (self->status);
}

GtkSelectionModel *
dm_window_get_selection (DmWindow *self)
{
  return GTK_SELECTION_MODEL (self->selection);
}

GtkWidget *
dm_window_get_view (DmWindow *self)
{
  return self->view;
}

const char *
dm_window_get_failure_text (DmWindow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->failure)) ? gtk_label_get_text (self->failure) : NULL;
}

guint
dm_window_get_bind_count (void)
{
  return bind_count;
}

GtkWindow *
dm_window_get_confirm_dialog (DmWindow *self)
{
  return self->confirm;
}

GtkWindow *
dm_window_get_add_dialog (DmWindow *self)
{
  return self->add_dialog;
}

GtkWindow *
dm_window_get_preferences (DmWindow *self)
{
  return self->preferences;
}

char *
dm_add_dialog_get_text (GtkWindow *dialog)
{
  GtkTextBuffer *buffer = g_object_get_data (G_OBJECT (dialog), "buffer");
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
dm_add_dialog_set_text (GtkWindow  *dialog,
                        const char *text)
{
  gtk_text_buffer_set_text (g_object_get_data (G_OBJECT (dialog), "buffer"), text, -1);
}

const char *
dm_add_dialog_get_problems (GtkWindow *dialog)
{
  GtkWidget *label = g_object_get_data (G_OBJECT (dialog), "problems");

  return gtk_widget_get_visible (label) ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

void
dm_window_select (DmWindow *self,
                  guint     position)
{
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
}

/* Adds the URLs in text (typed or pasted); says what was not taken. */
static void
add_text (DmWindow   *self,
          const char *text)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_auto(GStrv) urls = demo_parse_url_list (text, -1, &problems);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (urls[0] != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "add-urls",
                                    g_variant_new_strv ((const char * const *) urls, -1));
  if (problems->len > 0)
    {
      g_autofree char *message = g_strdup_printf ("%u line%s not added: %s%s", problems->len,
                                                  problems->len == 1 ? "" : "s",
                                                  (char *) problems->pdata[0],
                                                  problems->len > 1 ? " …" : "");
      dm_window_show_message (self, message);
    }
  else if (urls[0] == NULL)
    dm_window_show_message (self, "No URL to add: one http:// or https:// URL per line");
}

/* New rows (the Add dialog, a paste, D-Bus, the command line: all come
 * through app.add-urls) are selected and scrolled to, once per batch:
 * nothing here is per row. */
static void
on_rows_changed (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 DmWindow   *self)
{
  GtkWidget *list;

  if (added == 0 || removed != 0 || position + added != g_list_model_get_n_items (model))
    return;
  gtk_selection_model_select_range (GTK_SELECTION_MODEL (self->selection), position, added, TRUE);
  /* GTK 4.8 has no gtk_column_view_scroll_to(): its list view has the
   * action. */
  for (list = gtk_widget_get_first_child (self->view); list != NULL; list = gtk_widget_get_next_sibling (list))
    if (GTK_IS_LIST_VIEW (list))
      gtk_widget_activate_action (list, "list.scroll-to-item", "u", position);
}

/* ---------------------------------------------------------------------- */
/* Paste, add, preferences                                                 */

static void
on_clipboard_text (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(DmWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);

  if (text == NULL)
    dm_window_show_message (self, "The clipboard has no text to add");
  else
    add_text (self, text);
}

static void
win_paste (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL,
                                 on_clipboard_text, g_object_ref (widget));
}

/* The most problems the Add dialog lists; the rest are counted. */
#define MAX_LISTED_PROBLEMS 8

/* Adds the dialog's good lines. Lines not taken stay in the box, with
 * every problem listed under it, and the dialog stays open; with none
 * left it closes. */
static void
add_dialog_submit (GtkWindow *dialog)
{
  DmWindow *self = DM_WINDOW (gtk_window_get_transient_for (dialog));
  GtkTextBuffer *buffer = g_object_get_data (G_OBJECT (dialog), "buffer");
  GtkLabel *problems_label = g_object_get_data (G_OBJECT (dialog), "problems");
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GString) kept = g_string_new (NULL);
  g_autoptr(GString) listed = g_string_new (NULL);
  g_auto(GStrv) urls = NULL;
  g_auto(GStrv) lines = NULL;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  urls = demo_parse_url_list (text, -1, &problems);

  if (urls[0] == NULL && problems->len == 0)
    {
      gtk_label_set_text (problems_label, "No URL to add: one http:// or https:// URL per line");
      gtk_widget_set_visible (GTK_WIDGET (problems_label), TRUE);
      return;
    }
  if (urls[0] != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "add-urls",
                                    g_variant_new_strv ((const char * const *) urls, -1));
  if (problems->len == 0)
    {
      gtk_window_destroy (dialog);
      return;
    }

  /* Keep the lines that were not taken, to be fixed. */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line_text = NULL;
      const char *why = NULL;

      if (!demo_url_list_check_line (lines[i], strlen (lines[i]), &line_text, &why) && why != NULL)
        g_string_append_printf (kept, "%s%s", kept->len ? "\n" : "", lines[i]);
    }
  gtk_text_buffer_set_text (buffer, kept->str, -1);

  for (guint i = 0; i < problems->len && i < MAX_LISTED_PROBLEMS; i++)
    g_string_append_printf (listed, "%s%s", i ? "\n" : "", (char *) problems->pdata[i]);
  if (problems->len > MAX_LISTED_PROBLEMS)
    g_string_append_printf (listed, "\nand %u more", problems->len - MAX_LISTED_PROBLEMS);
  g_string_prepend (listed, urls[0] != NULL ? "Added the others. Not added:\n" : "Not added:\n");
  gtk_label_set_text (problems_label, listed->str);
  gtk_widget_set_visible (GTK_WIDGET (problems_label), TRUE);
}

static void
on_add_response (GtkButton *button,
                 GtkWindow *dialog)
{
  add_dialog_submit (dialog);
}

static void
on_add_submit_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       dialog)
{
  add_dialog_submit (dialog);
}

/* Escape closes a window of ours, as it closes a dialog. */
static void
close_on_escape (GtkWindow *window)
{
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Escape"),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (GTK_WIDGET (window), shortcuts);
}

/* URLs break anywhere, without the hyphens Pango adds at a break. */
static void
on_add_text_changed (GtkTextBuffer *buffer,
                     GtkTextTag    *no_hyphens)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_apply_tag (buffer, no_hyphens, &start, &end);
}

/* Pre-fills an empty Add dialog with the URLs on the clipboard, selected,
 * so that typing replaces them. */
static void
on_add_clipboard_text (GObject      *object,
                       GAsyncResult *result,
                       gpointer      data)
{
  g_autoptr(GtkWindow) dialog = data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  GtkTextBuffer *buffer = g_object_get_data (G_OBJECT (dialog), "buffer");
  g_autoptr(GPtrArray) problems = NULL;
  g_auto(GStrv) urls = NULL;
  g_autofree char *joined = NULL;
  GtkTextIter start, end;

  if (text == NULL || buffer == NULL || gtk_text_buffer_get_char_count (buffer) > 0)
    return;
  urls = demo_parse_url_list (text, -1, &problems);
  if (urls[0] == NULL)
    return;
  joined = g_strjoinv ("\n", urls);
  gtk_text_buffer_set_text (buffer, joined, -1);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_select_range (buffer, &start, &end);
}

void
dm_window_show_add_dialog (DmWindow *self)
{
  GtkWidget *dialog = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *hint = gtk_label_new ("One http:// or https:// URL per line:");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *text = gtk_text_view_new ();
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  GtkWidget *add = gtk_button_new_with_mnemonic ("_Add");
  g_autofree char *folder = g_strdup_printf ("Downloads go to %s", dm_manager_get_download_folder (self->manager));
  GtkWidget *where = gtk_label_new (folder);
  GtkWidget *problems = gtk_label_new (NULL);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text));
  GtkTextTag *no_hyphens = gtk_text_buffer_create_tag (buffer, NULL, "insert-hyphens", FALSE, NULL);
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();
  static const GActionEntry add_entries[] = {
    { "submit", on_add_submit_action, NULL, NULL, NULL, { 0 } },
  };
  g_autoptr(GSimpleActionGroup) actions = g_simple_action_group_new ();

  gtk_window_set_title (GTK_WINDOW (dialog), "Add Downloads");
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 560, 320);
  gtk_header_bar_set_show_title_buttons (GTK_HEADER_BAR (header), FALSE);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), cancel);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), add);
  gtk_widget_add_css_class (add, "suggested-action");
  gtk_widget_set_tooltip_text (add, "Add (Ctrl+Enter)");
  gtk_window_set_titlebar (GTK_WINDOW (dialog), header);
  gtk_window_set_default_widget (GTK_WINDOW (dialog), add);

  gtk_label_set_xalign (GTK_LABEL (hint), 0.0);
  gtk_label_set_xalign (GTK_LABEL (where), 0.0);
  gtk_widget_add_css_class (where, "dim-label");
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (text), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (text), GTK_WRAP_CHAR);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), text);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_add_css_class (scrolled, "frame");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_label_set_xalign (GTK_LABEL (problems), 0.0);
  gtk_label_set_wrap (GTK_LABEL (problems), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (problems), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (problems), TRUE);
  gtk_widget_add_css_class (problems, "error");
  gtk_widget_set_visible (problems, FALSE);
  g_signal_connect (buffer, "changed", G_CALLBACK (on_add_text_changed), no_hyphens);
  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_box_append (GTK_BOX (box), problems);
  gtk_box_append (GTK_BOX (box), where);
  gtk_window_set_child (GTK_WINDOW (dialog), box);

  /* A reference: a clipboard read may finish after the dialog closed. */
  g_object_set_data_full (G_OBJECT (dialog), "buffer", g_object_ref (buffer), g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "problems", problems);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), dialog);
  g_signal_connect (add, "clicked", G_CALLBACK (on_add_response), dialog);

  /* Ctrl+Enter adds from inside the text, where Enter is a new line;
   * Escape cancels. */
  g_action_map_add_action_entries (G_ACTION_MAP (actions), add_entries, G_N_ELEMENTS (add_entries), dialog);
  gtk_widget_insert_action_group (dialog, "add", G_ACTION_GROUP (actions));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>Return|<Control>KP_Enter"),
                                                          gtk_named_action_new ("add.submit")));
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_MANAGED);
  gtk_widget_add_controller (dialog, shortcuts);
  close_on_escape (GTK_WINDOW (dialog));

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (self)), NULL,
                                 on_add_clipboard_text, g_object_ref (dialog));
  self->add_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->add_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (text);
}

static void
on_folder_chosen (GtkNativeDialog *chooser,
                  int              response,
                  DmWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        dm_manager_set_download_folder (self->manager, path);
    }
  g_object_unref (chooser);
}

static void
on_choose_folder (GtkButton *button,
                  GtkWindow *preferences)
{
  DmWindow *self = DM_WINDOW (gtk_window_get_transient_for (preferences));
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new ("Download Folder", preferences,
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Select", "_Cancel");
  g_autoptr(GFile) current = g_file_new_for_path (dm_manager_get_download_folder (self->manager));

  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), current, NULL);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static GtkWidget *
spin_row (GtkGrid    *grid,
          int         row,
          const char *text,
          const char *hint,
          DmManager  *manager,
          const char *property,
          double      lower,
          double      upper)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, 1);
  GtkWidget *note = gtk_label_new (hint);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
  gtk_label_set_xalign (GTK_LABEL (note), 0.0);
  gtk_widget_add_css_class (note, "dim-label");
  g_object_bind_property (manager, property, spin, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, spin, 1, row, 1, 1);
  gtk_grid_attach (grid, note, 2, row, 1, 1);
  return spin;
}

void
dm_window_show_preferences (DmWindow *self)
{
  GtkWidget *dialog = gtk_window_new ();
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *folder_label = gtk_label_new_with_mnemonic ("Download _folder");
  GtkWidget *folder = gtk_label_new (NULL);
  GtkWidget *choose = gtk_button_new_with_mnemonic ("_Choose…");

  gtk_window_set_title (GTK_WINDOW (dialog), "Preferences");
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  close_on_escape (GTK_WINDOW (dialog));
  self->preferences = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->preferences);
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (dialog), FALSE);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 18);
  gtk_widget_set_margin_bottom (grid, 18);

  gtk_label_set_xalign (GTK_LABEL (folder_label), 0.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (folder_label), choose);
  gtk_label_set_ellipsize (GTK_LABEL (folder), PANGO_ELLIPSIZE_START);
  gtk_label_set_width_chars (GTK_LABEL (folder), 30);
  gtk_label_set_xalign (GTK_LABEL (folder), 0.0);
  g_object_bind_property (self->manager, "download-folder", folder, "label", G_BINDING_SYNC_CREATE);
  gtk_grid_attach (GTK_GRID (grid), folder_label, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), folder, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), choose, 2, 0, 1, 1);
  g_signal_connect (choose, "clicked", G_CALLBACK (on_choose_folder), dialog);

  spin_row (GTK_GRID (grid), 1, "_Parallel downloads", "the others wait in the queue",
            self->manager, "max-parallel", 1, 100);
  spin_row (GTK_GRID (grid), 2, "Connections per _host", "0: no limit",
            self->manager, "max-host-connections", 0, 64);
  spin_row (GTK_GRID (grid), 3, "Connections per _file", "for servers that limit each one",
            self->manager, "segments", 1, GCURL_DOWNLOAD_MAX_SEGMENTS);
  spin_row (GTK_GRID (grid), 4, "_Speed limit (KiB/s)", "per download, from its start; 0: none",
            self->manager, "speed-limit-kib", 0, 10 * 1024 * 1024);

  gtk_window_set_child (GTK_WINDOW (dialog), grid);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---------------------------------------------------------------------- */
/* Screenshot                                                              */

/* GTK's own rendering of the window into a texture, saved as a PNG. */
gboolean
dm_window_save_screenshot (GtkWindow  *self,
                           const char *path,
                           GError    **error)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (self));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (self));

  if (width <= 0 || height <= 0 || renderer == NULL)
    {
      g_object_unref (snapshot);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "The window is not shown");
      return FALSE;
    }
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window drew nothing");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The window                                                              */

static GtkWidget *
tool_button (const char *icon,
             const char *tooltip,
             const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  return button;
}

static GMenuModel *
main_menu (void)
{
  GMenu *menu = g_menu_new ();
  GMenu *section = g_menu_new ();

  /* Pause All and Resume All are header buttons; Quit is Ctrl+Q, as in
   * GNOME's own applications, not a menu item. */
  g_menu_append (section, "_Preferences", "app.preferences");
  g_menu_append (section, "_Keyboard Shortcuts", "app.shortcuts");
  g_menu_append (section, "_About Haul", "app.about");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_object_unref (section);
  return G_MENU_MODEL (menu);
}

/* The window's size and column widths, kept across runs in
 * CONFIG_DIR/window.ini (saved when the window goes). */
static void
load_state (DmWindow *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree int *widths = NULL;
  gsize n = 0;
  int width, height;
  GListModel *list = gtk_column_view_get_columns (GTK_COLUMN_VIEW (self->view));

  if (!g_key_file_load_from_file (keys, self->state_file, G_KEY_FILE_NONE, NULL))
    return;
  width = g_key_file_get_integer (keys, "window", "width", NULL);
  height = g_key_file_get_integer (keys, "window", "height", NULL);
  if (width >= 320 && width <= 16384 && height >= 240 && height <= 16384)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_key_file_get_boolean (keys, "window", "maximized", NULL))
    gtk_window_maximize (GTK_WINDOW (self));
  widths = g_key_file_get_integer_list (keys, "window", "column-widths", &n, NULL);
  for (guint i = 0; widths != NULL && i < n && i < g_list_model_get_n_items (list); i++)
    if (widths[i] >= 24 && widths[i] <= 4096)
      {
        g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);

        gtk_column_view_column_set_fixed_width (column, widths[i]);
      }
}

static void
save_state (DmWindow *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->state_file);
  GListModel *list = gtk_column_view_get_columns (GTK_COLUMN_VIEW (self->view));
  guint n = g_list_model_get_n_items (list);
  g_autofree int *widths = g_new0 (int, n);
  int width, height;

  /* GTK keeps the default size up to date as the user resizes. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_key_file_set_integer (keys, "window", "width", width);
  g_key_file_set_integer (keys, "window", "height", height);
  g_key_file_set_boolean (keys, "window", "maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, i);

      widths[i] = gtk_column_view_column_get_fixed_width (column);
    }
  g_key_file_set_integer_list (keys, "window", "column-widths", widths, n);
  g_mkdir_with_parents (dir, 0700);
  if (!g_key_file_save_to_file (keys, self->state_file, &error))
    g_warning ("Cannot save the window's size: %s", error->message);
}

static void
dm_window_dispose (GObject *object)
{
  DmWindow *self = DM_WINDOW (object);

  if (self->state_file != NULL && self->view != NULL)
    save_state (self);
  g_clear_pointer (&self->state_file, g_free);
  self->view = NULL;

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->undo_toast);   /* the manager empties its trash */
  g_clear_object (&self->manager);
  g_clear_object (&self->selection);
  g_clear_object (&self->toast);
  g_clear_pointer (&self->toast_text, g_free);
  if (self->add_dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->add_dialog), (gpointer *) &self->add_dialog);
  if (self->preferences != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
  if (self->confirm != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->confirm), (gpointer *) &self->confirm);
  self->add_dialog = self->preferences = self->confirm = NULL;
  G_OBJECT_CLASS (dm_window_parent_class)->dispose (object);
}

static void
dm_window_class_init (DmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const char *row_actions[] = { "win.pause", "win.resume", "win.retry",
                                "win.open-file", "win.open-folder" };

  object_class->dispose = dm_window_dispose;
  for (guint i = 0; i < G_N_ELEMENTS (row_actions); i++)
    gtk_widget_class_install_action (widget_class, row_actions[i], NULL, win_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, win_rows_action);
  gtk_widget_class_install_action (widget_class, "win.remove", NULL, win_rows_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-pause", NULL, win_toggle_pause);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, win_paste);
  gtk_widget_class_install_action (widget_class, "win.undo-remove", NULL, win_undo_remove);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo-remove", NULL);
}

static void
dm_window_init (DmWindow *self)
{
}

static void
on_selection_changed (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      DmWindow          *self)
{
  update_actions (self);
}

DmWindow *
dm_window_new (GtkApplication *app,
               DmManager      *manager)
{
  DmWindow *self = g_object_new (DM_TYPE_WINDOW, "application", app, NULL);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *menu_button = gtk_menu_button_new ();
  g_autoptr(GMenuModel) menu = main_menu ();
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *empty = adw_status_page_new ();

  self->manager = g_object_ref (manager);
  gtk_window_set_title (GTK_WINDOW (self), "Haul");
  gtk_window_set_icon_name (GTK_WINDOW (self), DM_APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self), 980, 560);

  /* Header bar (its buttons flat, as libadwaita draws them): add,
   * paste; the menu, pause all, resume all. */
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), tool_button ("list-add-symbolic", "Add URLs (Ctrl+N)", "app.add"));
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), tool_button ("edit-paste-symbolic", "Paste URLs (Ctrl+V)", "win.paste"));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), menu);
  gtk_widget_set_tooltip_text (menu_button, "Main Menu");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu_button);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), tool_button ("media-playback-start-symbolic", "Resume All", "app.resume-all"));
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), tool_button ("media-playback-pause-symbolic", "Pause All", "app.pause-all"));
  gtk_box_append (GTK_BOX (box), header);

  /* Toolbar: what applies to the selected rows. */
  gtk_box_append (GTK_BOX (toolbar), tool_button ("media-playback-pause-symbolic", "Pause (Space)", "win.pause"));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("media-playback-start-symbolic", "Resume (Space)", "win.resume"));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("process-stop-symbolic", "Cancel (Ctrl+.)", "win.cancel"));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("view-refresh-symbolic", "Retry (Ctrl+R)", "win.retry"));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("edit-delete-symbolic", "Remove from the list (Delete)", "win.remove"));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("document-open-symbolic", "Open (Ctrl+O)", "win.open-file"));
  gtk_box_append (GTK_BOX (toolbar), tool_button ("folder-open-symbolic", "Open Folder (Ctrl+Shift+O)", "win.open-folder"));
  gtk_widget_add_css_class (toolbar, "toolbar");   /* flat buttons */
  gtk_widget_set_margin_start (toolbar, 6);
  gtk_widget_set_margin_end (toolbar, 6);
  gtk_widget_set_margin_top (toolbar, 6);
  gtk_widget_set_margin_bottom (toolbar, 6);
  gtk_box_append (GTK_BOX (box), toolbar);

  /* The list. */
  self->selection = gtk_multi_selection_new (g_object_ref (dm_manager_get_downloads (manager)));
  self->view = gtk_column_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)));
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (on_rows_changed), self,
                           G_CONNECT_AFTER);
  gtk_column_view_set_show_row_separators (GTK_COLUMN_VIEW (self->view), TRUE);
  gtk_column_view_set_reorderable (GTK_COLUMN_VIEW (self->view), FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), (gpointer) &columns[i]);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), (gpointer) &columns[i]);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), (gpointer) &columns[i]);
      column = gtk_column_view_column_new (columns[i].title, factory);
      gtk_column_view_column_set_expand (column, columns[i].expand);
      gtk_column_view_column_set_fixed_width (column, column_width (self->view, &columns[i]));
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (GTK_COLUMN_VIEW (self->view), column);
    }
  g_signal_connect (self->view, "activate", G_CALLBACK (on_activate_row), self);
  g_signal_connect (self->selection, "selection-changed", G_CALLBACK (on_selection_changed), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->view);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "folder-download-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), "No Downloads");
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   "Add URLs with Ctrl+N, or copy them and paste with Ctrl+V");
  self->stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (self->stack), empty, "empty");
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "list");
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), self->stack);

  /* Why the selected row failed, in full. */
  self->failure = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->failure, 0.0);
  gtk_label_set_wrap (self->failure, TRUE);
  gtk_label_set_wrap_mode (self->failure, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (self->failure, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->failure), "error");
  gtk_widget_set_margin_start (GTK_WIDGET (self->failure), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->failure), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->failure), 6);
  gtk_widget_set_visible (GTK_WIDGET (self->failure), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->failure));

  /* Status line. */
  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status, 0.0);
  gtk_label_set_ellipsize (self->status, PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (GTK_WIDGET (self->status), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->status), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->status), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->status), 6);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, box);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), GTK_WIDGET (self->toasts));

  self->state_file = g_build_filename (g_get_user_config_dir (), "gcurl-download-manager",
                                       "window.ini", NULL);
  load_state (self);

  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), self);
  g_signal_connect_swapped (manager, "changed", G_CALLBACK (update_status), self);
  update_status (self);
  return self;
}

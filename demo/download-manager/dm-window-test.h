/* dm-window-test.h: what tests/test-download-manager.c asks of the
 * window, beside what a user does through its actions and keys
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not used by the application itself.
 */
#pragma once

#include "dm-window.h"

G_BEGIN_DECLS

/* The status line's text, as shown. */
const char *dm_window_get_status_text (DmWindow       *self);
/* The message in the toast shown (NULL when none), as given. */
const char *dm_window_get_toast_text  (DmWindow       *self);
/* The title of the toast that can undo a removal (NULL when none). */
const char *dm_window_get_undo_text   (DmWindow       *self);
/* Selects the row at @position, as a click would. */
void        dm_window_select          (DmWindow       *self,
                                       guint           position);
/* A window of the application (the main one, or a dialog) as drawn,
 * into a PNG at @path. */
gboolean    dm_window_save_screenshot (GtkWindow      *self,
                                       const char     *path,
                                       GError        **error);

/* The rows' selection, and the column view showing them. */
GtkSelectionModel *dm_window_get_selection (DmWindow *self);
GtkWidget  *dm_window_get_view        (DmWindow       *self);
/* Why the selected row failed, as shown under the list (NULL when no
 * failed row is selected). */
const char *dm_window_get_failure_text (DmWindow *self);
/* How many cells were bound so far, in every window. */
guint       dm_window_get_bind_count  (void);
/* The question before cancelling, removing or quitting while open, else
 * NULL; its "confirm.accept" action answers yes. */
GtkWindow  *dm_window_get_confirm_dialog (DmWindow *self);
/* The Add dialog and Preferences while open, else NULL. */
GtkWindow  *dm_window_get_add_dialog  (DmWindow       *self);
GtkWindow  *dm_window_get_preferences (DmWindow       *self);
/* The Add dialog's text, and the problems it lists (NULL when none). */
char       *dm_add_dialog_get_text    (GtkWindow      *dialog);
void        dm_add_dialog_set_text    (GtkWindow      *dialog,
                                       const char     *text);
const char *dm_add_dialog_get_problems (GtkWindow     *dialog);

G_END_DECLS

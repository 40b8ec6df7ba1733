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
/* Selects the row at @position, as a click would. */
void        dm_window_select          (DmWindow       *self,
                                       guint           position);
/* The window as drawn, into a PNG at @path. */
gboolean    dm_window_save_screenshot (DmWindow       *self,
                                       const char     *path,
                                       GError        **error);

G_END_DECLS

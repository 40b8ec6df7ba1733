/* dm-window.h: the download manager's window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <adwaita.h>

#include "dm-manager.h"

G_BEGIN_DECLS

/* The application's id: its D-Bus name, and the name of its .desktop
 * file, metainfo and icon (data/). */
#define DM_APPLICATION_ID "org.gcurlmulti.DownloadManager"

#define DM_TYPE_WINDOW (dm_window_get_type ())
G_DECLARE_FINAL_TYPE (DmWindow, dm_window, DM, WINDOW, AdwApplicationWindow)

DmWindow  *dm_window_new              (GtkApplication *app,
                                       DmManager      *manager);
void       dm_window_show_message     (DmWindow       *self,
                                       const char     *message);
void       dm_window_show_add_dialog  (DmWindow       *self);
void       dm_window_show_preferences (DmWindow       *self);

G_END_DECLS

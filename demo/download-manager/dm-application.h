/* dm-application.h: the download manager application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "dm-manager.h"
#include "dm-window.h"

G_BEGIN_DECLS

#define DM_TYPE_APPLICATION (dm_application_get_type ())
G_DECLARE_FINAL_TYPE (DmApplication, dm_application, DM, APPLICATION, AdwApplication)

DmApplication *dm_application_new         (GApplicationFlags  extra_flags);
DmManager     *dm_application_get_manager (DmApplication     *self);
DmWindow      *dm_application_get_window  (DmApplication     *self);
void           dm_application_add_urls    (DmApplication     *self,
                                           const char * const *urls,
                                           const char        *subfolder,
                                           gboolean           transient);

G_END_DECLS

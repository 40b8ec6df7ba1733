/* gcurl-download-manager: a GTK 4 download manager on gcurlmulti
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "dm-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DmApplication) app = dm_application_new (G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}

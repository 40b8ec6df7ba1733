/* url-list.h: reading lists of URLs typed, pasted or read from a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char **demo_parse_url_list (const char  *text,
                            gssize       length,
                            GPtrArray  **problems);

G_END_DECLS

/* url-list.h: reading lists of URLs typed, pasted or read from a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DEMO_MAX_URL_LENGTH 8192

gboolean demo_url_list_check_line (const char  *line,
                                   gsize        length,
                                   char       **text,
                                   const char **why);
char    *demo_url_list_problem    (guint        line,
                                   const char  *why,
                                   const char  *text);

char **demo_parse_url_list (const char  *text,
                            gssize       length,
                            GPtrArray  **problems);

G_END_DECLS

/* demo-server.h: the demo's embedded local HTTP server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _DemoServer DemoServer;

DemoServer *demo_server_new       (GError    **error);
void        demo_server_free      (DemoServer *self);
char      **demo_server_dup_urls  (DemoServer *self);
const char *demo_server_get_base  (DemoServer *self);
guint8      demo_server_byte_at   (guint64     offset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoServer, demo_server_free)

G_END_DECLS

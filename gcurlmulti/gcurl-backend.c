/* gcurl-backend.c: choosing a socket-watch backend (the calls on it are
 * inline, in gcurl-backend-private.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gcurl-backend-private.h"

static const GCurlBackendVTable *
choose (void)
{
  const char *name = g_getenv ("GCURL_BACKEND");
#ifdef HAVE_EPOLL
  const GCurlBackendVTable *fallback = &_gcurl_backend_epoll;
#else
  const GCurlBackendVTable *fallback = &_gcurl_backend_iochannel;
#endif

  if (name == NULL || name[0] == '\0')
    return fallback;
  if (g_str_equal (name, "iochannel"))
    return &_gcurl_backend_iochannel;
#ifdef HAVE_EPOLL
  if (g_str_equal (name, "epoll"))
    return &_gcurl_backend_epoll;
#endif

  g_warning ("GCURL_BACKEND=%s is not available here; using the %s backend",
             name, fallback->name);
  return fallback;
}

GCurlBackend *
_gcurl_backend_new (GSource *parent)
{
  const GCurlBackendVTable *vtable = choose ();
  GCurlBackend *backend = vtable->create (parent);

  /* epoll_create1() can fail (descriptors exhausted): iochannel needs none
   * of its own. */
  if (backend == NULL && vtable != &_gcurl_backend_iochannel)
    backend = _gcurl_backend_iochannel.create (parent);
  return backend;
}

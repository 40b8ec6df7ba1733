/* gcurl-backend.c: choosing a socket-watch backend, and the calls the
 * source makes on it
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

void
_gcurl_backend_free (GCurlBackend *backend)
{
  backend->vtable->destroy (backend);
}

const char *
_gcurl_backend_get_name (GCurlBackend *backend)
{
  return backend->vtable->name;
}

void
_gcurl_backend_watch (GCurlBackend  *backend,
                      curl_socket_t  fd,
                      int            what)
{
  backend->vtable->watch (backend, fd, what);
}

gboolean
_gcurl_backend_pending (GCurlBackend *backend)
{
  return backend->vtable->pending (backend);
}

void
_gcurl_backend_dispatch (GCurlBackend          *backend,
                         GCurlBackendReadyFunc  func,
                         gpointer               user_data)
{
  backend->vtable->dispatch (backend, func, user_data);
}

void
_gcurl_backend_suspend (GCurlBackend *backend,
                        gboolean      suspended)
{
  backend->vtable->suspend (backend, suspended);
}

void
_gcurl_backend_setup_easy (GCurlBackend *backend,
                           CURL         *easy)
{
  if (backend->vtable->setup_easy != NULL)
    backend->vtable->setup_easy (backend, easy);
}

void
_gcurl_backend_reset_easy (GCurlBackend *backend,
                           CURL         *easy)
{
  if (backend->vtable->reset_easy != NULL)
    backend->vtable->reset_easy (backend, easy);
}

/* poll(2)'s bits, as GLib's GIOCondition and epoll's events share them on
 * Linux (the epoll backend checks that it may pass its events here). */
int
_gcurl_cselect_from_condition (GIOCondition cond)
{
  int cselect = 0;

  if (cond & (G_IO_IN | G_IO_PRI))
    cselect |= CURL_CSELECT_IN;
  if (cond & G_IO_OUT)
    cselect |= CURL_CSELECT_OUT;
  if (cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL))
    cselect |= CURL_CSELECT_ERR;

  return cselect;
}

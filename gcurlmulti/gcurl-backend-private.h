/* gcurl-backend-private.h: the small interface between GCurlMultiSource and
 * its socket-watch backends (epoll, iochannel)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A backend turns curl's CURLMOPT_SOCKETFUNCTION requests into readiness
 * reports. It never calls libcurl: the source's dispatch asks it for the ready
 * sockets (backend->dispatch) and calls curl_multi_socket_action() for each
 * one through the callback it passes in. Ready sockets are checked again just
 * before each callback, because an earlier action in the same dispatch can
 * remove, close or replace any socket.
 */

#pragma once

#include <glib.h>
#include <curl/curl.h>

G_BEGIN_DECLS

typedef struct _GCurlBackend GCurlBackend;
typedef struct _GCurlBackendVTable GCurlBackendVTable;

/* Called by a backend's dispatch for each socket that is still watched and
 * ready; @cselect is a mask of CURL_CSELECT_IN/OUT/ERR. */
typedef void (*GCurlBackendReadyFunc) (curl_socket_t fd,
                                       int           cselect,
                                       gpointer      user_data);

struct _GCurlBackendVTable
{
  const char *name;

  /* Creates the backend for @parent, the source's GSource (not yet attached). */
  GCurlBackend *(*create)      (GSource *parent);
  /* Frees everything; runs after curl_multi_cleanup(), so that callbacks curl
   * makes while cleaning up still find the backend alive. */
  void          (*destroy)     (GCurlBackend *backend);
  /* curl's socket callback: @what is CURL_POLL_IN/OUT/INOUT/REMOVE. */
  void          (*watch)       (GCurlBackend *backend,
                                curl_socket_t fd,
                                int           what);
  /* TRUE when readiness was recorded that dispatch has not handled yet. */
  gboolean      (*pending)     (GCurlBackend *backend);
  /* Reports the ready sockets, one call of @func each. */
  void          (*dispatch)    (GCurlBackend        *backend,
                                GCurlBackendReadyFunc func,
                                gpointer             user_data);
  /* Stops (@suspended TRUE) or restarts watching every socket, while a
   * handler runs a nested main loop inside the source's dispatch; curl's
   * requests meanwhile are recorded and take effect on the restart. */
  void          (*suspend)     (GCurlBackend *backend,
                                gboolean      suspended);
  /* Optional: set and reset the easy options the backend needs
   * (CURLOPT_OPENSOCKETFUNCTION, CURLOPT_CLOSESOCKETFUNCTION). */
  void          (*setup_easy)  (GCurlBackend *backend,
                                CURL         *easy);
  void          (*reset_easy)  (GCurlBackend *backend,
                                CURL         *easy);
};

struct _GCurlBackend
{
  const GCurlBackendVTable *vtable;
};

#ifdef HAVE_EPOLL
extern const GCurlBackendVTable _gcurl_backend_epoll;
#endif
extern const GCurlBackendVTable _gcurl_backend_iochannel;

/* gcurl-backend.c: the backend GCURL_BACKEND names (epoll by default
 * where there is epoll, iochannel if it cannot be made). */
GCurlBackend *_gcurl_backend_new (GSource *parent);

/* The source's calls on its backend. Inline: prepare, check and dispatch
 * make them for every iteration and every ready socket. */
static inline void
_gcurl_backend_free (GCurlBackend *backend)
{
  backend->vtable->destroy (backend);
}

static inline const char *
_gcurl_backend_get_name (GCurlBackend *backend)
{
  return backend->vtable->name;
}

static inline void
_gcurl_backend_watch (GCurlBackend  *backend,
                      curl_socket_t  fd,
                      int            what)
{
  backend->vtable->watch (backend, fd, what);
}

static inline gboolean
_gcurl_backend_pending (GCurlBackend *backend)
{
  return backend->vtable->pending (backend);
}

static inline void
_gcurl_backend_dispatch (GCurlBackend          *backend,
                         GCurlBackendReadyFunc  func,
                         gpointer               user_data)
{
  backend->vtable->dispatch (backend, func, user_data);
}

static inline void
_gcurl_backend_suspend (GCurlBackend *backend,
                        gboolean      suspended)
{
  backend->vtable->suspend (backend, suspended);
}

static inline void
_gcurl_backend_setup_easy (GCurlBackend *backend,
                           CURL         *easy)
{
  if (backend->vtable->setup_easy != NULL)
    backend->vtable->setup_easy (backend, easy);
}

static inline void
_gcurl_backend_reset_easy (GCurlBackend *backend,
                           CURL         *easy)
{
  if (backend->vtable->reset_easy != NULL)
    backend->vtable->reset_easy (backend, easy);
}

/* The rule both backends keep: curl only announces changes, so the same
 * request again for an fd it watches (@wanted, CURL_POLL_* bits) means a
 * new socket under the same number, to be watched afresh (doc/design.md,
 * "The core's contract", 4). */
static inline gboolean
_gcurl_backend_is_new_socket (int wanted,
                              int what)
{
  return wanted != 0 && wanted == (what & CURL_POLL_INOUT);
}

/* Readiness as curl's CURL_CSELECT_* bits: poll(2)'s bits, which
 * GIOCondition and epoll's events share on Linux (the epoll backend
 * checks that it may pass its events here). Per ready socket. */
static inline int
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

G_END_DECLS

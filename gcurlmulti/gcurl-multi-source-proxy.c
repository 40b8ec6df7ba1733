/* gcurl-multi-source-proxy.c: a source's proxy resolver, the answers it
 * keeps, and the proxy URLs libcurl is given
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * doc/design.md, "Proxies", has the rationale.
 */

#include "config.h"

#include <string.h>

#include "gcurl-error-private.h"
#include "gcurl-multi-source-internal.h"
#include "gcurl-run-private.h"
#include "gcurl-transfer-private.h"

/* How long an answer is kept. A resolver's answer changes when its
 * settings do (GNOME's, the portal's, a PAC file's); a lookup costs more
 * than a short transfer (libproxy: a thread hop and a millisecond). Also
 * dropped when the network changes and when the resolver is replaced. */
#define PROXY_ANSWER_TTL (30 * G_USEC_PER_SEC)

/* An answer for one scheme://host:port, or the lookup under way for it. */
typedef struct
{
  char    *proxy;      /* "" direct, or a normalized URL; NULL while looking up */
  gint64   expires;    /* monotonic µs */
  GArray  *waiters;    /* Waiter, while looking up */
} ProxyAnswer;

typedef struct
{
  CURL  *easy;
  guint  ticket;       /* the entry's, when it started waiting */
} Waiter;

/* One lookup; outlives the source when the source is disposed first. */
typedef struct
{
  GCurlMultiSource *self;         /* not a reference: cleared in dispose */
  char             *key;
  GCancellable     *cancellable;
} ProxyLookup;

static void
answer_free (gpointer data)
{
  ProxyAnswer *answer = data;

  g_free (answer->proxy);
  g_clear_pointer (&answer->waiters, g_array_unref);
  g_free (answer);
}

/* ---------------------------------------------------------------------- */
/* Proxy URLs                                                              */

static const char * const proxy_schemes[] = {
  "http", "https", "socks4", "socks4a", "socks5", "socks5h", NULL
};

/* @proxy as libcurl is to get it: "" for direct (from "direct://"), the
 * scheme in lower case, GNOME's "socks://" as "socks5h://" (the proxy
 * resolves the name, as GIO's own SOCKS client does), and a bare
 * "host:port" as an HTTP proxy, as curl takes it. NULL with @error for an
 * unusable one; the message never shows its credentials. */
char *
_gcurl_proxy_normalize (const char  *proxy,
                        GError     **error)
{
  g_autofree char *scheme = NULL;
  g_autofree char *with_scheme = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *rest;

  g_return_val_if_fail (proxy != NULL, NULL);

  if (proxy[0] == '\0' || g_ascii_strcasecmp (proxy, "direct://") == 0)
    return g_strdup ("");

  rest = strstr (proxy, "://");
  if (rest == NULL)
    proxy = with_scheme = g_strconcat ("http://", proxy, NULL);
  scheme = g_uri_parse_scheme (proxy);
  uri = g_uri_parse (proxy, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  if (scheme == NULL || uri == NULL || g_uri_get_host (uri) == NULL ||
      g_uri_get_host (uri)[0] == '\0')
    {
      g_autofree char *shown = _gcurl_display_url (proxy);

      g_set_error (error, GCURL_ERROR, GCURL_ERROR_INVALID_URL,
                   "The proxy %s is not a valid URL", shown);
      return NULL;
    }

  if (g_str_equal (scheme, "socks"))
    {
      g_free (scheme);
      scheme = g_strdup ("socks5h");
    }
  if (!g_strv_contains (proxy_schemes, scheme))
    {
      g_autofree char *shown = _gcurl_display_url (proxy);

      g_set_error (error, GCURL_ERROR, GCURL_ERROR_UNSUPPORTED_PROTOCOL,
                   "The proxy %s has a scheme this library does not use", shown);
      return NULL;
    }

  return g_uri_join (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, scheme,
                     g_uri_get_userinfo (uri), g_uri_get_host (uri), g_uri_get_port (uri),
                     "", NULL, NULL);
}

/* A normalized proxy URL in the parts libcurl takes: the URL without
 * credentials, and those decoded. */
void
_gcurl_proxy_split (const char  *proxy,
                    char       **url,
                    char       **user,
                    char       **password)
{
  g_autoptr(GUri) uri = g_uri_parse (proxy, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

  *user = *password = NULL;
  if (uri == NULL || g_uri_get_userinfo (uri) == NULL)
    {
      *url = g_strdup (proxy);
      return;
    }
  if (g_uri_get_user (uri) != NULL)
    *user = g_uri_unescape_string (g_uri_get_user (uri), NULL);
  if (g_uri_get_password (uri) != NULL)
    *password = g_uri_unescape_string (g_uri_get_password (uri), NULL);
  *url = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), "", NULL, NULL);
}

/* The first of a resolver's answers this library can use, in the order
 * given (the resolver's preference), as normalized. */
static char *
choose_proxy (const char * const  *proxies,
              GError             **error)
{
  g_autoptr(GError) first = NULL;

  for (guint i = 0; proxies != NULL && proxies[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;
      char *proxy = _gcurl_proxy_normalize (proxies[i], &local);

      if (proxy != NULL)
        return proxy;
      if (first == NULL)
        first = g_steal_pointer (&local);
    }
  if (first != NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&first),
                                "The proxy resolver gave no proxy to use: ");
  else
    g_set_error_literal (error, GCURL_ERROR, GCURL_ERROR_FAILED,
                         "The proxy resolver gave no answer");
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* The cache                                                               */

/* "scheme://host:port" of @url, without credentials, path or query: what
 * is looked up, and kept; in @buf when it fits, else allocated in
 * *@allocated. NULL for a URL without an authority. */
static const char *
proxy_key (const char  *url,
           char        *buf,
           gsize        size,
           char       **allocated)
{
  const char *authority = strstr (url, "://");
  const char *end, *host;
  gsize head, tail;

  if (authority == NULL)
    return NULL;
  authority += 3;
  end = authority + strcspn (authority, "/?#");
  host = authority;
  for (const char *p = authority; p < end; p++)
    if (*p == '@')
      host = p + 1;
  head = (gsize) (authority - url);
  tail = (gsize) (end - host);
  if (head + tail >= size)
    buf = *allocated = g_malloc (head + tail + 1);
  memcpy (buf, url, head);
  memcpy (buf + head, host, tail);
  buf[head + tail] = '\0';
  return buf;
}

/* The one place the resolver is set: the flag is derived here. */
void
_gcurl_multi_source_take_proxy_resolver (GCurlMultiSource *self,
                                         GProxyResolver   *resolver)
{
  g_set_object (&self->proxy_resolver, resolver);
  /* GLib's own, without glib-networking: it says "direct://" to
   * everything. libcurl's environment variables are then followed, as
   * they were before sources had a resolver. */
  self->proxy_resolver_is_dummy =
    g_str_equal (G_OBJECT_TYPE_NAME (resolver), "GDummyProxyResolver");
}

GProxyResolver *
_gcurl_multi_source_peek_proxy_resolver (GCurlMultiSource *self)
{
  if (self->proxy_resolver == NULL)
    _gcurl_multi_source_take_proxy_resolver (self, g_proxy_resolver_get_default ());
  return self->proxy_resolver;
}

static void
clear_answers (GCurlMultiSource *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->proxy_answers == NULL)
    return;
  /* Lookups under way stay: their waiters get the answer. */
  g_hash_table_iter_init (&iter, self->proxy_answers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((ProxyAnswer *) value)->waiters == NULL)
      g_hash_table_iter_remove (&iter);
}

static void
lookup_free (ProxyLookup *lookup)
{
  g_free (lookup->key);
  g_object_unref (lookup->cancellable);
  g_free (lookup);
}

static void
lookup_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  ProxyLookup *lookup = data;
  GCurlMultiSource *self = lookup->self;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) proxies = NULL;
  g_autofree char *proxy = NULL;
  g_autoptr(GArray) waiters = NULL;
  ProxyAnswer *answer;

  proxies = g_proxy_resolver_lookup_finish (G_PROXY_RESOLVER (object), result, &error);
  if (self == NULL)
    {
      lookup_free (lookup);
      return;
    }
  g_ptr_array_remove_fast (self->proxy_lookups, lookup);

  answer = g_hash_table_lookup (self->proxy_answers, lookup->key);
  if (answer == NULL || answer->waiters == NULL)
    {
      lookup_free (lookup);
      return;
    }
  waiters = g_steal_pointer (&answer->waiters);

  if (proxies != NULL)
    proxy = choose_proxy ((const char * const *) proxies, &error);
  else
    g_prefix_error (&error, "The proxy resolver failed: ");

  if (proxy != NULL)
    {
      answer->proxy = g_strdup (proxy);
      answer->expires = g_get_monotonic_time () + PROXY_ANSWER_TTL;
    }
  else
    g_hash_table_remove (self->proxy_answers, lookup->key);   /* the next run asks again */
  lookup_free (lookup);

  g_object_ref (self);
  for (guint i = 0; i < waiters->len; i++)
    {
      Waiter *w = &g_array_index (waiters, Waiter, i);

      _gcurl_multi_source_proxy_found (self, w->easy, w->ticket, proxy, error);
    }
  g_object_unref (self);
}

static void
start_lookup (GCurlMultiSource *self,
              const char       *key)
{
  ProxyLookup *lookup = g_new0 (ProxyLookup, 1);

  lookup->self = self;
  lookup->key = g_strdup (key);
  lookup->cancellable = g_cancellable_new ();
  if (self->proxy_lookups == NULL)
    self->proxy_lookups = g_ptr_array_new ();
  g_ptr_array_add (self->proxy_lookups, lookup);

  /* The answer comes in the thread-default context of the call. */
  g_main_context_push_thread_default (self->context);
  g_proxy_resolver_lookup_async (self->proxy_resolver, key, lookup->cancellable,
                                 lookup_done_cb, lookup);
  g_main_context_pop_thread_default (self->context);
}

/* For a run about to be added: sets @transfer's proxy and returns TRUE, or
 * returns FALSE when it waits for the resolver's answer, which is then
 * given to _gcurl_multi_source_proxy_found() with @ticket. */
gboolean
_gcurl_multi_source_find_proxy (GCurlMultiSource *self,
                                GCurlTransfer    *transfer,
                                CURL             *easy,
                                guint             ticket)
{
  const char *own = gcurl_transfer_get_proxy (transfer);
  g_autofree char *allocated = NULL;
  char buf[256];
  const char *key;
  ProxyAnswer *answer;
  guint generation;

  /* The transfer's own: checked when it started (_gcurl_transfer_start()). */
  if (own != NULL)
    {
      g_autofree char *proxy = _gcurl_proxy_normalize (own, NULL);

      _gcurl_transfer_apply_proxy (transfer, proxy != NULL ? proxy : "");
      return TRUE;
    }
  /* C code that has the handle owns its proxy options. */
  if (_gcurl_transfer_handle_exposed (transfer))
    return TRUE;

  _gcurl_multi_source_peek_proxy_resolver (self);
  key = self->proxy_resolver_is_dummy ? NULL
        : proxy_key (gcurl_transfer_get_url (transfer), buf, sizeof buf, &allocated);
  if (key == NULL)
    {
      _gcurl_transfer_apply_proxy (transfer, NULL);
      return TRUE;
    }

  generation = _gcurl_multi_source_network_generation (self);
  if (self->proxy_answers == NULL)
    self->proxy_answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, answer_free);
  else if (generation != self->proxy_generation)
    clear_answers (self);
  self->proxy_generation = generation;

  answer = g_hash_table_lookup (self->proxy_answers, key);
  if (answer != NULL && answer->waiters == NULL && answer->expires <= g_get_monotonic_time ())
    {
      g_hash_table_remove (self->proxy_answers, key);
      answer = NULL;
    }
  if (answer != NULL && answer->waiters == NULL)
    {
      _gcurl_transfer_apply_proxy (transfer, answer->proxy);
      return TRUE;
    }

  /* A URL no resolver can take: libcurl says what is wrong with it. */
  if (answer == NULL && !g_uri_is_valid (key, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL))
    {
      _gcurl_transfer_apply_proxy (transfer, "");
      return TRUE;
    }

  if (answer == NULL)
    {
      answer = g_new0 (ProxyAnswer, 1);
      answer->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
      g_hash_table_insert (self->proxy_answers, g_strdup (key), answer);
      g_array_append_val (answer->waiters, ((Waiter) { easy, ticket }));
      start_lookup (self, key);
    }
  else
    g_array_append_val (answer->waiters, ((Waiter) { easy, ticket }));
  return FALSE;
}

/* Dispose: lookups under way are cancelled, and their callbacks find no
 * source. */
void
_gcurl_multi_source_clear_proxies (GCurlMultiSource *self)
{
  for (guint i = 0; self->proxy_lookups != NULL && i < self->proxy_lookups->len; i++)
    {
      ProxyLookup *lookup = self->proxy_lookups->pdata[i];

      lookup->self = NULL;
      g_cancellable_cancel (lookup->cancellable);
    }
  g_clear_pointer (&self->proxy_lookups, g_ptr_array_unref);
  g_clear_pointer (&self->proxy_answers, g_hash_table_unref);
  g_clear_object (&self->proxy_resolver);
}

/**
 * gcurl_multi_source_get_proxy_resolver: (get-property proxy-resolver)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:proxy-resolver].
 *
 * Returns: (transfer none): the proxy resolver
 */
GProxyResolver *
gcurl_multi_source_get_proxy_resolver (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  return _gcurl_multi_source_peek_proxy_resolver (self);
}

/**
 * gcurl_multi_source_set_proxy_resolver: (set-property proxy-resolver)
 * @self: a #GCurlMultiSource
 * @resolver: (nullable): the proxy resolver to ask, %NULL for
 *   g_proxy_resolver_get_default()
 *
 * Sets [property@GCurl.MultiSource:proxy-resolver], for the transfers
 * started from now on. The answers kept from the previous one are
 * dropped.
 */
void
gcurl_multi_source_set_proxy_resolver (GCurlMultiSource *self,
                                       GProxyResolver   *resolver)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (resolver == NULL || G_IS_PROXY_RESOLVER (resolver));

  if (resolver == NULL)
    resolver = g_proxy_resolver_get_default ();
  if (resolver == self->proxy_resolver)
    return;
  _gcurl_multi_source_take_proxy_resolver (self, resolver);
  clear_answers (self);
  _gcurl_multi_source_notify (self, PROP_PROXY_RESOLVER);
}

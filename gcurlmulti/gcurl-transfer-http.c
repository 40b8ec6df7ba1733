/* gcurl-transfer-http.c: a transfer's credentials, content decoding and
 * name mappings, and what it learnt of its connection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gcurl-enum-types.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

/* ---------------------------------------------------------------------- */
/* Authentication                                                          */

/**
 * gcurl_transfer_get_username: (get-property username)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:username].
 *
 * Returns: (nullable): the user name, %NULL for none
 */
const char *
gcurl_transfer_get_username (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.username;
}

/**
 * gcurl_transfer_set_username: (set-property username)
 * @self: a #GCurlTransfer
 * @username: (nullable): the user name to authenticate as, %NULL for none
 *
 * Sets [property@GCurl.Transfer:username], for the next run. A user name
 * with a control character is a programming error.
 */
void
gcurl_transfer_set_username (GCurlTransfer *self,
                             const char    *username)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (username == NULL || _gcurl_header_value_valid (username));

  _gcurl_transfer_set_string (self, &self->request.username, username, PROP_USERNAME);
}

/* Overwritten before it is freed. */
static void
wipe (char **field)
{
  if (*field == NULL)
    return;
  memset (*field, 0, strlen (*field));
  g_clear_pointer (field, g_free);
}

/* A secret: no notification carries it, and it is wiped when replaced. */
static void
set_secret (GCurlTransfer *self,
            char         **field,
            const char    *value,
            guint          prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  wipe (field);
  *field = g_strdup (value);
  _gcurl_transfer_notify (self, prop_id);
}

/**
 * gcurl_transfer_set_password: (set-property password)
 * @self: a #GCurlTransfer
 * @password: (nullable): the password for
 *   [property@GCurl.Transfer:username], %NULL for none
 *
 * Sets [property@GCurl.Transfer:password], for the next run.
 */
void
gcurl_transfer_set_password (GCurlTransfer *self,
                             const char    *password)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  set_secret (self, &self->request.password, password, PROP_PASSWORD);
}

/**
 * gcurl_transfer_get_auth_methods: (get-property auth-methods)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:auth-methods].
 *
 * Returns: the methods the credentials may be used with
 */
GCurlAuthMethods
gcurl_transfer_get_auth_methods (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), GCURL_AUTH_METHODS_NONE);

  return self->request.auth_methods;
}

/**
 * gcurl_transfer_set_auth_methods: (set-property auth-methods)
 * @self: a #GCurlTransfer
 * @methods: the methods the credentials may be used with
 *
 * Sets [property@GCurl.Transfer:auth-methods], for the next run.
 */
void
gcurl_transfer_set_auth_methods (GCurlTransfer    *self,
                                 GCurlAuthMethods  methods)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail ((methods & ~(GCURL_AUTH_METHODS_BASIC | GCURL_AUTH_METHODS_DIGEST |
                                 GCURL_AUTH_METHODS_NEGOTIATE | GCURL_AUTH_METHODS_ANY_SAFE)) == 0);

  if (self->request.auth_methods == methods)
    return;
  self->request.auth_methods = methods;
  _gcurl_transfer_notify (self, PROP_AUTH_METHODS);
}

/**
 * gcurl_transfer_set_bearer_token: (set-property bearer-token)
 * @self: a #GCurlTransfer
 * @token: (nullable): an OAuth 2.0 bearer token, %NULL for none
 *
 * Sets [property@GCurl.Transfer:bearer-token], for the next run. A token
 * with a control character is a programming error.
 */
void
gcurl_transfer_set_bearer_token (GCurlTransfer *self,
                                 const char    *token)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (token == NULL || _gcurl_header_value_valid (token));

  set_secret (self, &self->request.bearer_token, token, PROP_BEARER_TOKEN);
}

/* For finalize: no notification. */
void
_gcurl_transfer_clear_secrets (GCurlTransfer *self)
{
  wipe (&self->request.password);
  wipe (&self->request.bearer_token);
  wipe (&self->request.proxy);
}

/* ---------------------------------------------------------------------- */
/* Content decoding                                                        */

/**
 * gcurl_transfer_get_accept_encoding: (get-property accept-encoding)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:accept-encoding].
 *
 * Returns: (nullable): the encodings asked for, %NULL for the default
 */
const char *
gcurl_transfer_get_accept_encoding (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.accept_encoding;
}

/**
 * gcurl_transfer_set_accept_encoding: (set-property accept-encoding)
 * @self: a #GCurlTransfer
 * @encodings: (nullable): the content encodings to ask for and decode,
 *   such as `"gzip, br, zstd"`; `""` for every one this libcurl decodes;
 *   `"identity"` for none; %NULL for the default
 *
 * Sets [property@GCurl.Transfer:accept-encoding], for the next run. A
 * value with a control character is a programming error.
 */
void
gcurl_transfer_set_accept_encoding (GCurlTransfer *self,
                                    const char    *encodings)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (encodings == NULL || _gcurl_header_value_valid (encodings));

  _gcurl_transfer_set_string (self, &self->request.accept_encoding, encodings,
                              PROP_ACCEPT_ENCODING);
}

/* ---------------------------------------------------------------------- */
/* Name mappings                                                           */

/**
 * gcurl_transfer_get_resolve: (get-property resolve)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:resolve].
 *
 * Returns: (nullable) (array zero-terminated=1) (transfer none): the
 *   mappings, %NULL for none
 */
const char * const *
gcurl_transfer_get_resolve (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return (const char * const *) self->request.resolve;
}

/* `HOST:PORT:ADDRESS[,ADDRESS…]`, as CURLOPT_RESOLVE takes it, with a
 * host and an address each, a port in range, nothing to remove ('-') and
 * no control characters. */
static gboolean
resolve_entry_valid (const char *entry)
{
  g_auto(GStrv) parts = NULL;
  guint64 port;

  if (entry[0] == '-' || entry[0] == '+' || !_gcurl_header_value_valid (entry))
    return FALSE;
  /* A bracketed IPv6 address holds colons: split at the first two only. */
  parts = g_strsplit (entry, ":", 3);
  return g_strv_length (parts) == 3 && parts[0][0] != '\0' && parts[2][0] != '\0' &&
         g_ascii_string_to_unsigned (parts[1], 10, 1, 65535, &port, NULL);
}

/**
 * gcurl_transfer_set_resolve: (set-property resolve)
 * @self: a #GCurlTransfer
 * @entries: (nullable) (array zero-terminated=1): mappings of host names to
 *   addresses, each `HOST:PORT:ADDRESS` (several addresses separated by
 *   commas, an IPv6 one in brackets), like `curl --resolve`; %NULL for none
 *
 * Sets [property@GCurl.Transfer:resolve], for the next run. An entry not
 * of that form is a programming error.
 */
void
gcurl_transfer_set_resolve (GCurlTransfer      *self,
                            const char * const *entries)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    g_return_if_fail (resolve_entry_valid (entries[i]));

  if (entries != NULL && entries[0] == NULL)
    entries = NULL;
  if (self->request.resolve == NULL && entries == NULL)
    return;
  if (self->request.resolve != NULL && entries != NULL &&
      g_strv_equal ((const char * const *) self->request.resolve, entries))
    return;

  g_clear_pointer (&self->request.resolve, g_strfreev);
  g_clear_pointer (&self->request.resolve_slist, curl_slist_free_all);
  self->request.resolve = g_strdupv ((char **) entries);
  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    self->request.resolve_slist = curl_slist_append (self->request.resolve_slist, entries[i]);
  _gcurl_transfer_notify (self, PROP_RESOLVE);
}

/* ---------------------------------------------------------------------- */
/* Proxy                                                                   */

/**
 * gcurl_transfer_get_proxy: (get-property proxy)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:proxy].
 *
 * Returns: (nullable): the transfer's own proxy, `""` for none, or %NULL
 *   when its source's proxy resolver decides
 */
const char *
gcurl_transfer_get_proxy (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.proxy;
}

/**
 * gcurl_transfer_set_proxy: (set-property proxy)
 * @self: a #GCurlTransfer
 * @proxy: (nullable): a proxy URL such as `http://127.0.0.1:3128` or
 *   `socks5h://user:password@host:1080`, `""` for a direct connection, or
 *   %NULL to ask the source's proxy resolver
 *
 * Sets [property@GCurl.Transfer:proxy], for the next run. A value with a
 * control character is a programming error; one that is not a proxy URL
 * fails the next run.
 */
void
gcurl_transfer_set_proxy (GCurlTransfer *self,
                          const char    *proxy)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (proxy == NULL || _gcurl_header_value_valid (proxy));

  set_secret (self, &self->request.proxy, proxy, PROP_PROXY);
}

/* ---------------------------------------------------------------------- */
/* The connection                                                          */

/* The handle stays with the transfer until it runs again, so its figures
 * are read from it on demand, as the timings are; a handle C code has may
 * be used under us, so those are kept at the end (_gcurl_transfer_complete()). */
static gboolean
info_in_easy (GCurlTransfer *self)
{
  return self->easy != NULL &&
         (_gcurl_transfer_is_active (self) || self->response.timings_in_easy);
}

void
_gcurl_transfer_keep_connection_info (GCurlTransfer *self)
{
  char *ip = NULL;

  curl_easy_getinfo (self->easy, CURLINFO_HTTP_VERSION, &self->response.http_version);
  curl_easy_getinfo (self->easy, CURLINFO_PRIMARY_IP, &ip);
  g_free (self->response.remote_ip);
  self->response.remote_ip = g_strdup (ip);
  curl_easy_getinfo (self->easy, CURLINFO_PRIMARY_PORT, &self->response.remote_port);
  ip = NULL;
  curl_easy_getinfo (self->easy, CURLINFO_LOCAL_IP, &ip);
  g_free (self->response.local_ip);
  self->response.local_ip = g_strdup (ip);
  curl_easy_getinfo (self->easy, CURLINFO_LOCAL_PORT, &self->response.local_port);
}

void
_gcurl_transfer_forget_connection_info (GCurlTransfer *self)
{
  self->response.http_version = 0;
  g_clear_pointer (&self->response.remote_ip, g_free);
  g_clear_pointer (&self->response.local_ip, g_free);
  self->response.remote_port = self->response.local_port = 0;
}

/**
 * gcurl_transfer_get_response_http_version:
 * @self: a #GCurlTransfer
 *
 * Gets the HTTP version the last response came with: `"HTTP/1.0"`,
 * `"HTTP/1.1"`, `"HTTP/2"` or `"HTTP/3"`, whatever
 * [property@GCurl.Transfer:http-version] asked for.
 *
 * Returns: (nullable): the version, %NULL before a response
 */
const char *
gcurl_transfer_get_response_http_version (GCurlTransfer *self)
{
  long version;

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  version = self->response.http_version;
  if (info_in_easy (self))
    curl_easy_getinfo (self->easy, CURLINFO_HTTP_VERSION, &version);
  switch (version)
    {
    case CURL_HTTP_VERSION_1_0: return "HTTP/1.0";
    case CURL_HTTP_VERSION_1_1: return "HTTP/1.1";
    case CURL_HTTP_VERSION_2_0: return "HTTP/2";
    case CURL_HTTP_VERSION_3: return "HTTP/3";
    default: return NULL;
    }
}

static GSocketAddress *
make_address (const char *ip,
              long        port)
{
  g_autoptr(GInetAddress) address = NULL;

  if (ip == NULL || ip[0] == '\0' || port <= 0 || port > 65535)
    return NULL;
  address = g_inet_address_new_from_string (ip);
  if (address == NULL)
    return NULL;
  return g_inet_socket_address_new (address, (guint16) port);
}

/**
 * gcurl_transfer_dup_remote_address:
 * @self: a #GCurlTransfer
 *
 * Gets the address and port the last request went to: the server's, or
 * a proxy's.
 *
 * Returns: (nullable) (transfer full): a [class@Gio.InetSocketAddress],
 *   %NULL before a connection
 */
GSocketAddress *
gcurl_transfer_dup_remote_address (GCurlTransfer *self)
{
  char *ip;
  long port;

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  ip = self->response.remote_ip;
  port = self->response.remote_port;

  if (info_in_easy (self))
    {
      curl_easy_getinfo (self->easy, CURLINFO_PRIMARY_IP, &ip);
      curl_easy_getinfo (self->easy, CURLINFO_PRIMARY_PORT, &port);
    }
  return make_address (ip, port);
}

/**
 * gcurl_transfer_dup_local_address:
 * @self: a #GCurlTransfer
 *
 * Gets the local address and port of the last request's connection.
 *
 * Returns: (nullable) (transfer full): a [class@Gio.InetSocketAddress],
 *   %NULL before a connection
 */
GSocketAddress *
gcurl_transfer_dup_local_address (GCurlTransfer *self)
{
  char *ip;
  long port;

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  ip = self->response.local_ip;
  port = self->response.local_port;

  if (info_in_easy (self))
    {
      curl_easy_getinfo (self->easy, CURLINFO_LOCAL_IP, &ip);
      curl_easy_getinfo (self->easy, CURLINFO_LOCAL_PORT, &port);
    }
  return make_address (ip, port);
}

/**
 * gcurl_transfer_get_response_header_all:
 * @self: a #GCurlTransfer
 * @name: a header name, in any case
 *
 * Gets the value of every header called @name in the last response, in
 * the order they came: every `Set-Cookie`, say, where
 * [method@GCurl.Transfer.get_response_header] gives the last one only.
 *
 * Returns: (transfer full) (array zero-terminated=1): the values, an empty
 *   array if there is none
 */
char **
gcurl_transfer_get_response_header_all (GCurlTransfer *self,
                                        const char    *name)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return _gcurl_headers_dup_values (&self->response.headers, name);
}

/**
 * gcurl_transfer_get_wire_bytes_received: (get-property wire-bytes-received)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:wire-bytes-received].
 *
 * Returns: the body's bytes of this run as the server sent them
 */
gint64
gcurl_transfer_get_wire_bytes_received (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.wire_bytes_received;
}

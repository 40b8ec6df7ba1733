/* gcurl-easy-options.c: a transfer's options on its easy handle, set
 * only when changed; the pool of reset handles; the default CA bundle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

/* ---------------------------------------------------------------------- */
/* Easy handles                                                            */

void
_gcurl_easy_options_clear (EasyOptions *o)
{
  g_free (o->url);
  g_free (o->user_agent);
  g_free (o->protocols);
  g_free (o->ca_file);
  g_free (o->username);
  if (o->password != NULL)
    memset (o->password, 0, strlen (o->password));
  if (o->bearer != NULL)
    memset (o->bearer, 0, strlen (o->bearer));
  g_free (o->password);
  g_free (o->bearer);
  g_free (o->accept_encoding);
  g_free (o->proxy);
  g_free (o->noproxy);
  g_free (o->proxy_user);
  g_free (o->proxy_ca_file);
  if (o->proxy_password != NULL)
    memset (o->proxy_password, 0, strlen (o->proxy_password));
  g_free (o->proxy_password);
  memset (o, 0, sizeof *o);
}

/* Easy handles of finished transfers, for the next ones: a new handle and
 * its cleanup cost more than a reuse (callgrind: 11,000 instructions
 * against 2,000 per short transfer). A pooled handle keeps its options;
 * the next transfer sets those that differ (EasyOptions), which leaves it
 * as curl_easy_reset() would (that only resets options). Only handles that
 * never left the transfer go back: once C code had the handle, it may have
 * set options we do not track, or turned on state that even
 * curl_easy_reset() keeps (cookies, for one), which must not reach another
 * transfer. For that reason a handle that had the cookie engine on (a
 * source's cookie-jar) does not go back either, nor one that read an
 * alt-svc file, which libcurl writes when the handle is closed, nor one
 * that holds a password or a token: a secret stays no longer than its
 * transfer. */
#define EASY_POOL_MAX 64

typedef struct
{
  CURL        *easy;
  EasyOptions  options;
} PooledEasy;

static GMutex easy_pool_lock;
static PooledEasy easy_pool[EASY_POOL_MAX];
static guint easy_pool_len;

CURL *
_gcurl_easy_take (EasyOptions *options)
{
  CURL *easy = NULL;

  g_mutex_lock (&easy_pool_lock);
  if (easy_pool_len > 0)
    {
      PooledEasy *p = &easy_pool[--easy_pool_len];

      easy = p->easy;
      *options = p->options;
    }
  g_mutex_unlock (&easy_pool_lock);
  if (easy == NULL)
    {
      memset (options, 0, sizeof *options);
      easy = curl_easy_init ();
    }
  return easy;
}

void
_gcurl_easy_give (CURL        *easy,
                  EasyOptions *options)
{
  g_mutex_lock (&easy_pool_lock);
  if (easy_pool_len < EASY_POOL_MAX && options->valid && !options->altsvc &&
      !options->cookies && options->password == NULL && options->bearer == NULL &&
      options->proxy_password == NULL)
    {
      easy_pool[easy_pool_len].easy = easy;
      easy_pool[easy_pool_len].options = *options;
      easy_pool_len++;
      memset (options, 0, sizeof *options);
      easy = NULL;
    }
  g_mutex_unlock (&easy_pool_lock);
  if (easy != NULL)
    {
      curl_easy_cleanup (easy);
      _gcurl_easy_options_clear (options);
    }
}

/* libcurl's built-in CA bundle, read once. */
const char *
_gcurl_easy_default_ca_file (CURL *easy)
{
  static gsize once = 0;
  static char *ca_file;

  if (g_once_init_enter (&once))
    {
      char *ca = NULL;

      if (easy != NULL && curl_easy_getinfo (easy, CURLINFO_CAINFO, &ca) == CURLE_OK)
        ca_file = g_strdup (ca);
      g_once_init_leave (&once, 1);
    }
  return ca_file;
}

/* Whether the libcurl in use speaks HTTP/3 (asked once). */
gboolean
_gcurl_libcurl_has_http3 (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      g_once_init_leave (&once, (info->features & CURL_VERSION_HTTP3) ? 2 : 1);
    }
  return once == 2;
}

/* Sets @opt to @value unless the handle has it already (EasyOptions). */
#define SET_IF_CHANGED(o, easy, field, opt, value)                      \
  G_STMT_START {                                                        \
    __typeof__ ((o)->field) value_ = (value);                           \
    if (!(o)->valid || (o)->field != value_)                            \
      {                                                                 \
        curl_easy_setopt ((easy), (opt), value_);                       \
        (o)->field = value_;                                            \
      }                                                                 \
  } G_STMT_END

static void
set_string_if_changed (EasyOptions *o,
                       CURL        *easy,
                       char       **field,
                       CURLoption   opt,
                       const char  *value)
{
  if (o->valid && g_strcmp0 (*field, value) == 0)
    return;
  curl_easy_setopt (easy, opt, value);
  g_free (*field);
  *field = g_strdup (value);
}

/* GCurlAuthMethods as CURLAUTH_ bits. */
static long
curl_auth_bits (GCurlAuthMethods methods)
{
  long bits = CURLAUTH_NONE;

  if (methods & GCURL_AUTH_METHODS_BASIC)
    bits |= CURLAUTH_BASIC;
  if (methods & GCURL_AUTH_METHODS_DIGEST)
    bits |= CURLAUTH_DIGEST;
  if (methods & GCURL_AUTH_METHODS_NEGOTIATE)
    bits |= CURLAUTH_NEGOTIATE;
  if (methods & GCURL_AUTH_METHODS_ANY_SAFE)
    bits |= CURLAUTH_ANYSAFE;
  return bits;
}

/* What the request asks for in Accept-Encoding, NULL for nothing (and no
 * decoding): by default everything this libcurl decodes, but for a file
 * download, whose resume asks for a range of the stored bytes, which only
 * the identity encoding has (doc/design.md, "Content decoding"). A
 * resumed run never asks for another encoding. */
static const char *
accept_encoding_of (GCurlTransfer *self)
{
  if (self->sink.offset > 0)
    return NULL;
  if (self->request.accept_encoding != NULL)
    return self->request.accept_encoding;
  return self->sink.output == GCURL_OUTPUT_FILE ? NULL : "";
}

/* "Accept-Encoding: " and every encoding this libcurl decodes, in its
 * order, as it would send for "" (doc/design.md, "Content decoding"). */
static const char *
all_encodings_header (void)
{
  static gsize once = 0;
  static char *header;

  if (g_once_init_enter (&once))
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);
      GString *s = g_string_new ("Accept-Encoding: ");

      if (info->features & CURL_VERSION_LIBZ)
        g_string_append (s, "deflate, gzip, ");
      if (info->features & CURL_VERSION_BROTLI)
        g_string_append (s, "br, ");
      if (info->features & CURL_VERSION_ZSTD)
        g_string_append (s, "zstd, ");
      if (g_str_has_suffix (s->str, ", "))
        g_string_truncate (s, s->len - 2);
      else
        g_string_append (s, "identity");
      header = g_string_free (s, FALSE);
      g_once_init_leave (&once, 1);
    }
  return header;
}

/* Whether the caller set (or removed) Accept-Encoding among the headers. */
static gboolean
has_own_accept_encoding (GCurlTransfer *self)
{
  for (guint i = 0; self->request.request_headers != NULL && i < self->request.request_headers->len; i++)
    if (g_ascii_strncasecmp (self->request.request_headers->pdata[i], "Accept-Encoding:", 16) == 0)
      return TRUE;
  return FALSE;
}

/* Whether the request header line @h ("Name: value", "Name;") is @name. */
static gboolean
header_is (const char *h,
           const char *name)
{
  gsize len = strlen (name);

  return g_ascii_strncasecmp (h, name, len) == 0 && (h[len] == ':' || h[len] == ';');
}

/* Credentials, a bearer token and the methods for them; nothing of it
 * without credentials, so that user:password@ in a URL still goes with
 * libcurl's default (Basic, at once). */
static void
set_auth (GCurlTransfer *self,
          EasyOptions   *o,
          CURL          *easy)
{
  long httpauth = CURLAUTH_BASIC;
  gboolean send = !self->withhold_credentials;
  const char *username = send ? self->request.username : NULL;
  const char *password = send ? self->request.password : NULL;
  const char *bearer = send ? self->request.bearer_token : NULL;

  if (bearer != NULL)
    httpauth = CURLAUTH_BEARER;
  else if (username != NULL || password != NULL)
    httpauth = curl_auth_bits (self->request.auth_methods);
  set_string_if_changed (o, easy, &o->username, CURLOPT_USERNAME, username);
  set_string_if_changed (o, easy, &o->password, CURLOPT_PASSWORD, password);
  set_string_if_changed (o, easy, &o->bearer, CURLOPT_XOAUTH2_BEARER, bearer);
  SET_IF_CHANGED (o, easy, httpauth, CURLOPT_HTTPAUTH, httpauth);
}

/* @proxy for this run: NULL leaves libcurl to its environment variables
 * (http_proxy, no_proxy, ...), "" goes direct, and a URL goes through
 * that proxy, whatever no_proxy says: the resolver that gave it decided.
 * Credentials in the URL go in options of their own, so that no message
 * of libcurl's shows them (doc/design.md, "Proxies"). Called after
 * _gcurl_transfer_build_request(), once the proxy is known. */
void
_gcurl_transfer_apply_proxy (GCurlTransfer *self,
                             const char    *proxy)
{
  EasyOptions *o = &self->applied;
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;
  char *password = NULL;

  if (proxy != NULL && proxy[0] != '\0')
    _gcurl_proxy_split (proxy, &url, &user, &password);
  set_string_if_changed (o, self->easy, &o->proxy, CURLOPT_PROXY,
                         proxy == NULL ? NULL : (url != NULL ? url : ""));
  set_string_if_changed (o, self->easy, &o->noproxy, CURLOPT_NOPROXY, proxy == NULL ? NULL : "");
  set_string_if_changed (o, self->easy, &o->proxy_user, CURLOPT_PROXYUSERNAME, user);
  set_string_if_changed (o, self->easy, &o->proxy_password, CURLOPT_PROXYPASSWORD, password);
  if (password != NULL)
    memset (password, 0, strlen (password));
  g_free (password);

  /* An HTTPS proxy is trusted as the server is, with the transfer's CA
   * file and checks (doc/design.md, "Proxies"); set only for one, so
   * that the plain path does not pay for it. */
  if (url != NULL && g_ascii_strncasecmp (url, "https://", 8) == 0)
    {
      const char *ca_file = self->request.tls_ca_file ? self->request.tls_ca_file
                                                      : self->default_ca_file;
      long verify_peer = self->request.tls_verify_peer ? 1L : 0L;
      long verify_host = self->request.tls_verify_host ? 2L : 0L;

      if (!o->valid || !o->proxy_tls || o->proxy_verify_peer != verify_peer)
        curl_easy_setopt (self->easy, CURLOPT_PROXY_SSL_VERIFYPEER, verify_peer);
      if (!o->valid || !o->proxy_tls || o->proxy_verify_host != verify_host)
        curl_easy_setopt (self->easy, CURLOPT_PROXY_SSL_VERIFYHOST, verify_host);
      if (ca_file != NULL && (!o->valid || !o->proxy_tls || g_strcmp0 (o->proxy_ca_file, ca_file) != 0))
        {
          curl_easy_setopt (self->easy, CURLOPT_PROXY_CAINFO, ca_file);
          g_free (o->proxy_ca_file);
          o->proxy_ca_file = g_strdup (ca_file);
        }
      o->proxy_verify_peer = verify_peer;
      o->proxy_verify_host = verify_host;
      o->proxy_tls = TRUE;
    }
}

void
_gcurl_transfer_build_request (GCurlTransfer *self)
{
  CURL *easy = self->easy;
  EasyOptions *o = &self->applied;
  gboolean has_body = self->body.body_bytes != NULL || self->body.body_stream != NULL ||
                      self->body.mime != NULL;
  const char *method = self->request.method ? self->request.method : (has_body ? "POST" : "GET");
  gboolean plain_get = !has_body && g_ascii_strcasecmp (method, "GET") == 0;
  gint64 body_length = self->body.body_bytes ? (gint64) g_bytes_get_size (self->body.body_bytes)
                                        : self->body.body_length;
  const char *ca_file = self->request.tls_ca_file ? self->request.tls_ca_file : self->default_ca_file;
  const char *encoding;
  gboolean forbid_reuse;
  guint buffer_size;
  long version;

  /* libcurl keeps the authentication method it picked in the handle,
   * across runs and whatever the next one sets (7.88 and 8.14): a handle
   * that had credentials would send the next transfer's without the
   * challenge it asked for. It is reset, and then set from nothing. */
  if (o->valid && (o->username != NULL || o->password != NULL || o->bearer != NULL ||
                   o->proxy_user != NULL || o->proxy_password != NULL))
    {
      curl_easy_reset (easy);
      _gcurl_easy_options_clear (o);
    }

  /* Back to a plain GET, then the method asked for. */
  if (!o->valid || !o->plain_get || !plain_get)
    {
      curl_easy_setopt (easy, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, NULL);
    }
  o->plain_get = plain_get;
  if (g_ascii_strcasecmp (method, "HEAD") == 0)
    curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
  else if (self->body.mime != NULL)
    {
      /* POST, or the method asked for with the form as its body. */
      curl_easy_setopt (easy, CURLOPT_MIMEPOST, self->body.mime);
      if (g_ascii_strcasecmp (method, "POST") != 0)
        curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
    }
  else if (has_body && g_ascii_strcasecmp (method, "POST") == 0)
    {
      curl_easy_setopt (easy, CURLOPT_POST, 1L);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, NULL);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_length);
    }
  else if (has_body)
    {
      curl_easy_setopt (easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t) body_length);
      if (g_ascii_strcasecmp (method, "PUT") != 0)
        curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
    }
  else if (!plain_get)
    curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);

  g_clear_pointer (&self->request.slist, curl_slist_free_all);
  if (has_body)
    {
      /* No "Expect: 100-continue" wait of a second on large bodies. */
      self->request.slist = curl_slist_append (self->request.slist, "Expect:");
      if (self->body.body_content_type != NULL)
        {
          g_autofree char *h = g_strdup_printf ("Content-Type: %s", self->body.body_content_type);
          self->request.slist = curl_slist_append (self->request.slist, h);
        }
    }
  /* libcurl writes its Accept-Encoding with its own printf on every
   * request unless the headers have one (9,000 instructions of a short
   * transfer, callgrind): ours is made once. The option still turns
   * decoding on, below. */
  encoding = accept_encoding_of (self);
  if (encoding != NULL && !has_own_accept_encoding (self))
    {
      if (encoding[0] == '\0')
        self->request.slist = curl_slist_append (self->request.slist, all_encodings_header ());
      else
        {
          g_autofree char *h = g_strdup_printf ("Accept-Encoding: %s", encoding);

          self->request.slist = curl_slist_append (self->request.slist, h);
        }
    }
  for (guint i = 0; self->request.request_headers != NULL && i < self->request.request_headers->len; i++)
    {
      const char *h = self->request.request_headers->pdata[i];

      if (self->withhold_credentials &&
          (header_is (h, "Authorization") || header_is (h, "Cookie")))
        continue;
      self->request.slist = curl_slist_append (self->request.slist, h);
    }
  SET_IF_CHANGED (o, easy, headers, CURLOPT_HTTPHEADER, self->request.slist);

  set_string_if_changed (o, easy, &o->url, CURLOPT_URL, self->request.url);
  set_string_if_changed (o, easy, &o->user_agent, CURLOPT_USERAGENT, self->request.user_agent);
  SET_IF_CHANGED (o, easy, follow, CURLOPT_FOLLOWLOCATION, (long) self->request.follow_redirects);
  SET_IF_CHANGED (o, easy, max_redirects, CURLOPT_MAXREDIRS, (long) self->request.max_redirects);

  switch (self->request.http_version)
    {
    case GCURL_HTTP_1_1:
      version = CURL_HTTP_VERSION_1_1;
      break;
    case GCURL_HTTP_2_PRIOR_KNOWLEDGE:
      version = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
      break;
    case GCURL_HTTP_3:
      if (_gcurl_libcurl_has_http3 ())
        version = CURL_HTTP_VERSION_3;
      else
        {
          g_debug ("This libcurl (%s) has no HTTP/3: asking for HTTP/2 over TLS instead",
                   curl_version_info (CURLVERSION_NOW)->version);
          version = CURL_HTTP_VERSION_2TLS;
        }
      break;
    case GCURL_HTTP_3_ONLY:
      /* Without HTTP/3, _gcurl_transfer_start() refused it. */
      version = CURL_HTTP_VERSION_3ONLY;
      break;
    case GCURL_HTTP_2:
    default:
      version = CURL_HTTP_VERSION_2TLS;
      break;
    }
  SET_IF_CHANGED (o, easy, version, CURLOPT_HTTP_VERSION, version);
  /* Where HTTP/2 or HTTP/3 is possible (TLS with ALPN, QUIC, or prior
   * knowledge), wait for a connection being set up to the same host
   * rather than open another, in case it multiplexes, as `curl
   * --parallel` does. Never for cleartext HTTP/1.1: there, waiting made a
   * thousand trickled transfers take twice as long (bench W4). */
  SET_IF_CHANGED (o, easy, pipewait, CURLOPT_PIPEWAIT,
                  (version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE ||
                   ((version == CURL_HTTP_VERSION_2TLS || version == CURL_HTTP_VERSION_3 ||
                     version == CURL_HTTP_VERSION_3ONLY) &&
                    g_ascii_strncasecmp (self->request.url, "https:", 6) == 0)) ? 1L : 0L);

  /* libcurl 7.88 fails the second request on a cleartext HTTP/2
   * connection ("Error in the HTTP2 framing layer"): never reuse one.
   * CURLOPT_FORBID_REUSE is not ours otherwise: on a handle C code has,
   * only undo what we did. */
  forbid_reuse = self->request.http_version == GCURL_HTTP_2_PRIOR_KNOWLEDGE &&
                 g_ascii_strncasecmp (self->request.url, "http:", 5) == 0;
  if (o->valid || forbid_reuse || o->forbid_reuse)
    {
      if (!o->valid || o->forbid_reuse != forbid_reuse)
        curl_easy_setopt (easy, CURLOPT_FORBID_REUSE, (long) forbid_reuse);
      o->forbid_reuse = forbid_reuse;
    }

  SET_IF_CHANGED (o, easy, timeout, CURLOPT_TIMEOUT_MS, (long) self->request.timeout);
  SET_IF_CHANGED (o, easy, connect_timeout, CURLOPT_CONNECTTIMEOUT_MS, (long) self->request.connect_timeout);
  SET_IF_CHANGED (o, easy, low_speed_limit, CURLOPT_LOW_SPEED_LIMIT, (long) self->request.low_speed_limit);
  SET_IF_CHANGED (o, easy, low_speed_time, CURLOPT_LOW_SPEED_TIME, (long) self->request.low_speed_time);
  SET_IF_CHANGED (o, easy, max_send, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t) self->request.max_send_speed);
  /* Paced by us (_gcurl_transfer_pace_allows()): chunks of at most a
   * sixteenth of a second's worth, so that it goes on evenly. */
  self->sink.pace_rate = self->request.max_recv_speed;
  buffer_size = self->request.receive_buffer_size;
  if (self->request.max_recv_speed > 0)
    buffer_size = (guint) CLAMP (self->request.max_recv_speed / 16, MIN_RECEIVE_BUFFER_SIZE,
                                 (gint64) self->request.receive_buffer_size);
  SET_IF_CHANGED (o, easy, buffer_size, CURLOPT_BUFFERSIZE, (long) buffer_size);
  SET_IF_CHANGED (o, easy, resume_from, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) self->sink.offset);
  if (!o->valid || g_strcmp0 (o->protocols, self->request.allowed_protocols) != 0)
    {
      curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, self->request.allowed_protocols);
      curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS_STR, self->request.allowed_protocols);
      g_free (o->protocols);
      o->protocols = g_strdup (self->request.allowed_protocols);
    }
  SET_IF_CHANGED (o, easy, max_file_size, CURLOPT_MAXFILESIZE_LARGE,
                  (curl_off_t) (self->request.max_size > 0 ? MAX (0, self->request.max_size - self->sink.offset) : 0));
  SET_IF_CHANGED (o, easy, verify_peer, CURLOPT_SSL_VERIFYPEER, (long) self->request.tls_verify_peer);
  SET_IF_CHANGED (o, easy, verify_host, CURLOPT_SSL_VERIFYHOST, self->request.tls_verify_host ? 2L : 0L);
  set_auth (self, o, easy);
  /* libcurl decodes whatever it can once any encoding is accepted:
   * "identity" asks for none and turns decoding off. */
  self->sink.decoding = encoding != NULL && g_ascii_strcasecmp (encoding, "identity") != 0;
  set_string_if_changed (o, easy, &o->accept_encoding, CURLOPT_ACCEPT_ENCODING, encoding);
  SET_IF_CHANGED (o, easy, content_decoding, CURLOPT_HTTP_CONTENT_DECODING,
                  (long) (encoding == NULL || self->sink.decoding));
  /* The source's caches. A share never stays on a handle past its run
   * (_gcurl_transfer_complete()), nor does an alt-svc file: libcurl reads
   * that when the option is set and writes it when the handle is closed. */
  if (self->share != NULL)
    {
      _gcurl_share_attach (self->share, easy);
      o->cookies = o->cookies || _gcurl_share_has_cookies (self->share);
    }
  if (self->source != NULL && _gcurl_multi_source_get_alt_svc_file (self->source) != NULL)
    {
      curl_easy_setopt (easy, CURLOPT_ALTSVC_CTRL,
                        (long) (CURLALTSVC_H1 | CURLALTSVC_H2 | CURLALTSVC_H3));
      curl_easy_setopt (easy, CURLOPT_ALTSVC, _gcurl_multi_source_get_alt_svc_file (self->source));
      o->altsvc = TRUE;
    }

  /* After the network changed (gcurl-multi-source-network.c). */
  if (self->source != NULL)
    {
      gboolean fresh_connection = FALSE, fresh_lookup = FALSE;
      long max_age = 0;

      _gcurl_multi_source_network_freshness (self->source, self->request.url,
                                             &fresh_connection, &fresh_lookup, &max_age);
      SET_IF_CHANGED (o, easy, fresh_connect, CURLOPT_FRESH_CONNECT, fresh_connection ? 1L : 0L);
      /* 60: libcurl's default. */
      SET_IF_CHANGED (o, easy, dns_cache_timeout, CURLOPT_DNS_CACHE_TIMEOUT, fresh_lookup ? 0L : 60L);
      SET_IF_CHANGED (o, easy, max_lifetime_conn, CURLOPT_MAXLIFETIME_CONN, max_age);
    }

  /* Read into the DNS cache at the start of each run, so set each time. */
  if (self->request.resolve_slist != NULL || o->resolve != NULL || !o->valid)
    {
      curl_easy_setopt (easy, CURLOPT_RESOLVE, self->request.resolve_slist);
      o->resolve = self->request.resolve_slist;
    }

  /* Back to libcurl's own bundle when the property is unset again. */
  if (ca_file != NULL)
    set_string_if_changed (o, easy, &o->ca_file, CURLOPT_CAINFO, ca_file);

  /* The callbacks stay with a pooled handle; their data is the owner. */
  if (!o->valid)
    {
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, _gcurl_transfer_write_cb);
      curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, _gcurl_transfer_header_cb);
      curl_easy_setopt (easy, CURLOPT_READFUNCTION, _gcurl_transfer_read_cb);
      curl_easy_setopt (easy, CURLOPT_SEEKFUNCTION, _gcurl_transfer_seek_cb);
      curl_easy_setopt (easy, CURLOPT_XFERINFOFUNCTION, _gcurl_transfer_xferinfo_cb);
      curl_easy_setopt (easy, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    }
  if (!o->valid || o->owner != self)
    {
      curl_easy_setopt (easy, CURLOPT_PRIVATE, self);
      curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, self->errbuf);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, self);
      curl_easy_setopt (easy, CURLOPT_HEADERDATA, self);
      curl_easy_setopt (easy, CURLOPT_READDATA, self);
      curl_easy_setopt (easy, CURLOPT_SEEKDATA, self);
      curl_easy_setopt (easy, CURLOPT_XFERINFODATA, self);
      o->owner = self;
    }

  /* A handle C code has may have anything set: every run sets all. */
  o->valid = !self->handle_exposed;
  if (self->share == NULL)
    o->ran_unshared = TRUE;
}

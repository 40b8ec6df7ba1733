/* gcurl-multi-source-caches.c: a source's cookie jar, HSTS and alt-svc
 * files, and the cookie API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gcurl-multi-source-internal.h"

/* The share is made again, from the files, for the next run. */
static void
drop_share (GCurlMultiSource *self)
{
  if (self->share == NULL)
    return;
  _gcurl_share_flush (self->share);
  /* Runs still on it keep it to their end. */
  g_clear_pointer (&self->share, _gcurl_share_unref);
}

GCurlShare *
_gcurl_multi_source_get_share (GCurlMultiSource *self)
{
  if (self->share == NULL && (self->cookie_jar != NULL || self->hsts_file != NULL))
    self->share = _gcurl_share_new (self->cookie_jar, self->hsts_file, self->context);
  return self->share;
}

const char *
_gcurl_multi_source_get_alt_svc_file (GCurlMultiSource *self)
{
  return self->alt_svc_file;
}

static void
set_file (GCurlMultiSource *self,
          char            **field,
          const char       *value,
          guint             prop_id,
          gboolean          shared)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  if (shared)
    drop_share (self);
  g_free (*field);
  *field = g_strdup (value);
  _gcurl_multi_source_notify (self, prop_id);
}

/**
 * gcurl_multi_source_get_cookie_jar: (get-property cookie-jar)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:cookie-jar].
 *
 * Returns: (nullable) (type filename): the cookie file, `""` for cookies
 *   in memory, %NULL for none
 */
const char *
gcurl_multi_source_get_cookie_jar (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  return self->cookie_jar;
}

/**
 * gcurl_multi_source_set_cookie_jar: (set-property cookie-jar)
 * @self: a #GCurlMultiSource
 * @cookie_jar: (nullable) (type filename): a cookie file, `""` for cookies
 *   in memory, %NULL for none
 *
 * Sets [property@GCurl.MultiSource:cookie-jar].
 */
void
gcurl_multi_source_set_cookie_jar (GCurlMultiSource *self,
                                   const char       *cookie_jar)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  set_file (self, &self->cookie_jar, cookie_jar, PROP_COOKIE_JAR, TRUE);
}

/**
 * gcurl_multi_source_dup_cookies:
 * @self: a #GCurlMultiSource
 *
 * Gets the cookies of [property@GCurl.MultiSource:cookie-jar], one line
 * each in the Netscape format: domain, whether subdomains match, path,
 * whether only HTTPS, expiry (seconds since the epoch, 0 for the
 * session), name and value, separated by tabs; `#HttpOnly_` before the
 * domain of an HttpOnly cookie.
 *
 * Returns: (transfer full) (array zero-terminated=1): the cookies, an
 *   empty array without a jar
 */
char **
gcurl_multi_source_dup_cookies (GCurlMultiSource *self)
{
  GCurlShare *share;

  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  share = _gcurl_multi_source_get_share (self);
  if (share == NULL)
    return g_new0 (char *, 1);
  return _gcurl_share_dup_cookies (share);
}

/**
 * gcurl_multi_source_add_cookie:
 * @self: a #GCurlMultiSource
 * @set_cookie_header: a `Set-Cookie` header's value, such as
 *   `"id=a3f; Path=/; Max-Age=3600"` (a leading `Set-Cookie:` is fine)
 * @url: the `http` or `https` URL it came from: a cookie without a
 *   `Domain` is for its host only, and without a `Path` for its directory
 * @error: return location for a #GError
 *
 * Adds a cookie to [property@GCurl.MultiSource:cookie-jar], as if a
 * response from @url had set it. Calling it without a jar is a
 * programming error.
 *
 * A cookie whose `Domain` is not @url's host or a parent of it, or is a
 * top-level domain, a `Secure` one for an `http` URL, and one with
 * control characters are refused with %G_IO_ERROR_INVALID_ARGUMENT; an
 * @url that is not `http` or `https` fails with %GCURL_ERROR_INVALID_URL.
 *
 * Returns: whether the cookie was added
 */
gboolean
gcurl_multi_source_add_cookie (GCurlMultiSource  *self,
                               const char        *set_cookie_header,
                               const char        *url,
                               GError           **error)
{
  GCurlShare *share;

  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);
  g_return_val_if_fail (set_cookie_header != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->cookie_jar != NULL, FALSE);

  share = _gcurl_multi_source_get_share (self);
  return _gcurl_share_add_cookie (share, set_cookie_header, url, error);
}

/**
 * gcurl_multi_source_clear_cookies:
 * @self: a #GCurlMultiSource
 *
 * Forgets every cookie of [property@GCurl.MultiSource:cookie-jar] (and
 * empties its file soon after). Without a jar it does nothing.
 */
void
gcurl_multi_source_clear_cookies (GCurlMultiSource *self)
{
  GCurlShare *share;

  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  share = _gcurl_multi_source_get_share (self);
  if (share != NULL && _gcurl_share_has_cookies (share))
    _gcurl_share_clear_cookies (share);
}

/**
 * gcurl_multi_source_get_hsts_file: (get-property hsts-file)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:hsts-file].
 *
 * Returns: (nullable) (type filename): the HSTS cache file, %NULL for none
 */
const char *
gcurl_multi_source_get_hsts_file (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  return self->hsts_file;
}

/**
 * gcurl_multi_source_set_hsts_file: (set-property hsts-file)
 * @self: a #GCurlMultiSource
 * @hsts_file: (nullable) (type filename): an HSTS cache file, %NULL for none
 *
 * Sets [property@GCurl.MultiSource:hsts-file], for the transfers that
 * start after it. An in-memory cookie jar starts empty again.
 */
void
gcurl_multi_source_set_hsts_file (GCurlMultiSource *self,
                                  const char       *hsts_file)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (hsts_file == NULL || hsts_file[0] != '\0');

  set_file (self, &self->hsts_file, hsts_file, PROP_HSTS_FILE, TRUE);
}

/**
 * gcurl_multi_source_get_alt_svc_file: (get-property alt-svc-file)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:alt-svc-file].
 *
 * Returns: (nullable) (type filename): the alt-svc cache file, %NULL for
 *   none
 */
const char *
gcurl_multi_source_get_alt_svc_file (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  return self->alt_svc_file;
}

/**
 * gcurl_multi_source_set_alt_svc_file: (set-property alt-svc-file)
 * @self: a #GCurlMultiSource
 * @alt_svc_file: (nullable) (type filename): an alt-svc cache file, %NULL
 *   for none
 *
 * Sets [property@GCurl.MultiSource:alt-svc-file], for the transfers that
 * start after it.
 */
void
gcurl_multi_source_set_alt_svc_file (GCurlMultiSource *self,
                                     const char       *alt_svc_file)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (alt_svc_file == NULL || alt_svc_file[0] != '\0');

  set_file (self, &self->alt_svc_file, alt_svc_file, PROP_ALT_SVC_FILE, FALSE);
}

/* gcurl-share.c: a source's CURLSH (cookies, DNS, TLS sessions, HSTS),
 * its cookie file, and cookies given by the application
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * doc/design.md, "Cookies and other caches", has the rationale.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gcurl-error.h"
#include "gcurl-share-private.h"

/* A cookie file larger than this is not read: it is not one of ours. */
#define MAX_COOKIE_FILE (16 * 1024 * 1024)

struct _GCurlShare
{
  gatomicrefcount  refs;
  CURLSH          *sh;
  CURL            *easy;         /* a handle on the share, for the cookie API */
  GMainContext    *context;
  char            *cookie_file;  /* NULL: in memory, or no cookies */
  gboolean         cookies;
  char            *hsts_file;
  gboolean         dirty;        /* cookies changed since the last write */
  GSource         *save_source;
  char            *last_saved;   /* what the file holds, to skip equal writes */
  char            *last_warning; /* the last write error, said once */
};

static const char FILE_HEADER[] =
  "# Netscape HTTP Cookie File\n"
  "# Written by gcurlmulti: each line is DOMAIN, SUBDOMAINS, PATH, SECURE,\n"
  "# EXPIRES, NAME and VALUE, separated by tabs.\n\n";

/* A line libcurl may be given: no control character but the tabs. */
static gboolean
line_is_clean (const char *line)
{
  for (const guchar *p = (const guchar *) line; *p != '\0'; p++)
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
load_cookie_file (GCurlShare *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf st;
  gsize len = 0;

  if (g_lstat (self->cookie_file, &st) != 0)
    {
      if (errno != ENOENT)
        g_warning ("Cannot read the cookie jar %s: %s", self->cookie_file, g_strerror (errno));
      return;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_COOKIE_FILE)
    {
      g_warning ("Cannot read the cookie jar %s: not a regular file of at most %d bytes",
                 self->cookie_file, MAX_COOKIE_FILE);
      return;
    }
  if (!g_file_get_contents (self->cookie_file, &contents, &len, &error))
    {
      g_warning ("Cannot read the cookie jar: %s", error->message);
      return;
    }
  self->last_saved = g_strndup (contents, len);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);

      if (line[0] == '\0' || (line[0] == '#' && !g_str_has_prefix (line, "#HttpOnly_")))
        continue;
      if (line_is_clean (line))
        curl_easy_setopt (self->easy, CURLOPT_COOKIELIST, line);
    }
}

GCurlShare *
_gcurl_share_new (const char   *cookie_jar,
                  const char   *hsts_file,
                  GMainContext *context)
{
  GCurlShare *self = g_new0 (GCurlShare, 1);

  g_atomic_ref_count_init (&self->refs);
  self->context = g_main_context_ref (context);
  self->sh = curl_share_init ();
  self->easy = curl_easy_init ();
  if (self->sh == NULL || self->easy == NULL)
    g_error ("%s: out of memory", G_STRLOC);

  /* One thread only (the source's): no lock functions. */
  curl_share_setopt (self->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt (self->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (cookie_jar != NULL)
    {
      self->cookies = TRUE;
      curl_share_setopt (self->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
      if (cookie_jar[0] != '\0')
        self->cookie_file = g_strdup (cookie_jar);
    }
  if (hsts_file != NULL)
    {
      self->hsts_file = g_strdup (hsts_file);
      curl_share_setopt (self->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_HSTS);
    }

  curl_easy_setopt (self->easy, CURLOPT_SHARE, self->sh);
  /* This handle writes the HSTS file when it is cleaned up, and reads it
   * now where libcurl reads it on the option (each run reads it too,
   * where libcurl reads it on a run: _gcurl_share_attach()). */
  if (self->hsts_file != NULL)
    curl_easy_setopt (self->easy, CURLOPT_HSTS, self->hsts_file);
  if (self->cookie_file != NULL)
    load_cookie_file (self);

  return self;
}

GCurlShare *
_gcurl_share_ref (GCurlShare *self)
{
  g_atomic_ref_count_inc (&self->refs);
  return self;
}

/* The persistent cookies (a session cookie has no expiry: 0) as a file;
 * NULL when the jar is unreadable. */
static char *
cookie_file_contents (GCurlShare *self)
{
  struct curl_slist *list = NULL, *l;
  GString *s = g_string_new (FILE_HEADER);

  if (curl_easy_getinfo (self->easy, CURLINFO_COOKIELIST, &list) != CURLE_OK)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  for (l = list; l != NULL; l = l->next)
    {
      g_auto(GStrv) fields = g_strsplit (l->data, "\t", 7);

      if (g_strv_length (fields) == 7 && !g_str_equal (fields[4], "0"))
        {
          g_string_append (s, l->data);
          g_string_append_c (s, '\n');
        }
    }
  curl_slist_free_all (list);
  return g_string_free (s, FALSE);
}

static void
save_cookie_file (GCurlShare *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  self->dirty = FALSE;
  if (self->cookie_file == NULL)
    return;
  contents = cookie_file_contents (self);
  if (contents == NULL || g_strcmp0 (contents, self->last_saved) == 0)
    return;
  /* A new file renamed over the old one: never half written, and never
   * through a link that stands where the jar was. Only the user reads it. */
  if (!g_file_set_contents_full (self->cookie_file, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      if (g_strcmp0 (self->last_warning, error->message) != 0)
        {
          g_warning ("Cannot write the cookie jar: %s", error->message);
          g_free (self->last_warning);
          self->last_warning = g_strdup (error->message);
        }
      return;
    }
  g_free (self->last_saved);
  self->last_saved = g_steal_pointer (&contents);
}

static gboolean
save_cb (gpointer data)
{
  GCurlShare *self = data;

  g_clear_pointer (&self->save_source, g_source_unref);
  save_cookie_file (self);
  return G_SOURCE_REMOVE;
}

void
_gcurl_share_cookies_changed (GCurlShare *self)
{
  self->dirty = TRUE;
  if (self->cookie_file == NULL || self->save_source != NULL)
    return;
  /* Once the burst is over: one write for the responses of one turn. */
  self->save_source = g_idle_source_new ();
  g_source_set_priority (self->save_source, G_PRIORITY_LOW);
  g_source_set_static_name (self->save_source, "[gcurlmulti] cookie jar");
  g_source_set_callback (self->save_source, save_cb, _gcurl_share_ref (self),
                         (GDestroyNotify) _gcurl_share_unref);
  g_source_attach (self->save_source, self->context);
}

void
_gcurl_share_unref (GCurlShare *self)
{
  if (!g_atomic_ref_count_dec (&self->refs))
    return;

  if (self->dirty)
    save_cookie_file (self);
  /* Writes the HSTS cache to its file. */
  curl_easy_cleanup (self->easy);
  if (curl_share_cleanup (self->sh) != CURLSHE_OK)
    g_critical ("%s: the share is still in use", G_STRLOC);
  g_main_context_unref (self->context);
  g_free (self->cookie_file);
  g_free (self->hsts_file);
  g_free (self->last_saved);
  g_free (self->last_warning);
  g_free (self);
}

/* Writes a change now, for a source going away: the idle may never run. */
void
_gcurl_share_flush (GCurlShare *self)
{
  if (self->save_source != NULL)
    {
      GSource *source = g_steal_pointer (&self->save_source);

      g_source_destroy (source);
      g_source_unref (source);
    }
  if (self->dirty)
    save_cookie_file (self);
}

gboolean
_gcurl_share_has_cookies (GCurlShare *self)
{
  return self->cookies;
}

void
_gcurl_share_attach (GCurlShare *self,
                     CURL       *easy)
{
  curl_easy_setopt (easy, CURLOPT_SHARE, self->sh);
  /* The share holds the jar, but only this turns the engine on: "" reads
   * no file into it. */
  if (self->cookies)
    curl_easy_setopt (easy, CURLOPT_COOKIEFILE, "");
  if (self->hsts_file != NULL)
    curl_easy_setopt (easy, CURLOPT_HSTS, self->hsts_file);
}

void
_gcurl_share_detach (GCurlShare *self,
                     CURL       *easy)
{
  if (self->hsts_file != NULL)
    curl_easy_setopt (easy, CURLOPT_HSTS, NULL);
  /* With the share still on, so that the shared jar is not emptied. */
  if (self->cookies)
    curl_easy_setopt (easy, CURLOPT_COOKIEFILE, NULL);
  curl_easy_setopt (easy, CURLOPT_SHARE, NULL);
}

char **
_gcurl_share_dup_cookies (GCurlShare *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  struct curl_slist *list = NULL;
  char **ret;

  if (self->cookies && curl_easy_getinfo (self->easy, CURLINFO_COOKIELIST, &list) == CURLE_OK)
    {
      for (struct curl_slist *l = list; l != NULL; l = l->next)
        g_strv_builder_add (builder, l->data);
      curl_slist_free_all (list);
    }
  ret = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ret;
}

void
_gcurl_share_clear_cookies (GCurlShare *self)
{
  curl_easy_setopt (self->easy, CURLOPT_COOKIELIST, "ALL");
  _gcurl_share_cookies_changed (self);
}

gboolean
_gcurl_share_add_cookie (GCurlShare  *self,
                         const char  *set_cookie,
                         const char  *url,
                         GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *line = NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error_literal (error, GCURL_ERROR, GCURL_ERROR_INVALID_URL,
                           "A cookie needs the http or https URL it is for");
      return FALSE;
    }
  line = _gcurl_cookie_to_netscape (set_cookie, uri, g_get_real_time () / G_USEC_PER_SEC, error);
  if (line == NULL)
    return FALSE;
  curl_easy_setopt (self->easy, CURLOPT_COOKIELIST, line);
  _gcurl_share_cookies_changed (self);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Set-Cookie (RFC 6265, section 5.2)                                       */

static gboolean
cookie_text_valid (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* RFC 6265, 5.1.3: @host is @domain or ends in ".@domain", and is a name. */
static gboolean
domain_matches (const char *host,
                const char *domain)
{
  gsize hl = strlen (host), dl = strlen (domain);

  if (g_ascii_strcasecmp (host, domain) == 0)
    return TRUE;
  if (g_hostname_is_ip_address (host) || hl <= dl)
    return FALSE;
  return host[hl - dl - 1] == '.' && g_ascii_strcasecmp (host + hl - dl, domain) == 0;
}

/* RFC 6265, 5.1.4: the URL's directory. */
static char *
default_path (GUri *uri)
{
  const char *path = g_uri_get_path (uri);
  const char *slash = strrchr (path, '/');

  if (path[0] != '/' || slash == path)
    return g_strdup ("/");
  return g_strndup (path, slash - path);
}

static char *
refuse (GError    **error,
        const char *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Cookie refused: %s", why);
  return NULL;
}

char *
_gcurl_cookie_to_netscape (const char  *set_cookie,
                           GUri        *uri,
                           gint64       now,
                           GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *name = NULL, *value = NULL, *domain = NULL, *path = NULL;
  const char *host = g_uri_get_host (uri);
  const char *eq;
  gboolean secure = FALSE, http_only = FALSE, has_max_age = FALSE;
  gint64 expires = 0;

  if (g_ascii_strncasecmp (set_cookie, "Set-Cookie:", 11) == 0)
    set_cookie += 11;
  if (!cookie_text_valid (set_cookie))
    return refuse (error, "it holds control characters");

  parts = g_strsplit (set_cookie, ";", -1);
  eq = strchr (parts[0], '=');
  if (eq == NULL)
    return refuse (error, "it has no name=value");
  name = g_strstrip (g_strndup (parts[0], eq - parts[0]));
  value = g_strstrip (g_strdup (eq + 1));
  if (name[0] == '\0')
    return refuse (error, "its name is empty");

  for (guint i = 1; parts[i] != NULL; i++)
    {
      char *attr = g_strstrip (parts[i]);
      char *val = strchr (attr, '=');

      if (val != NULL)
        {
          *val++ = '\0';
          g_strstrip (attr);
          val = g_strstrip (val);
        }
      if (g_ascii_strcasecmp (attr, "Secure") == 0)
        secure = TRUE;
      else if (g_ascii_strcasecmp (attr, "HttpOnly") == 0)
        http_only = TRUE;
      else if (val == NULL)
        continue;
      else if (g_ascii_strcasecmp (attr, "Max-Age") == 0)
        {
          gint64 age;
          char *end = NULL;

          age = g_ascii_strtoll (val, &end, 10);
          if (end == val || *end != '\0')
            continue;
          has_max_age = TRUE;
          /* Gone at once: a time in the past (0 is a session cookie). */
          expires = age <= 0 ? 1 : (age > G_MAXINT64 - now ? G_MAXINT64 : now + age);
        }
      else if (g_ascii_strcasecmp (attr, "Expires") == 0 && !has_max_age)
        {
          time_t t = curl_getdate (val, NULL);

          if (t != -1)
            expires = t <= 0 ? 1 : (gint64) t;
        }
      else if (g_ascii_strcasecmp (attr, "Domain") == 0 && val[0] != '\0')
        {
          g_free (domain);
          domain = g_ascii_strdown (val[0] == '.' ? val + 1 : val, -1);
        }
      else if (g_ascii_strcasecmp (attr, "Path") == 0 && val[0] == '/')
        {
          g_free (path);
          path = g_strdup (val);
        }
    }

  if (domain != NULL && domain[0] == '\0')
    g_clear_pointer (&domain, g_free);
  if (domain != NULL && !domain_matches (host, domain))
    return refuse (error, "its Domain is not the URL's host or a parent of it");
  /* Not a cookie for a whole top-level domain. */
  if (domain != NULL && strchr (domain, '.') == NULL && g_ascii_strcasecmp (domain, host) != 0)
    return refuse (error, "its Domain is a top-level domain");
  if (secure && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0)
    return refuse (error, "a Secure cookie needs an https URL");
  if (path == NULL)
    path = default_path (uri);

  return g_strdup_printf ("%s%s%s\t%s\t%s\t%s\t%" G_GINT64_FORMAT "\t%s\t%s",
                          http_only ? "#HttpOnly_" : "",
                          domain != NULL ? "." : "", domain != NULL ? domain : host,
                          domain != NULL ? "TRUE" : "FALSE", path, secure ? "TRUE" : "FALSE",
                          expires, name, value);
}

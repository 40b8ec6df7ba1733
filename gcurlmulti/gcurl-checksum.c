/* gcurl-checksum.c: the checksums a download is verified with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See gcurl-checksum-private.h.
 */

#include "config.h"

#include "gcurl-checksum-private.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const struct
{
  const char    *name;     /* ours, and the RFC 9530 token without its dash */
  GChecksumType  type;
  gsize          hex_len;
  int            strength; /* the strongest is used when a header has many */
} algorithms[] = {
  { "sha512", G_CHECKSUM_SHA512, 128, 4 },
  { "sha256", G_CHECKSUM_SHA256, 64, 3 },
  { "sha1",   G_CHECKSUM_SHA1,   40, 2 },
  { "md5",    G_CHECKSUM_MD5,    32, 1 },
};

/* The algorithm called @name (@len bytes): "sha256", "SHA-256", and
 * RFC 3230's "SHA" for SHA-1; -1 if unknown. */
static int
find_algorithm (const char *name,
                gsize       len)
{
  char folded[16];
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (name[i] == '-')
        continue;
      if (n + 1 >= sizeof folded)
        return -1;
      folded[n++] = g_ascii_tolower (name[i]);
    }
  folded[n] = '\0';
  if (strcmp (folded, "sha") == 0)
    strcpy (folded, "sha1");
  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    if (strcmp (folded, algorithms[i].name) == 0)
      return (int) i;
  return -1;
}

gboolean
_gcurl_checksum_parse (const char     *spec,
                       GChecksumType  *type,
                       char          **hex)
{
  const char *eq, *digits;
  gsize len;
  int a;

  if (spec == NULL || (eq = strchr (spec, '=')) == NULL)
    return FALSE;
  a = find_algorithm (spec, (gsize) (eq - spec));
  if (a < 0)
    return FALSE;
  digits = eq + 1;
  len = strlen (digits);
  if (len != algorithms[a].hex_len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (digits[i]))
      return FALSE;
  *type = algorithms[a].type;
  *hex = g_ascii_strdown (digits, (gssize) len);
  return TRUE;
}

/* @b64 (@len bytes) decoded as hex, if it is the digest size of
 * algorithm @a. */
static char *
hex_of_base64 (const char *b64,
               gsize       len,
               int         a)
{
  g_autofree char *copy = NULL;
  g_autofree guchar *raw = NULL;
  GString *out;
  gsize raw_len = 0;

  if (len == 0 || len > 200)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (b64[i]) && b64[i] != '+' && b64[i] != '/' && b64[i] != '=')
      return NULL;
  copy = g_strndup (b64, len);
  raw = g_base64_decode (copy, &raw_len);
  if (raw_len * 2 != algorithms[a].hex_len)
    return NULL;
  out = g_string_sized_new (raw_len * 2 + 1);
  for (gsize i = 0; i < raw_len; i++)
    g_string_append_printf (out, "%02x", raw[i]);
  return g_string_free (out, FALSE);
}

gboolean
_gcurl_checksum_from_header (const char     *value,
                             gboolean        legacy,
                             GChecksumType  *type,
                             char          **hex)
{
  int best = -1;
  char *best_hex = NULL;
  const char *p = value;

  if (value == NULL)
    return FALSE;

  /* A list of "token=value", comma-separated; anything malformed in one
   * member is skipped, not the whole header. */
  while (*p != '\0')
    {
      const char *start, *eq, *end, *v, *v_end;
      int a;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      start = p;
      end = strchr (p, ',');
      if (end == NULL)
        end = p + strlen (p);
      p = end;
      eq = memchr (start, '=', (gsize) (end - start));
      if (eq == NULL)
        continue;
      a = find_algorithm (start, (gsize) (eq - start));
      if (a < 0)
        continue;
      v = eq + 1;
      v_end = end;
      while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
        v_end--;
      /* RFC 9530: a byte sequence, :base64:; RFC 3230: bare base64 (an
       * MD5 may also be in hex there, which is not taken). */
      if (!legacy)
        {
          if (v_end - v < 2 || v[0] != ':' || v_end[-1] != ':')
            continue;
          v++;
          v_end--;
        }
      if (best >= 0 && algorithms[a].strength <= algorithms[best].strength)
        continue;
      {
        char *h = hex_of_base64 (v, (gsize) (v_end - v), a);

        if (h == NULL)
          continue;
        g_free (best_hex);
        best_hex = h;
        best = a;
      }
    }
  if (best < 0)
    return FALSE;
  *type = algorithms[best].type;
  *hex = best_hex;
  return TRUE;
}

const char *
_gcurl_checksum_type_name (GChecksumType type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    if (algorithms[i].type == type)
      return algorithms[i].name;
  return "unknown";
}

typedef struct
{
  int           fd;
  GChecksumType type;
} HashJob;

static void
hash_job_free (gpointer data)
{
  HashJob *job = data;

  if (job->fd >= 0)
    close (job->fd);
  g_free (job);
}

/* 1 MiB reads: a 4 GiB file in 4,096 of them, and a cancellation seen
 * within one. */
#define HASH_CHUNK (1024 * 1024)

static void
hash_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HashJob *job = task_data;
  g_autoptr(GChecksum) sum = g_checksum_new (job->type);
  g_autofree guchar *buffer = g_malloc (HASH_CHUNK);

  for (;;)
    {
      gssize n;

      if (g_task_return_error_if_cancelled (task))
        return;
      n = read (job->fd, buffer, HASH_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                                   "Cannot read the download to verify it: %s",
                                   g_strerror (errsv));
          return;
        }
      if (n == 0)
        break;
      g_checksum_update (sum, buffer, (gsize) n);
    }
  g_task_return_pointer (task, g_strdup (g_checksum_get_string (sum)), g_free);
}

void
_gcurl_checksum_fd_async (int                  fd,
                          GChecksumType        type,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  HashJob *job = g_new0 (HashJob, 1);

  job->fd = fd;
  job->type = type;
  g_task_set_source_tag (task, _gcurl_checksum_fd_async);
  g_task_set_task_data (task, job, hash_job_free);
  g_task_run_in_thread (task, hash_thread);
}

char *
_gcurl_checksum_fd_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

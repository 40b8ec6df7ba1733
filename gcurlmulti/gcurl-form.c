/* gcurl-form.c: GCurlForm, a multipart/form-data body, and its parts as
 * libcurl's MIME structure for a run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gcurl-error.h"
#include "gcurl-form-private.h"
#include "gcurl-headers-private.h"

/**
 * GCurlForm:
 *
 * A `multipart/form-data` request body (RFC 7578), as an HTML form with
 * file fields sends it: fields, files and in-memory parts, in the order
 * they were added. Give it to a transfer with
 * [method@GCurl.Transfer.set_request_body_form].
 *
 * ```python
 * form = GCurl.Form.new()
 * form.add_field("title", "Holiday")
 * form.add_file("photo", Gio.File.new_for_path("beach.jpg"), "image/jpeg")
 * transfer.set_request_body_form(form)
 * ```
 *
 * A file is opened when the transfer starts and read as the upload goes,
 * in pieces as libcurl asks for them, never whole into memory; its size
 * is looked up at the start, so that the request has a `Content-Length`
 * and [property@GCurl.Transfer:total-bytes-to-send] is known. Reads are
 * synchronous: give it local files. A form may be sent any number of
 * times, by one transfer or several; adding to it changes the runs that
 * start afterwards.
 */

typedef enum
{
  PART_FIELD,
  PART_FILE,
  PART_BYTES,
} PartKind;

typedef struct
{
  PartKind  kind;
  char     *name;
  char     *value;          /* a field's */
  GFile    *file;
  GBytes   *bytes;
  char     *content_type;
} FormPart;

struct _GCurlForm
{
  GObject    parent_instance;
  GPtrArray *parts;
};

G_DEFINE_FINAL_TYPE (GCurlForm, gcurl_form, G_TYPE_OBJECT)

static void
form_part_free (FormPart *part)
{
  g_free (part->name);
  g_free (part->value);
  g_clear_object (&part->file);
  g_clear_pointer (&part->bytes, g_bytes_unref);
  g_free (part->content_type);
  g_free (part);
}

static void
gcurl_form_finalize (GObject *object)
{
  GCurlForm *self = GCURL_FORM (object);

  g_ptr_array_unref (self->parts);

  G_OBJECT_CLASS (gcurl_form_parent_class)->finalize (object);
}

static void
gcurl_form_class_init (GCurlFormClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gcurl_form_finalize;
}

static void
gcurl_form_init (GCurlForm *self)
{
  self->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) form_part_free);
}

/**
 * gcurl_form_new:
 *
 * Makes an empty form.
 *
 * Returns: (transfer full): a new #GCurlForm
 */
GCurlForm *
gcurl_form_new (void)
{
  return g_object_new (GCURL_TYPE_FORM, NULL);
}

static FormPart *
add_part (GCurlForm  *self,
          PartKind    kind,
          const char *name,
          const char *content_type)
{
  FormPart *part = g_new0 (FormPart, 1);

  part->kind = kind;
  part->name = g_strdup (name);
  part->content_type = g_strdup (content_type);
  g_ptr_array_add (self->parts, part);
  return part;
}

/* A name and a content type go into a part's head: no control bytes. */
#define NAME_VALID(name) ((name) != NULL && _gcurl_header_value_valid (name))
#define TYPE_VALID(type) ((type) == NULL || ((type)[0] != '\0' && _gcurl_header_value_valid (type)))

/**
 * gcurl_form_add_field:
 * @self: a #GCurlForm
 * @name: the field's name
 * @value: its value, as UTF-8
 *
 * Adds a text field. A name with a control character is a programming
 * error.
 */
void
gcurl_form_add_field (GCurlForm  *self,
                      const char *name,
                      const char *value)
{
  g_return_if_fail (GCURL_IS_FORM (self));
  g_return_if_fail (NAME_VALID (name));
  g_return_if_fail (value != NULL);

  add_part (self, PART_FIELD, name, NULL)->value = g_strdup (value);
}

/**
 * gcurl_form_add_file:
 * @self: a #GCurlForm
 * @name: the field's name
 * @file: the file to send, read as the upload goes
 * @content_type: (nullable): its type, %NULL for
 *   `application/octet-stream`
 *
 * Adds a file field. The part's file name is @file's base name (control
 * characters in it become `_`). A name or type with a control character
 * is a programming error.
 */
void
gcurl_form_add_file (GCurlForm  *self,
                     const char *name,
                     GFile      *file,
                     const char *content_type)
{
  g_return_if_fail (GCURL_IS_FORM (self));
  g_return_if_fail (NAME_VALID (name));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (TYPE_VALID (content_type));

  add_part (self, PART_FILE, name, content_type)->file = g_object_ref (file);
}

/**
 * gcurl_form_add_bytes:
 * @self: a #GCurlForm
 * @name: the field's name
 * @bytes: the part's content, sent without a copy
 * @content_type: (nullable): its type, %NULL for a plain field
 *
 * Adds a part from memory. A name or type with a control character is a
 * programming error.
 */
void
gcurl_form_add_bytes (GCurlForm  *self,
                      const char *name,
                      GBytes     *bytes,
                      const char *content_type)
{
  g_return_if_fail (GCURL_IS_FORM (self));
  g_return_if_fail (NAME_VALID (name));
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (TYPE_VALID (content_type));

  add_part (self, PART_BYTES, name, content_type)->bytes = g_bytes_ref (bytes);
}

/**
 * gcurl_form_get_n_parts:
 * @self: a #GCurlForm
 *
 * Gets the number of parts added so far.
 *
 * Returns: the number of parts
 */
guint
gcurl_form_get_n_parts (GCurlForm *self)
{
  g_return_val_if_fail (GCURL_IS_FORM (self), 0);

  return self->parts->len;
}

/* ---------------------------------------------------------------------- */
/* A run's parts                                                           */

typedef struct
{
  GBytes        *bytes;
  GFile         *file;
  GInputStream  *in;
  gsize          pos;
  GError       **read_error;
} Reader;

static void
reader_free (void *data)
{
  Reader *r = data;

  if (r->in != NULL)
    g_input_stream_close (r->in, NULL, NULL);
  g_clear_object (&r->in);
  g_clear_object (&r->file);
  g_clear_pointer (&r->bytes, g_bytes_unref);
  g_free (r);
}

static size_t
reader_read (char   *buffer,
             size_t  size,
             size_t  nitems,
             void   *data)
{
  Reader *r = data;
  gsize want = size * nitems;
  g_autoptr(GError) error = NULL;
  gssize got;

  if (r->bytes != NULL)
    {
      gsize len;
      const guint8 *p = g_bytes_get_data (r->bytes, &len);
      gsize n = MIN (want, len - r->pos);

      memcpy (buffer, p + r->pos, n);
      r->pos += n;
      return n;
    }

  if (r->in == NULL)
    r->in = G_INPUT_STREAM (g_file_read (r->file, NULL, &error));
  got = r->in != NULL ? g_input_stream_read (r->in, buffer, want, NULL, &error) : -1;
  if (got < 0)
    {
      if (*r->read_error == NULL)
        *r->read_error = g_steal_pointer (&error);
      return CURL_READFUNC_ABORT;
    }
  r->pos += (gsize) got;
  return (size_t) got;
}

static int
reader_seek (void       *data,
             curl_off_t  offset,
             int         origin)
{
  Reader *r = data;

  if (origin != SEEK_SET || offset < 0)
    return CURL_SEEKFUNC_CANTSEEK;
  if (r->bytes != NULL)
    {
      if ((gsize) offset > g_bytes_get_size (r->bytes))
        return CURL_SEEKFUNC_FAIL;
      r->pos = (gsize) offset;
      return CURL_SEEKFUNC_OK;
    }
  if (r->in == NULL && offset == 0)
    return CURL_SEEKFUNC_OK;
  if (r->in == NULL || !G_IS_SEEKABLE (r->in) ||
      !g_seekable_seek (G_SEEKABLE (r->in), offset, G_SEEK_SET, NULL, NULL))
    return CURL_SEEKFUNC_CANTSEEK;
  r->pos = (gsize) offset;
  return CURL_SEEKFUNC_OK;
}

/* The base name, made fit for a part's head: no control bytes. */
static char *
part_filename (GFile *file)
{
  char *name = g_file_get_basename (file);

  if (name == NULL)
    return g_strdup ("file");
  for (guchar *p = (guchar *) name; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      *p = '_';
  return name;
}

curl_mime *
_gcurl_form_build (GCurlForm  *form,
                   CURL       *easy,
                   GError    **read_error,
                   GError    **error)
{
  curl_mime *mime = curl_mime_init (easy);

  for (guint i = 0; i < form->parts->len; i++)
    {
      FormPart *part = form->parts->pdata[i];
      curl_mimepart *mp = curl_mime_addpart (mime);
      Reader *r;
      curl_off_t size;

      curl_mime_name (mp, part->name);
      if (part->kind == PART_FIELD)
        {
          curl_mime_data (mp, part->value, CURL_ZERO_TERMINATED);
          continue;
        }

      r = g_new0 (Reader, 1);
      r->read_error = read_error;
      if (part->kind == PART_BYTES)
        {
          r->bytes = g_bytes_ref (part->bytes);
          size = (curl_off_t) g_bytes_get_size (part->bytes);
        }
      else
        {
          g_autoptr(GFileInfo) info = NULL;
          g_autofree char *filename = part_filename (part->file);

          info = g_file_query_info (part->file, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                    G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                    G_FILE_QUERY_INFO_NONE, NULL, error);
          if (info != NULL && g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
            {
              g_set_error (error, GCURL_ERROR, GCURL_ERROR_READ,
                           "The form's file %s is not a regular file", filename);
              g_clear_object (&info);
            }
          if (info == NULL)
            {
              g_free (r);
              curl_mime_free (mime);
              return NULL;
            }
          r->file = g_object_ref (part->file);
          size = (curl_off_t) g_file_info_get_size (info);
          curl_mime_filename (mp, filename);
        }
      curl_mime_data_cb (mp, size, reader_read, reader_seek, reader_free, r);
      if (part->content_type != NULL)
        curl_mime_type (mp, part->content_type);
      else if (part->kind == PART_FILE)
        curl_mime_type (mp, "application/octet-stream");
    }
  return mime;
}

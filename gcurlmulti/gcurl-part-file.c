/* gcurl-part-file.c: a download's `.part` file, safe in a hostile folder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See gcurl-part-file-private.h, and doc/design.md, "The download folder".
 * GIO's file replacing, appending and querying follow links, and its
 * replacing writes into a hidden temporary file until it is closed, so
 * this works on descriptors with POSIX calls.
 */

#include "config.h"

#include "gcurl-part-file-private.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Most file systems' limit on a name, in bytes. */
#define MAX_NAME_BYTES 255
#define PART_SUFFIX ".part"

struct _GCurlPartFile
{
  char     *final_path;
  char     *part_path;
  gboolean  resume;
  gboolean  replace;
  gboolean  part_existed;   /* at _new(): to resume, or to replace */
  gint64    offset;         /* the part's size at _new(), when resuming */
  int       fd;             /* -1 until opened, or while resting */
  gboolean  opened;         /* this run created or opened the part */
  dev_t     dev;            /* the file opened, to know it again */
  ino_t     ino;
  gint64    size;           /* what it holds: the offset and our writes */
  guint8   *buffer;         /* written, not yet on disk: see WRITE_BUFFER */
  gsize     buffered;
  gboolean  at_offsets;     /* O_APPEND checked off on this descriptor */
};

/* libcurl hands a body over in pieces of at most 16 KiB: gathered into
 * writes of up to this many bytes, a 100 KiB body is 2 write(2) calls,
 * not 7 (bench D2). Written out before the descriptor closes, so that
 * the part on disk and its size are whole at every check. */
#define WRITE_BUFFER (64 * 1024)

/* Descriptors of parts open in this process. libcurl 7.88 can run
 * hundreds of short transfers to their last byte within one
 * curl_multi_socket_action() before the first of them is reported done
 * (doc/design.md, "The download folder"); above this many, a part rests
 * (is closed) after each write and is opened again for the next. */
#define MAX_OPEN_PARTS 64
static gint open_parts;

/* Every final and part name a transfer of this process is writing: two
 * downloads to one name would interleave their bytes, and a download to
 * NAME and another to NAME.part would write each other's files. */
static GMutex names_lock;
static GHashTable *names_in_use;   /* path → path */

static gboolean
claim_names (const char *a,
             const char *b)
{
  gboolean claimed = FALSE;

  g_mutex_lock (&names_lock);
  if (names_in_use == NULL)
    names_in_use = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_hash_table_contains (names_in_use, a) && !g_hash_table_contains (names_in_use, b))
    {
      g_hash_table_add (names_in_use, g_strdup (a));
      g_hash_table_add (names_in_use, g_strdup (b));
      claimed = TRUE;
    }
  g_mutex_unlock (&names_lock);
  return claimed;
}

static void
release_names (const char *a,
               const char *b)
{
  g_mutex_lock (&names_lock);
  g_hash_table_remove (names_in_use, a);
  g_hash_table_remove (names_in_use, b);
  g_mutex_unlock (&names_lock);
}

/* A G_IO_ERROR from @errsv, naming @path. */
static void
set_errno_error (GError    **error,
                 int         errsv,
                 const char *path,
                 const char *what)
{
  g_autofree char *name = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s %s: %s", what, name, g_strerror (errsv));
}

static const char *
kind_of (mode_t mode)
{
  if (S_ISLNK (mode))
    return "a symbolic link";
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a FIFO";
  if (S_ISSOCK (mode))
    return "a socket";
  if (S_ISCHR (mode) || S_ISBLK (mode))
    return "a device";
  return "not a regular file";
}

static void
set_not_regular_error (GError    **error,
                       const char *path,
                       mode_t      mode)
{
  g_autofree char *name = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
               "Refusing to write to %s: it is %s", name, kind_of (mode));
}

static void
set_links_error (GError    **error,
                 const char *path)
{
  g_autofree char *name = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
               "Refusing to resume %s: it has other hard links", name);
}

static GCurlPartFile *part_file_new (const char  *final_path,
                                      gboolean     resume,
                                      gboolean     replace,
                                      gboolean     check_final,
                                      gint64      *offset,
                                      GError     **error);

GCurlPartFile *
_gcurl_part_file_new (const char  *final_path,
                       gboolean     resume,
                       gboolean     replace,
                       gint64      *offset,
                       GError     **error)
{
  return part_file_new (final_path, resume, replace, !replace, offset, error);
}

GCurlPartFile *
_gcurl_part_file_new_named_later (const char  *first_path,
                                   gboolean     resume,
                                   gint64      *offset,
                                   GError     **error)
{
  return part_file_new (first_path, resume, FALSE, FALSE, offset, error);
}

static GCurlPartFile *
part_file_new (const char  *final_path,
               gboolean     resume,
               gboolean     replace,
               gboolean     check_final,
               gint64      *offset,
               GError     **error)
{
  g_autoptr(GCurlPartFile) self = NULL;
  g_autofree char *base = NULL;
  struct stat st;

  g_return_val_if_fail (final_path != NULL && g_path_is_absolute (final_path), NULL);

  base = g_path_get_basename (final_path);
  if (strlen (base) + strlen (PART_SUFFIX) > MAX_NAME_BYTES)
    {
      g_autofree char *name = g_filename_display_name (final_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   "Cannot download to %s: the name leaves no room for “" PART_SUFFIX
                   "” within %d bytes", name, MAX_NAME_BYTES);
      return NULL;
    }

  /* The folder is the caller's choice (a link to one is fine); it has to
   * be there before anything is asked of the network. */
  {
    g_autofree char *dir = g_path_get_dirname (final_path);

    if (g_stat (dir, &st) != 0)
      {
        set_errno_error (error, errno, dir, "Cannot download into");
        return NULL;
      }
    if (!S_ISDIR (st.st_mode))
      {
        g_autofree char *name = g_filename_display_name (dir);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                     "Cannot download into %s: not a folder", name);
        return NULL;
      }
  }

  self = g_new0 (GCurlPartFile, 1);
  self->fd = -1;
  self->resume = resume;
  self->replace = replace;
  self->final_path = g_strdup (final_path);
  self->part_path = g_strconcat (final_path, PART_SUFFIX, NULL);

  if (!claim_names (self->final_path, self->part_path))
    {
      g_autofree char *name = g_filename_display_name (final_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "Another transfer is downloading to %s or its " PART_SUFFIX " file", name);
      g_clear_pointer (&self->part_path, g_free);   /* not ours to release */
      return NULL;
    }

  /* lstat: a link at the final name counts as a file there. */
  if (check_final && g_lstat (self->final_path, &st) == 0)
    {
      g_autofree char *name = g_filename_display_name (final_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s already exists", name);
      return NULL;
    }

  if (g_lstat (self->part_path, &st) != 0)
    {
      int errsv = errno;

      if (errsv != ENOENT)
        {
          set_errno_error (error, errsv, self->part_path, "Cannot check");
          return NULL;
        }
    }
  else
    {
      if (!S_ISREG (st.st_mode))
        {
          set_not_regular_error (error, self->part_path, st.st_mode);
          return NULL;
        }
      if (resume && st.st_nlink != 1)
        {
          set_links_error (error, self->part_path);
          return NULL;
        }
      self->part_existed = TRUE;
      if (resume)
        self->offset = st.st_size;
    }

  *offset = self->offset;
  return g_steal_pointer (&self);
}

/* A fresh part under a unique name in the same folder, renamed over the
 * old one: whatever is at the part's name (a stale part, or a link that
 * appeared since) is replaced, never written through. */
static int
replace_part (GCurlPartFile *self,
              GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (self->part_path);
  g_autofree char *base = g_path_get_basename (self->part_path);
  g_autofree char *tmpl = NULL;
  int fd;

  if (strlen (base) + 7 <= MAX_NAME_BYTES)
    tmpl = g_strdup_printf ("%s/%s.XXXXXX", dir, base);
  else
    tmpl = g_strdup_printf ("%s/" PART_SUFFIX ".XXXXXX", dir);

  fd = g_mkstemp_full (tmpl, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666);
  if (fd < 0)
    {
      set_errno_error (error, errno, self->part_path, "Cannot create");
      return -1;
    }
  if (g_rename (tmpl, self->part_path) != 0)
    {
      int errsv = errno;

      g_unlink (tmpl);
      close (fd);
      set_errno_error (error, errsv, self->part_path, "Cannot replace");
      return -1;
    }
  return fd;
}

/* The part as it is on disk, for appending: never through a link, and
 * O_NONBLOCK, so that a FIFO put there meanwhile cannot block us. */
static int
open_existing_part_for (GCurlPartFile *self,
                        int            access,
                        GError       **error)
{
  int fd = open (self->part_path, access | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == ELOOP)
        set_not_regular_error (error, self->part_path, S_IFLNK);
      else
        set_errno_error (error, errsv, self->part_path, "Cannot open");
    }
  return fd;
}

static int
open_existing_part (GCurlPartFile *self,
                    GError       **error)
{
  return open_existing_part_for (self, O_WRONLY | O_APPEND, error);
}

static gboolean
open_part (GCurlPartFile *self,
           GError       **error)
{
  int fd;

  if (self->resume && self->part_existed)
    {
      struct stat st;

      fd = open_existing_part (self, error);
      if (fd < 0)
        return FALSE;
      if (fstat (fd, &st) != 0)
        {
          set_errno_error (error, errno, self->part_path, "Cannot check");
          close (fd);
          return FALSE;
        }
      if (!S_ISREG (st.st_mode) || st.st_nlink != 1 || st.st_size != self->offset)
        {
          g_autofree char *name = g_filename_display_name (self->part_path);

          if (!S_ISREG (st.st_mode))
            set_not_regular_error (error, self->part_path, st.st_mode);
          else if (st.st_nlink != 1)
            set_links_error (error, self->part_path);
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "Refusing to resume %s: it changed since the transfer started", name);
          close (fd);
          return FALSE;
        }
    }
  else if (self->part_existed)
    {
      fd = replace_part (self, error);
      if (fd < 0)
        return FALSE;
    }
  else
    {
      fd = open (self->part_path,
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666);
      if (fd < 0)
        {
          set_errno_error (error, errno, self->part_path, "Cannot create");
          return FALSE;
        }
    }

  {
    struct stat st;

    if (fstat (fd, &st) != 0)
      {
        set_errno_error (error, errno, self->part_path, "Cannot check");
        close (fd);
        return FALSE;
      }
    self->dev = st.st_dev;
    self->ino = st.st_ino;
    self->size = st.st_size;
  }
  self->fd = fd;
  self->opened = TRUE;
  g_atomic_int_inc (&open_parts);
  return TRUE;
}

/* What is at the part's name is the file written (an inode number may be
 * used again: its size and type count too). */
static gboolean
same_file (GCurlPartFile     *self,
           const struct stat *st)
{
  return S_ISREG (st->st_mode) && st->st_dev == self->dev && st->st_ino == self->ino &&
         st->st_size == self->size;
}

/* A part that rested: the same file again, or an error. */
static gboolean
reopen_part (GCurlPartFile *self,
             GError       **error)
{
  struct stat st;
  int fd;

  fd = open_existing_part (self, error);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0 || !same_file (self, &st) || st.st_nlink != 1)
    {
      g_autofree char *name = g_filename_display_name (self->part_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Refusing to write to %s: it was replaced during the download", name);
      close (fd);
      return FALSE;
    }
  self->fd = fd;
  g_atomic_int_inc (&open_parts);
  return TRUE;
}

gboolean
_gcurl_path_present (const char *path)
{
  struct stat st;

  return g_lstat (path, &st) == 0 || errno != ENOENT;
}

static gboolean
write_all (GCurlPartFile  *self,
           const guint8   *p,
           gsize           len,
           GError        **error)
{
  while (len > 0)
    {
      gssize n = write (self->fd, p, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          set_errno_error (error, errno, self->part_path, "Cannot write to");
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
      self->size += n;
    }
  return TRUE;
}

/* What is buffered goes to the open descriptor; dropped if it cannot
 * (the error says so, and the part is what reached the disk). */
static gboolean
flush (GCurlPartFile  *self,
       GError        **error)
{
  gsize len = self->buffered;

  if (len == 0)
    return TRUE;
  self->buffered = 0;
  return write_all (self, self->buffer, len, error);
}

gboolean
_gcurl_part_file_write (GCurlPartFile *self,
                         const void    *data,
                         gsize          len,
                         GError       **error)
{
  if (self->fd < 0 && !(self->opened ? reopen_part (self, error) : open_part (self, error)))
    return FALSE;

  if (self->buffered + len > WRITE_BUFFER && !flush (self, error))
    return FALSE;
  if (len >= WRITE_BUFFER)
    {
      if (!write_all (self, data, len, error))
        return FALSE;
    }
  else
    {
      if (self->buffer == NULL)
        self->buffer = g_malloc (WRITE_BUFFER);
      memcpy (self->buffer + self->buffered, data, len);
      self->buffered += len;
    }

  if (g_atomic_int_get (&open_parts) > MAX_OPEN_PARTS)
    return _gcurl_part_file_rest (self, error);
  return TRUE;
}

gboolean
_gcurl_part_file_rest (GCurlPartFile  *self,
                       GError        **error)
{
  int fd = self->fd;
  gboolean ok;

  if (fd < 0)
    return TRUE;
  ok = flush (self, error);
  self->fd = -1;
  self->at_offsets = FALSE;
  g_atomic_int_dec_and_test (&open_parts);
  /* Written with write(2): close() reports no write error on a local
   * file system that write() did not. */
  close (fd);
  g_clear_pointer (&self->buffer, g_free);
  return ok;
}

gboolean
_gcurl_part_file_is_open (GCurlPartFile *self)
{
  return self->opened;
}

static gboolean
close_part (GCurlPartFile *self,
            GError       **error)
{
  int fd = self->fd;
  g_autoptr(GError) flush_error = NULL;

  if (fd < 0)
    return TRUE;
  flush (self, &flush_error);
  g_clear_pointer (&self->buffer, g_free);
  self->fd = -1;
  self->at_offsets = FALSE;
  g_atomic_int_dec_and_test (&open_parts);
  if (close (fd) != 0 && errno != EINTR && flush_error == NULL)
    set_errno_error (&flush_error, errno, self->part_path, "Cannot write to");
  if (flush_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&flush_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
_gcurl_part_file_commit (GCurlPartFile *self,
                          GError       **error)
{
  int r;

  /* An empty body (or nothing new to a resumed part): the file still has
   * to be there, and a resumed part is checked as if written to. */
  if (!self->opened && !open_part (self, error))
    return FALSE;
  if (!close_part (self, error))
    return FALSE;

  /* A part that rested: still the file written, not something put there
   * since (a link there would become the final name). */
  {
    struct stat st;

    if (g_lstat (self->part_path, &st) != 0 || !same_file (self, &st))
      {
        g_autofree char *name = g_filename_display_name (self->part_path);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "Refusing to move %s into place: it was replaced during the download",
                     name);
        return FALSE;
      }
  }

  if (self->replace)
    r = g_rename (self->part_path, self->final_path);
  else
    {
      /* Never over a file that appeared at the final name meanwhile. */
      r = renameat2 (AT_FDCWD, self->part_path, AT_FDCWD, self->final_path, RENAME_NOREPLACE);
      if (r != 0 && (errno == EINVAL || errno == ENOSYS))
        {
          /* A file system without it: link, then unlink (EEXIST if
           * taken); without hard links either, look, then rename. */
          struct stat st;

          r = link (self->part_path, self->final_path);
          if (r == 0)
            g_unlink (self->part_path);
          else if (errno != EEXIST && g_lstat (self->final_path, &st) != 0 && errno == ENOENT)
            r = g_rename (self->part_path, self->final_path);
          else if (errno != EEXIST)
            errno = EEXIST;
        }
    }
  if (r != 0)
    {
      set_errno_error (error, errno, self->final_path, "Cannot move the download into place at");
      return FALSE;
    }
  return TRUE;
}

/* Open for writing at offsets: a part opened to resume appends, and
 * Linux's pwrite() appends too on such a descriptor, whatever the
 * offset. */
static gboolean
ensure_open (GCurlPartFile *self,
             GError       **error)
{
  int flags;

  if (self->fd >= 0 && self->at_offsets)
    return TRUE;
  if (self->fd < 0 && !(self->opened ? reopen_part (self, error) : open_part (self, error)))
    return FALSE;
  /* Once per descriptor: the flag is ours to clear, and nobody else
   * holds the descriptor to set it again. */
  flags = fcntl (self->fd, F_GETFL);
  if (flags >= 0 && (flags & O_APPEND) != 0 && fcntl (self->fd, F_SETFL, flags & ~O_APPEND) != 0)
    {
      set_errno_error (error, errno, self->part_path, "Cannot write at offsets in");
      return FALSE;
    }
  self->at_offsets = TRUE;
  return TRUE;
}

gboolean
_gcurl_part_file_pwrite (GCurlPartFile *self,
                         const void    *data,
                         gsize          len,
                         gint64         offset,
                         GError       **error)
{
  const char *p = data;

  if (!ensure_open (self, error))
    return FALSE;
  while (len > 0)
    {
      gssize n = pwrite (self->fd, p, len, (off_t) offset);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          set_errno_error (error, errno, self->part_path, "Cannot write to");
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
      offset += n;
      self->size = MAX (self->size, offset);
    }
  return TRUE;
}

/* The whole size at once, so that the segments' writes do not fragment
 * the file and a full disk says so before the first byte; where the
 * filesystem cannot reserve, the size is set and the blocks come as
 * written. */
gboolean
_gcurl_part_file_allocate (GCurlPartFile *self,
                           gint64         size,
                           GError       **error)
{
  int r;

  if (!ensure_open (self, error))
    return FALSE;
  if (self->size >= size)
    return TRUE;
#ifdef HAVE_FALLOCATE
  do
    r = fallocate (self->fd, 0, 0, (off_t) size);
  while (r != 0 && errno == EINTR);
  if (r == 0)
    {
      self->size = size;
      return TRUE;
    }
  if (errno != EOPNOTSUPP && errno != ENOSYS)
    {
      set_errno_error (error, errno, self->part_path, "Cannot make room for");
      return FALSE;
    }
#endif
  do
    r = ftruncate (self->fd, (off_t) size);
  while (r != 0 && errno == EINTR);
  if (r != 0)
    {
      set_errno_error (error, errno, self->part_path, "Cannot make room for");
      return FALSE;
    }
  self->size = size;
  return TRUE;
}

gboolean
_gcurl_part_file_finish_writing (GCurlPartFile *self,
                                  GError       **error)
{
  if (!self->opened && !open_part (self, error))
    return FALSE;
  return close_part (self, error);
}

int
_gcurl_part_file_open_for_reading (GCurlPartFile *self,
                                    GError       **error)
{
  struct stat st;
  int fd;

  fd = open_existing_part_for (self, O_RDONLY, error);
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) != 0 || !same_file (self, &st))
    {
      g_autofree char *name = g_filename_display_name (self->part_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Refusing to verify %s: it was replaced during the download", name);
      close (fd);
      return -1;
    }
  return fd;
}

const char *
_gcurl_part_file_get_part_path (GCurlPartFile *self)
{
  return self->part_path;
}

gboolean
_gcurl_part_file_name_available (GCurlPartFile *self,
                                  const char    *final_path)
{
  g_autofree char *part = g_strconcat (final_path, PART_SUFFIX, NULL);
  gboolean own_final = g_strcmp0 (final_path, self->final_path) == 0;
  gboolean own_part = g_strcmp0 (part, self->part_path) == 0;
  gboolean taken;
  struct stat st;

  g_mutex_lock (&names_lock);
  taken = names_in_use != NULL &&
          ((!own_final && g_hash_table_contains (names_in_use, final_path)) ||
           (!own_part && g_hash_table_contains (names_in_use, part)));
  g_mutex_unlock (&names_lock);
  if (taken)
    return FALSE;
  /* lstat: a link, or anything else, takes the name. */
  if (g_lstat (final_path, &st) == 0 || errno != ENOENT)
    return FALSE;
  if (!own_part && (g_lstat (part, &st) == 0 || errno != ENOENT))
    return FALSE;
  return TRUE;
}

gboolean
_gcurl_part_file_retarget (GCurlPartFile *self,
                            const char    *final_path)
{
  gboolean claimed = FALSE;

  if (g_strcmp0 (final_path, self->final_path) == 0)
    return TRUE;
  g_mutex_lock (&names_lock);
  if (!g_hash_table_contains (names_in_use, final_path))
    {
      g_hash_table_remove (names_in_use, self->final_path);
      g_hash_table_add (names_in_use, g_strdup (final_path));
      claimed = TRUE;
    }
  g_mutex_unlock (&names_lock);
  if (!claimed)
    return FALSE;
  g_free (self->final_path);
  self->final_path = g_strdup (final_path);
  self->replace = FALSE;
  return TRUE;
}

gboolean
_gcurl_part_file_name_reserved (const char *final_path)
{
  g_autofree char *part = g_strconcat (final_path, PART_SUFFIX, NULL);
  gboolean reserved;

  g_mutex_lock (&names_lock);
  reserved = names_in_use != NULL && (g_hash_table_contains (names_in_use, final_path) ||
                                      g_hash_table_contains (names_in_use, part));
  g_mutex_unlock (&names_lock);
  return reserved;
}

void
_gcurl_part_file_discard_unused (const char *final_path)
{
  g_autofree char *part = g_strconcat (final_path, PART_SUFFIX, NULL);
  struct stat st;

  if (!_gcurl_part_file_name_reserved (final_path) && g_lstat (part, &st) == 0 &&
      S_ISREG (st.st_mode))
    g_unlink (part);
}

void
_gcurl_part_file_abandon (GCurlPartFile *self,
                           gboolean       discard)
{
  close_part (self, NULL);
  if (discard && (self->opened || (self->resume && self->part_existed)))
    g_unlink (self->part_path);
}

void
_gcurl_part_file_free (GCurlPartFile *self)
{
  if (self == NULL)
    return;
  close_part (self, NULL);
  if (self->part_path != NULL)
    release_names (self->final_path, self->part_path);
  g_free (self->final_path);
  g_free (self->part_path);
  g_free (self);
}

/* gcurl-part-file-private.h: a download's `.part` file, safe in a hostile
 * folder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The body of a file download goes to NAME.part, which is renamed to NAME
 * when the transfer succeeds (doc/design.md, "The download folder"). Nothing
 * is ever written through a link or into anything but a regular file this
 * code created or, to resume, one with a single link that it checked on
 * the open descriptor. The part is opened when the first body byte
 * arrives, so queued transfers hold no descriptor and leave no empty file.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GCurlPartFile GCurlPartFile;

/* Reserves @final_path and its part name in this process (two transfers
 * never share either), and checks the folder: the final name must not
 * exist unless @replace, and an existing part must be a regular file (with
 * one link, to @resume it). On success *@offset is the size to resume
 * from (0 without @resume or without a part). Fails with a G_IO_ERROR
 * that names the path. */
GCurlPartFile *_gcurl_part_file_new      (const char  *final_path,
                                           gboolean     resume,
                                           gboolean     replace,
                                           gint64      *offset,
                                           GError     **error);

/* For a download whose final name comes from the response
 * (gcurl-download.c): @first_path and its part are reserved, but
 * @first_path may exist; the final name is set with
 * _gcurl_part_file_retarget() before the commit, which never replaces. */
GCurlPartFile *_gcurl_part_file_new_named_later (const char  *first_path,
                                                  gboolean     resume,
                                                  gint64      *offset,
                                                  GError     **error);

/* Appends @len bytes, opening the part on the first call. */
gboolean       _gcurl_part_file_write    (GCurlPartFile *self,
                                           const void    *data,
                                           gsize          len,
                                           GError       **error);

/* Whether anything is at @path, a dangling link too: one lstat(), where
 * g_file_test() makes two calls for a name that is free. */
gboolean       _gcurl_path_present       (const char     *path);

/* Writes what is buffered and closes the part's descriptor until the
 * next write (the body may be complete, or many parts are open); the
 * next write checks it is still the same file. FALSE with @error if the
 * buffered bytes could not be written. */
gboolean       _gcurl_part_file_rest     (GCurlPartFile  *self,
                                          GError        **error);
/* For segments: @len bytes at @offset, and room for @size bytes
 * reserved up front (fallocate() where the filesystem has it). */
gboolean       _gcurl_part_file_pwrite   (GCurlPartFile *self,
                                           const void    *data,
                                           gsize          len,
                                           gint64         offset,
                                           GError       **error);
gboolean       _gcurl_part_file_allocate (GCurlPartFile *self,
                                           gint64         size,
                                           GError       **error);

/* Whether a write (or a finish) has opened the part in this run. */
gboolean       _gcurl_part_file_is_open  (GCurlPartFile *self);

/* The transfer succeeded: closes the part (creating it if no byte came)
 * and renames it to the final name. */
gboolean       _gcurl_part_file_commit   (GCurlPartFile *self,
                                           GError       **error);

/* The body is complete but the part is not committed yet (a download
 * verifies it first): creates it if no byte came, and closes it. */
gboolean       _gcurl_part_file_finish_writing (GCurlPartFile *self,
                                                 GError       **error);

/* A descriptor to read the closed part from its start, never through a
 * link, checked to be the file written; -1 with @error set. */
int            _gcurl_part_file_open_for_reading (GCurlPartFile *self,
                                                   GError       **error);

const char    *_gcurl_part_file_get_part_path  (GCurlPartFile *self);

/* Whether @final_path could be this part's final name: neither it nor
 * its part name reserved by another download, nor on disk (this part
 * aside). */
gboolean       _gcurl_part_file_name_available (GCurlPartFile *self,
                                                 const char    *final_path);

/* Makes @final_path the name the part is committed to, reserving it and
 * releasing the old one; FALSE if another download has it. The commit
 * then never replaces a file. */
gboolean       _gcurl_part_file_retarget       (GCurlPartFile *self,
                                                 const char    *final_path);

/* Whether a download of this process has @final_path, or its part name. */
gboolean       _gcurl_part_file_name_reserved  (const char    *final_path);

/* Removes the part of @final_path, a regular file no download of this
 * process has open (a download cancelled between two attempts). */
void           _gcurl_part_file_discard_unused (const char    *final_path);

/* The transfer failed: closes the part, and with @discard removes it if
 * it belongs to this download (written by this run, or the partial it
 * resumed); an old part that a run without resume never reached stays. */
void           _gcurl_part_file_abandon  (GCurlPartFile *self,
                                           gboolean       discard);

/* Releases the names (after commit or abandon). */
void           _gcurl_part_file_free     (GCurlPartFile *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GCurlPartFile, _gcurl_part_file_free)

G_END_DECLS

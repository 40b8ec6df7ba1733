/* gcurl-form.h: a multipart/form-data request body
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(GCURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gcurl-version-macros.h"

G_BEGIN_DECLS

#define GCURL_TYPE_FORM (gcurl_form_get_type ())
GCURL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (GCurlForm, gcurl_form, GCURL, FORM, GObject)

GCURL_AVAILABLE_IN_0_1
GCurlForm *gcurl_form_new       (void);
GCURL_AVAILABLE_IN_0_1
void       gcurl_form_add_field (GCurlForm  *self,
                                 const char *name,
                                 const char *value);
GCURL_AVAILABLE_IN_0_1
void       gcurl_form_add_file  (GCurlForm  *self,
                                 const char *name,
                                 GFile      *file,
                                 const char *content_type);
GCURL_AVAILABLE_IN_0_1
void       gcurl_form_add_bytes (GCurlForm  *self,
                                 const char *name,
                                 GBytes     *bytes,
                                 const char *content_type);
GCURL_AVAILABLE_IN_0_1
guint      gcurl_form_get_n_parts (GCurlForm *self);

G_END_DECLS

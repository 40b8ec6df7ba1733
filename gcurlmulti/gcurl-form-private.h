/* gcurl-form-private.h: a form as a libcurl MIME structure, for a run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <curl/curl.h>

#include "gcurl-form.h"

G_BEGIN_DECLS

/* The parts of @form on @easy, for one run: the files are opened and read
 * as libcurl asks (a failing read sets *@read_error, which must outlive
 * the run, and aborts it). Fails when a file cannot be looked at. */
curl_mime *_gcurl_form_build (GCurlForm  *form,
                              CURL       *easy,
                              GError    **read_error,
                              GError    **error);

G_END_DECLS

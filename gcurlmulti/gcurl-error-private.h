/* gcurl-error-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <curl/curl.h>

#include "gcurl-error.h"

G_BEGIN_DECLS

GCurlError  _g_curl_error_code_from_curl_code   (CURLcode  code);
CURLcode    _g_curl_code_from_multi_code        (CURLMcode mcode);
GError     *_g_curl_error_new_from_multi_code   (CURLMcode   mcode,
                                                 const char *what);

G_END_DECLS

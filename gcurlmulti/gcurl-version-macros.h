/* gcurl-version-macros.h: symbol visibility and availability annotations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(G_CURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <glib.h>

#include "gcurl-version.h"

#ifndef _G_CURL_EXTERN
#if defined(__GNUC__) || defined(__clang__)
#define _G_CURL_EXTERN __attribute__((visibility ("default"))) extern
#else
#define _G_CURL_EXTERN extern
#endif
#endif

/**
 * G_CURL_VERSION_1_0:
 *
 * The encoded value of version 1.0 of the API, for comparisons.
 */
#define G_CURL_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * G_CURL_DEPRECATED:
 *
 * Marks a symbol as deprecated, unless `G_CURL_DISABLE_DEPRECATION_WARNINGS`
 * is defined.
 */

/**
 * G_CURL_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated in favour of @f, unless
 * `G_CURL_DISABLE_DEPRECATION_WARNINGS` is defined.
 */

/**
 * G_CURL_UNAVAILABLE:
 * @maj: the major version that introduced the symbol
 * @min: the minor version that introduced the symbol
 *
 * Marks a symbol as unavailable before version @maj.@min.
 */
#ifdef G_CURL_DISABLE_DEPRECATION_WARNINGS
#define G_CURL_DEPRECATED _G_CURL_EXTERN
#define G_CURL_DEPRECATED_FOR(f) _G_CURL_EXTERN
#define G_CURL_UNAVAILABLE(maj, min) _G_CURL_EXTERN
#else
#define G_CURL_DEPRECATED G_DEPRECATED _G_CURL_EXTERN
#define G_CURL_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _G_CURL_EXTERN
#define G_CURL_UNAVAILABLE(maj, min) G_UNAVAILABLE (maj, min) _G_CURL_EXTERN
#endif

/**
 * G_CURL_AVAILABLE_IN_ALL:
 *
 * Marks a symbol as available in every version of gcurlmulti.
 */
#define G_CURL_AVAILABLE_IN_ALL _G_CURL_EXTERN

/**
 * G_CURL_AVAILABLE_IN_1_0:
 *
 * Marks a symbol as available since gcurlmulti 1.0.
 */
#define G_CURL_AVAILABLE_IN_1_0 _G_CURL_EXTERN

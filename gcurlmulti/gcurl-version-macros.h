/* gcurl-version-macros.h: symbol visibility and availability annotations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(GCURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <glib.h>

#include "gcurl-version.h"

#ifndef _GCURL_EXTERN
#if defined(__GNUC__) || defined(__clang__)
#define _GCURL_EXTERN __attribute__((visibility ("default"))) extern
#else
#define _GCURL_EXTERN extern
#endif
#endif

/**
 * GCURL_VERSION_0_1:
 *
 * The encoded value of version 0.1 of gcurlmulti, for
 * `GCURL_VERSION_MIN_REQUIRED` and `GCURL_VERSION_MAX_ALLOWED`.
 */
#define GCURL_VERSION_0_1 (G_ENCODE_VERSION (0, 1))

/**
 * GCURL_VERSION_CUR_STABLE:
 *
 * The encoded value of the current stable version: the major and minor
 * version of these headers, rounded up to the next even minor version
 * while a development (odd) version is being built.
 */
#if (GCURL_MINOR_VERSION % 2)
#define GCURL_VERSION_CUR_STABLE (G_ENCODE_VERSION (GCURL_MAJOR_VERSION, GCURL_MINOR_VERSION + 1))
#else
#define GCURL_VERSION_CUR_STABLE (G_ENCODE_VERSION (GCURL_MAJOR_VERSION, GCURL_MINOR_VERSION))
#endif

/**
 * GCURL_VERSION_MIN_REQUIRED:
 *
 * Define it before including `<gcurlmulti/gcurlmulti.h>` to the oldest
 * version the application supports, for example `GCURL_VERSION_0_1`.
 * Symbols deprecated in that version or earlier then warn.
 *
 * The default is `GCURL_VERSION_CUR_STABLE`.
 */
#ifndef GCURL_VERSION_MIN_REQUIRED
#define GCURL_VERSION_MIN_REQUIRED (GCURL_VERSION_CUR_STABLE)
#endif

/**
 * GCURL_VERSION_MAX_ALLOWED:
 *
 * Define it before including `<gcurlmulti/gcurlmulti.h>` to the newest
 * version whose API the application may use. Symbols added after it then
 * warn, so that a program meant to run with an older gcurlmulti does not
 * use newer API by accident.
 *
 * The default is `GCURL_VERSION_CUR_STABLE`, or
 * `GCURL_VERSION_MIN_REQUIRED` when that is newer.
 */
#ifndef GCURL_VERSION_MAX_ALLOWED
#if GCURL_VERSION_MIN_REQUIRED > GCURL_VERSION_CUR_STABLE
#define GCURL_VERSION_MAX_ALLOWED (GCURL_VERSION_MIN_REQUIRED)
#else
#define GCURL_VERSION_MAX_ALLOWED (GCURL_VERSION_CUR_STABLE)
#endif
#endif

#if GCURL_VERSION_MAX_ALLOWED < GCURL_VERSION_MIN_REQUIRED
#error "GCURL_VERSION_MAX_ALLOWED must be >= GCURL_VERSION_MIN_REQUIRED"
#endif
#if GCURL_VERSION_MIN_REQUIRED < GCURL_VERSION_0_1
#error "GCURL_VERSION_MIN_REQUIRED must be >= GCURL_VERSION_0_1"
#endif

/**
 * GCURL_DEPRECATED:
 *
 * Marks a symbol as deprecated, unless `GCURL_DISABLE_DEPRECATION_WARNINGS`
 * is defined.
 */

/**
 * GCURL_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated in favour of @f, unless
 * `GCURL_DISABLE_DEPRECATION_WARNINGS` is defined.
 */

/**
 * GCURL_UNAVAILABLE:
 * @maj: the major version that introduced the symbol
 * @min: the minor version that introduced the symbol
 *
 * Marks a symbol as unavailable before version @maj.@min.
 */
#ifdef GCURL_DISABLE_DEPRECATION_WARNINGS
#define GCURL_DEPRECATED _GCURL_EXTERN
#define GCURL_DEPRECATED_FOR(f) _GCURL_EXTERN
#define GCURL_UNAVAILABLE(maj, min) _GCURL_EXTERN
#else
#define GCURL_DEPRECATED G_DEPRECATED _GCURL_EXTERN
#define GCURL_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _GCURL_EXTERN
#define GCURL_UNAVAILABLE(maj, min) G_UNAVAILABLE (maj, min) _GCURL_EXTERN
#endif

/**
 * GCURL_AVAILABLE_IN_ALL:
 *
 * Marks a symbol as available in every version of gcurlmulti.
 */
#define GCURL_AVAILABLE_IN_ALL _GCURL_EXTERN

/**
 * GCURL_AVAILABLE_IN_0_1:
 *
 * Marks a symbol as available since gcurlmulti 0.1. With
 * `GCURL_VERSION_MAX_ALLOWED` older than 0.1 it warns.
 */
#if GCURL_VERSION_MAX_ALLOWED < GCURL_VERSION_0_1
#define GCURL_AVAILABLE_IN_0_1 GCURL_UNAVAILABLE (0, 1)
#else
#define GCURL_AVAILABLE_IN_0_1 _GCURL_EXTERN
#endif

/**
 * GCURL_DEPRECATED_IN_0_1:
 *
 * Marks a symbol as deprecated since gcurlmulti 0.1: it warns when
 * `GCURL_VERSION_MIN_REQUIRED` is 0.1 or newer.
 */

/**
 * GCURL_DEPRECATED_IN_0_1_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated since gcurlmulti 0.1 in favour of @f.
 */
#if GCURL_VERSION_MIN_REQUIRED >= GCURL_VERSION_0_1
#define GCURL_DEPRECATED_IN_0_1 GCURL_DEPRECATED
#define GCURL_DEPRECATED_IN_0_1_FOR(f) GCURL_DEPRECATED_FOR (f)
#else
#define GCURL_DEPRECATED_IN_0_1 _GCURL_EXTERN
#define GCURL_DEPRECATED_IN_0_1_FOR(f) _GCURL_EXTERN
#endif

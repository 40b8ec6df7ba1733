/* gcurlmulti.h: libcurl's multi interface in the GLib main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define __GCURLMULTI_INSIDE__

#include <glib-object.h>
#include <gio/gio.h>
#include <curl/curl.h>

#include "gcurl-version.h"
#include "gcurl-version-macros.h"
#include "gcurl-enum-types.h"
#include "gcurl-error.h"
#include "gcurl-form.h"
#include "gcurl-transfer.h"
#include "gcurl-multi-source.h"
#include "gcurl-download.h"

#undef __GCURLMULTI_INSIDE__

/* gcurl-test-utils.h: servers and helpers shared by the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sys/resource.h>

#include <gcurlmulti/gcurlmulti.h>

G_BEGIN_DECLS

/* ---- Deterministic content ------------------------------------------- */

/* Every body the test servers send is a prefix (or, for Range, a slice) of
 * one pseudo-random pattern, so any byte can be checked. */
#define GCURL_TEST_PATTERN_SIZE (16 * 1024 * 1024)

const guint8 *gcurl_test_pattern        (void);
gboolean      gcurl_test_pattern_check  (goffset       offset,
                                         const void   *data,
                                         gsize         len);

/* ---- In-process SoupServer ------------------------------------------- */

/* A libsoup 3 SoupServer on 127.0.0.1 running in its own thread and
 * GMainContext. Endpoints (query parameters in brackets):
 *
 *   /bytes?n=N[&chunked=1][&cd=V][&digest=good|bad|legacy]
 *                         N bytes of the pattern; honours a single Range;
 *                         chunked=1 sends no Content-Length; cd=V sends
 *                         Content-Disposition: V; digest= a Repr-Digest of
 *                         the N bytes (bad: a wrong one; legacy: a Digest)
 *   /flaky?key=K&fails=F[&code=C][&retry_after=V]&n=N…
 *                         the first F requests for K get status C (503),
 *                         with Retry-After: V; then /bytes; each response
 *                         has X-Flaky-Requests (the count for K) and
 *                         X-Flaky-Wait-Ms (since the one before, or -1)
 *   /trickle?n=N&chunk=C&interval=MS[&cd=V]
 *                         N bytes, C at a time, one chunk every MS ms
 *                         (with Content-Disposition: V)
 *   /stall?n=N            headers announcing N bytes, then nothing
 *   /drop?n=N&after=K     headers announcing N bytes, K bytes, then close
 *   /status?code=C        status C with a short body
 *   /redirect?n=K&to=PATH K redirects, then PATH (default /bytes?n=1024)
 *                         (a /drop request with a Range is served as /bytes)
 *   /echo                 the request body back, with X-Echo-Method,
 *                         X-Echo-User-Agent, X-Echo-Test (of X-Test),
 *                         X-Echo-Content-Type and X-Echo-Accept
 *                         (and X-Echo-Cookie, -Range, -Authorization,
 *                         -Accept-Encoding of those request headers)
 *   /auth/digest          "hello USER" behind HTTP Digest (realm
 *                         gcurl-test) for GCURL_TEST_AUTH_USER and
 *                         GCURL_TEST_AUTH_PASSWORD
 *   /multipart            each part of a multipart/form-data body as a line:
 *                         NAME, FILENAME, TYPE, SIZE, SHA-256 (tabs between)
 *   /disposition?cd=V     a body "x" with Content-Disposition: V
 *   /raw?head=H&n=N[&hold=1]
 *                         a hostile server: the head H exactly as given
 *                         (CRLFs included), N pattern bytes, then close
 *                         (hold=1: keep the connection open)
 *   /range416?n=N         416 with "Content-Range: bytes *\/N"
 *   /longheader?n=N       a response header line of N bytes, no body
 *   /gzipbomb?n=N[&ce=1]  N zero bytes gzip-compressed, as an unasked-for
 *                         Transfer-Encoding: gzip (ce=1: Content-Encoding
 *                         with the compressed Content-Length)
 *
 * Every response but /status, /echo, /disposition and /range416 carries
 * the pattern.
 */
typedef struct _GCurlTestServer GCurlTestServer;

/* nginx's enc/text, and enc/text.gz, .br, .zst in those encodings. */
#define GCURL_TEST_ENCODED_SIZE (1024 * 1024)
#define GCURL_TEST_AUTH_USER "gcurl-user"
#define GCURL_TEST_AUTH_PASSWORD "pw-9f3b1c"

GCurlTestServer *gcurl_test_server_new      (void);
const char      *gcurl_test_server_get_url  (GCurlTestServer *server);
/* The same server on 127.0.0.2: another origin, and another host for
 * cookies once a name is mapped to it. */
const char      *gcurl_test_server_get_other_url (GCurlTestServer *server);
char            *gcurl_test_server_url      (GCurlTestServer *server,
                                             const char      *path_and_query);
void             gcurl_test_server_free     (GCurlTestServer *server);
/* How many requests /flaky had for @key, and how many of them came with
 * an Authorization or a Cookie header (@authorized may be NULL). */
guint            gcurl_test_server_flaky_count (GCurlTestServer *server,
                                                const char      *key,
                                                guint           *authorized);

/* ---- nginx ------------------------------------------------------------ */

typedef struct
{
  char *dir;          /* temporary prefix, removed by stop */
  char *http_url;     /* HTTP/1.1, e.g. http://127.0.0.1:PORT */
  char *h2c_url;      /* HTTP/2 cleartext, prior knowledge only */
  char *https_url;    /* TLS with HTTP/2 through ALPN */
  char *expired_url;  /* TLS, a certificate from ca_file that has expired */
  char *wronghost_url; /* TLS, a certificate from ca_file for another host */
  char *h3_url;       /* HTTP/3 over QUIC (and TLS on TCP), where nginx has it; else NULL */
  guint16 alt_port;   /* TLS with HTTP/2 as well, which https_url's /altsvc/ names in
                       * an Alt-Svc; its /hsts/ sends Strict-Transport-Security */
  char *ca_file;      /* the self-signed certificate nginx serves */
  char *https_log;    /* the HTTPS server's access log: "CONNECTION URI" lines */
  char *ranges_log;   /* /rate/'s (limit_rate 4m): "CONNECTION STATUS RANGE URI" */
  GSubprocess *process;
} GCurlTestNginx;

/* Files in the docroot: /1k, /100k, /1m, /16m: pattern prefixes. The
 * HTTP/1.1 server also serves them under /slow/ at 40 KiB/s per
 * connection (nginx's limit_rate), under /rate/ at 4 MB/s per connection
 * (logged in ranges_log), and under /private/ behind HTTP Basic
 * for GCURL_TEST_AUTH_USER and GCURL_TEST_AUTH_PASSWORD. /enc/text is
 * GCURL_TEST_ENCODED_SIZE bytes of text, /enc/text.gz, .br and .zst the
 * same in those encodings (.br and .zst where the tools are installed),
 * served with their Content-Encoding. */
GCurlTestNginx *gcurl_test_nginx_start (GError        **error);
void            gcurl_test_nginx_stop  (GCurlTestNginx *nginx);

/* Started once per test binary, stopped at exit; skips the test (returns
 * NULL) when nginx is not installed. */
GCurlTestNginx *gcurl_test_nginx_get_shared (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GCurlTestNginx, gcurl_test_nginx_stop)

/* ---- Raw transfers ----------------------------------------------------- */

typedef struct
{
  CURL    *easy;
  char    *url;
  char     errbuf[CURL_ERROR_SIZE];
  goffset  received;
  goffset  expected;        /* -1: do not check the length */
  goffset  offset;          /* where the body starts in the pattern */
  gboolean content_ok;
  int      done_count;
  CURLcode result;
  gpointer user_data;
} GCurlTestFetch;

GCurlTestFetch *gcurl_test_fetch_new   (const char     *url,
                                        goffset         expected);
void            gcurl_test_fetch_reset (GCurlTestFetch *fetch);
void            gcurl_test_fetch_free  (GCurlTestFetch *fetch);

/* ---- Main loop --------------------------------------------------------- */

/* Iterates @context until *@flag is TRUE; fails the test after
 * @timeout_ms. */
void     gcurl_test_wait_for_flag   (GMainContext *context,
                                     gboolean     *flag,
                                     guint         timeout_ms);
/* Iterates @context until *@counter >= @target (same guard). */
void     gcurl_test_wait_for_count  (GMainContext *context,
                                     int          *counter,
                                     int           target,
                                     guint         timeout_ms);
/* Iterates @context for @ms milliseconds. */
void     gcurl_test_run_for         (GMainContext *context,
                                     guint         ms);

/* Raises RLIMIT_NOFILE to its hard limit (at least @want if allowed). */
void     gcurl_test_raise_nofile    (rlim_t        want);

/* Names the backend the environment selects (GCURL_BACKEND or default). */
const char *gcurl_test_backend_name (void);

/* The process's open file descriptors, and the GSources attached to a
 * context (source ids are per context, counted up from 1: all probed). */
int      gcurl_test_count_fds       (void);
int      gcurl_test_count_sources   (GMainContext *context);

G_END_DECLS

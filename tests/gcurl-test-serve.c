/* gcurl-test-serve.c: run a command with the test nginx serving
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   gcurl-test-serve COMMAND [ARG...]
 *
 * Starts nginx (see gcurl-test-utils.h: /1k, /100k, /1m, /16m on HTTP/1.1,
 * h2c and HTTPS) and the SoupServer test server, runs COMMAND with
 * NGINX_HTTP_URL, NGINX_H2C_URL, NGINX_HTTPS_URL, NGINX_EXPIRED_URL,
 * NGINX_WRONGHOST_URL, NGINX_H3_URL (where nginx has HTTP/3), NGINX_CA_FILE,
 * NGINX_ALT_PORT (the port the HTTPS server's /altsvc/ names in Alt-Svc),
 * NGINX_HTTPS_LOG (the HTTPS access log: "CONNECTION URI" per request),
 * NGINX_RANGES_LOG (/rate/'s, limited to 4 MB/s per connection:
 * "CONNECTION STATUS RANGE URI"),
 * NGINX_DOCROOT (the served files, to check against), SOUP_URL, SOUP_OTHER_URL
 * (the same on 127.0.0.2), TEST_AUTH_USER and TEST_AUTH_PASSWORD in its
 * environment, stops both and exits with COMMAND's status.
 */

#include "config.h"

#include <stdlib.h>

#include "gcurl-test-utils.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  GCurlTestNginx *nginx;
  GCurlTestServer *server;
  g_autofree char *docroot = NULL;
  int status = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s COMMAND [ARG...]\n", argv[0]);
      return 2;
    }

  nginx = gcurl_test_nginx_start (&error);
  if (nginx == NULL)
    {
      g_printerr ("%s: cannot start nginx: %s\n", argv[0], error->message);
      return 1;
    }

  envp = g_environ_setenv (envp, "NGINX_HTTP_URL", nginx->http_url, TRUE);
  envp = g_environ_setenv (envp, "NGINX_H2C_URL", nginx->h2c_url, TRUE);
  envp = g_environ_setenv (envp, "NGINX_HTTPS_URL", nginx->https_url, TRUE);
  envp = g_environ_setenv (envp, "NGINX_EXPIRED_URL", nginx->expired_url, TRUE);
  envp = g_environ_setenv (envp, "NGINX_WRONGHOST_URL", nginx->wronghost_url, TRUE);
  if (nginx->h3_url != NULL)
    envp = g_environ_setenv (envp, "NGINX_H3_URL", nginx->h3_url, TRUE);
  envp = g_environ_setenv (envp, "NGINX_CA_FILE", nginx->ca_file, TRUE);
  {
    g_autofree char *alt = g_strdup_printf ("%u", nginx->alt_port);

    envp = g_environ_setenv (envp, "NGINX_ALT_PORT", alt, TRUE);
  }
  envp = g_environ_setenv (envp, "NGINX_HTTPS_LOG", nginx->https_log, TRUE);
  envp = g_environ_setenv (envp, "NGINX_RANGES_LOG", nginx->ranges_log, TRUE);
  docroot = g_build_filename (nginx->dir, "www", NULL);
  envp = g_environ_setenv (envp, "NGINX_DOCROOT", docroot, TRUE);
  server = gcurl_test_server_new ();
  envp = g_environ_setenv (envp, "SOUP_URL", gcurl_test_server_get_url (server), TRUE);
  envp = g_environ_setenv (envp, "SOUP_OTHER_URL", gcurl_test_server_get_other_url (server), TRUE);
  envp = g_environ_setenv (envp, "TEST_AUTH_USER", GCURL_TEST_AUTH_USER, TRUE);
  envp = g_environ_setenv (envp, "TEST_AUTH_PASSWORD", GCURL_TEST_AUTH_PASSWORD, TRUE);

  if (!g_spawn_sync (NULL, argv + 1, envp,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      status = 127 << 8;
    }

  gcurl_test_server_free (server);
  gcurl_test_nginx_stop (nginx);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

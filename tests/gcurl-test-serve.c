/* gcurl-test-serve.c: run a command with the test nginx serving
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   gcurl-test-serve COMMAND [ARG...]
 *
 * Starts nginx (see gcurl-test-utils.h: /1k, /100k, /1m, /16m on HTTP/1.1,
 * h2c and HTTPS), runs COMMAND with NGINX_HTTP_URL, NGINX_H2C_URL,
 * NGINX_HTTPS_URL and NGINX_CA_FILE in its environment, stops nginx and
 * exits with COMMAND's status.
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
  envp = g_environ_setenv (envp, "NGINX_CA_FILE", nginx->ca_file, TRUE);

  if (!g_spawn_sync (NULL, argv + 1, envp,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      status = 127 << 8;
    }

  gcurl_test_nginx_stop (nginx);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

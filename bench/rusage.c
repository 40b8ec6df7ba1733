/* rusage.c: run a command, then report its own resource usage
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench-rusage OUTFILE COMMAND [ARG...]
 *
 * Runs COMMAND and writes "USER_S SYS_S MAXRSS_KIB" of that process to
 * OUTFILE; exits with its status. A small program forks it rather than the
 * Python driver because a child's peak RSS counts what it inherited
 * across fork() (the driver's whole interpreter).
 */

#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char *argv[])
{
  struct rusage usage;
  int status = 0;
  pid_t pid;
  FILE *out;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s OUTFILE COMMAND [ARG...]\n", argv[0]);
      return 2;
    }

  pid = fork ();
  if (pid == 0)
    {
      execvp (argv[2], argv + 2);
      perror (argv[2]);
      _exit (127);
    }
  if (pid < 0 || wait4 (pid, &status, 0, &usage) < 0)
    {
      perror ("bench-rusage");
      return 127;
    }

  out = fopen (argv[1], "w");
  if (out == NULL)
    {
      perror (argv[1]);
      return 127;
    }
  fprintf (out, "%ld.%06ld %ld.%06ld %ld\n",
           (long) usage.ru_utime.tv_sec, (long) usage.ru_utime.tv_usec,
           (long) usage.ru_stime.tv_sec, (long) usage.ru_stime.tv_usec,
           usage.ru_maxrss);
  fclose (out);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

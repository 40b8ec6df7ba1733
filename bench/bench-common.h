/* bench-common.h: what every C bench client shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every client does the same work: COUNT GETs of URL with CONCURRENCY in
 * flight, a finished transfer replaced at once, every body's length
 * checked (against -s BYTES, else the Content-Length), and prints
 *
 *   N transfers, B bytes, F failed, W s wall, C s CPU
 *
 * exiting 0 only if every transfer succeeded. Wall and CPU time count the
 * work: from just before the first transfer starts (after the set-up:
 * library initialisation, the multi handle or session) to the end. -b BYTES sets libcurl's
 * receive buffer (CURLOPT_BUFFERSIZE) where the client uses libcurl. -m
 * (the raw loops) copies each body into memory, as a memory-output API must:
 * a buffer sized from the Content-Length, kept per connection slot and
 * reused by the next body; the least work any memory output does, and so
 * the floor for GCurlTransfer's.
 */

#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct
{
  int         count;
  int         concurrency;
  long long   size;         /* -1: the Content-Length */
  long        buffer_size;  /* 0: libcurl's default */
  int         keep;         /* -m: keep each body in memory */
  const char *url;
} BenchArgs;

static inline int
bench_parse_args (BenchArgs *a,
                  int        argc,
                  char      *argv[])
{
  struct rlimit rl;

  a->count = 1000;
  a->concurrency = 50;
  a->size = -1;
  a->buffer_size = 0;
  a->keep = 0;
  a->url = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-n") && i + 1 < argc)
        a->count = atoi (argv[++i]);
      else if (!strcmp (argv[i], "-c") && i + 1 < argc)
        a->concurrency = atoi (argv[++i]);
      else if (!strcmp (argv[i], "-s") && i + 1 < argc)
        a->size = atoll (argv[++i]);
      else if (!strcmp (argv[i], "-b") && i + 1 < argc)
        a->buffer_size = atol (argv[++i]);
      else if (!strcmp (argv[i], "-m"))
        a->keep = 1;
      else
        a->url = argv[i];
    }
  if (a->url == NULL || a->count < 1 || a->concurrency < 1)
    {
      fprintf (stderr, "usage: %s [-n COUNT] [-c CONCURRENCY] [-s BYTES] [-b BUFSIZE] [-m] URL\n",
               argv[0]);
      return 0;
    }

  /* Thousands of connections need as many descriptors. */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  return 1;
}

static inline double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double
bench_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double bench_start_cpu;

/* Call right before the first transfer starts; returns the wall clock. */
static inline double
bench_start (void)
{
  bench_start_cpu = bench_cpu ();
  return bench_now ();
}

static inline void
bench_report (int       finished,
              long long total,
              int       failed,
              double    start)
{
  printf ("%d transfers, %lld bytes, %d failed, %.3f s wall, %.3f s CPU\n",
          finished, total, failed, bench_now () - start, bench_cpu () - bench_start_cpu);
}

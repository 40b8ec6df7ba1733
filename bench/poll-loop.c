/* poll-loop.c: the plain libcurl peer for the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The same work as examples/fetch-many.c (COUNT downloads of URL with
 * CONCURRENCY in flight, each finished handle re-added at once, every
 * length checked) in a curl_multi_perform() + curl_multi_poll() loop: no
 * GLib at all. See bench-common.h for the work and the output.
 */

#include "bench-curl.h"

int
main (int argc, char *argv[])
{
  BenchArgs a;
  BenchRun run = { 0 };
  int running = 1;
  double start;
  CURLM *multi;

  if (!bench_parse_args (&a, argc, argv))
    return 2;

  curl_global_init (CURL_GLOBAL_DEFAULT);
  multi = curl_multi_init ();
  start = bench_start ();
  bench_start_transfers (multi, &a, &run);

  while (run.finished < a.count)
    {
      curl_multi_perform (multi, &running);
      bench_drain (multi, &a, &run);
      if (run.finished < a.count)
        curl_multi_poll (multi, NULL, 0, 1000, NULL);
    }

  bench_report (run.finished, run.total, run.failed, start);
  curl_multi_cleanup (multi);
  curl_global_cleanup ();
  return run.failed == 0 ? 0 : 1;
}

/* timing.h: the clock and the sort order the bench drivers share. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <time.h>

/* Now on CLOCK_MONOTONIC, in microseconds. */
static inline double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* qsort's order for doubles, ascending: for medians and percentiles. */
static inline int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#endif

/* SPDX-License-Identifier: MIT */
/* Timing for the benchmarks' baseline rows: min and median of n runs. */
#ifndef CSA_BL_TIME_H
#define CSA_BL_TIME_H

#include <stdlib.h>
#include <time.h>

struct bl_time {
	double min_ns, med_ns;
};

static inline double bl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int bl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* min and median of the n samples in t (sorted in place) */
static inline struct bl_time bl_time_of(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), bl_cmp_double);
	return (struct bl_time){ t[0], t[n / 2] };
}

/* Time n runs of statement S into samples (a double[n]) and return the result. */
#define BL_TIME(res, samples, n, S)					\
	do {								\
		for (int bl_i_ = 0; bl_i_ < (n); bl_i_++) {		\
			double bl_t0_ = bl_now_ns();			\
			S;						\
			(samples)[bl_i_] = bl_now_ns() - bl_t0_;	\
		}							\
		(res) = bl_time_of((samples), (n));			\
	} while (0)

#endif /* CSA_BL_TIME_H */

// SPDX-License-Identifier: MIT
/* Absolute CLOCK_MONOTONIC deadlines, the time base of every wait. */
#include <time.h>

#include "internal.h"

CSA_EXPORT int64_t csa_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

CSA_EXPORT int64_t csa_deadline_after(int64_t timeout_ns)
{
	int64_t now;

	if (timeout_ns < 0)
		return CSA_DEADLINE_INFINITE;
	now = csa_now_ns();
	if (timeout_ns > CSA_DEADLINE_INFINITE - now)
		return CSA_DEADLINE_INFINITE;
	return now + timeout_ns;
}

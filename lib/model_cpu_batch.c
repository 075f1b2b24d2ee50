// SPDX-License-Identifier: MIT
/*
 * Several inferences on the CPU device at once: worker threads take the
 * inferences in turn and run each with csa_infer_run_cpu().  The decoded
 * program is shared read-only; every inference has its own buffers and
 * scratch, so the workers share nothing they write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "model_internal.h"

#define BATCH_MAX_THREADS	64

struct batch {
	struct csa_infer *const *infers;
	struct csa_infer_result *results;
	uint32_t n;
	atomic_uint next;
	pthread_mutex_t lock;
	int err;			/* first failure, under lock */
	char msg[256];			/* its message (errors are per thread) */
};

static void *worker(void *arg)
{
	struct batch *b = arg;
	uint32_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		int ret = csa_infer_run_cpu(b->infers[i], b->results ? &b->results[i] : NULL);

		if (!ret)
			continue;
		pthread_mutex_lock(&b->lock);
		if (!b->err) {
			b->err = ret;
			snprintf(b->msg, sizeof(b->msg), "inference %u: %s", i, csa_last_error());
		}
		pthread_mutex_unlock(&b->lock);
	}
	return NULL;
}

CSA_EXPORT int csa_infer_run_cpu_batch(struct csa_infer *const *infers, uint32_t n,
				       uint32_t threads, struct csa_infer_result *results)
{
	pthread_t tid[BATCH_MAX_THREADS];
	struct batch b = { .infers = infers, .results = results, .n = n };
	uint32_t started = 0;

	if (!infers && n)
		return csa_error(EINVAL, "csa_infer_run_cpu_batch: infers must not be NULL");
	for (uint32_t i = 0; i < n; i++)
		if (!infers[i])
			return csa_error(EINVAL, "csa_infer_run_cpu_batch: inference %u is NULL", i);
	if (!threads) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (uint32_t)cpus : 1;
	}
	threads = threads < n ? threads : n;
	threads = threads < BATCH_MAX_THREADS ? threads : BATCH_MAX_THREADS;
	atomic_init(&b.next, 0);
	pthread_mutex_init(&b.lock, NULL);
	/* the caller is one of the workers */
	for (; started + 1 < threads; started++)
		if (pthread_create(&tid[started], NULL, worker, &b))
			break;
	worker(&b);
	for (uint32_t t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&b.lock);
	if (b.err)
		return csa_error(-b.err, "csa_infer_run_cpu_batch: %s", b.msg);
	return 0;
}

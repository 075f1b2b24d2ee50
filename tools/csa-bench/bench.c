// SPDX-License-Identifier: MIT
/*
 * The measurements: a null ioctl, NOP round trips, pipelined NOPs at
 * several queue depths, and card COPY against memcpy for sizes 4 KiB up.
 * Each runs until it has taken cfg->min_seconds or cfg->max_iterations
 * operations, after one warm-up operation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa_hw.h"
#include "csa-bench.h"

static const unsigned int pipeline_depths[] = { 1, 8, 64 };

static double seconds_since(int64_t start_ns)
{
	return (double)(csa_now_ns() - start_ns) / 1e9;
}

static bool budget_left(const struct bench_config *cfg, uint64_t done,
			int64_t start_ns)
{
	return done < cfg->max_iterations && seconds_since(start_ns) < cfg->min_seconds;
}

static void fail(struct bench_result *r, const char *what)
{
	r->failed = true;
	snprintf(r->reason, sizeof(r->reason), "%s: %s", what, csa_last_error());
}

static void skip(struct bench_result *r, const char *why)
{
	r->skipped = true;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
}

static void bench_null_ioctl(struct csa_device *dev,
			     const struct bench_config *cfg,
			     struct bench_result *r)
{
	uint64_t value, n = 0;
	int64_t start;

	r->kind = BENCH_NULL_IOCTL;
	if (csa_get_param(dev, DRM_CSA_PARAM_UAPI_VERSION, &value))
		{ fail(r, "GET_PARAM"); return; }
	start = csa_now_ns();
	do {
		if (csa_get_param(dev, DRM_CSA_PARAM_UAPI_VERSION, &value))
			{ fail(r, "GET_PARAM"); return; }
		n++;
	} while (budget_left(cfg, n, start));
	r->seconds = seconds_since(start);
	r->iterations = n;
}

/* One NOP that signals @out (binary: point 0). */
static int submit_nop(struct csa_queue *q, struct csa_fence *out, uint64_t point)
{
	const struct csa_sync sync = { .fence = out, .point = point };
	const struct csa_job job = {
		.out = &sync,
		.num_out = 1,
		.cmd = { .opcode = CSA_OP_NOP },
	};

	return csa_submit(q, &job);
}

static void bench_nop_roundtrip(struct csa_queue *q, struct csa_fence *fence,
				const struct bench_config *cfg,
				struct bench_result *r)
{
	uint64_t n = 0;
	int64_t start;

	r->kind = BENCH_NOP_ROUNDTRIP;
	if (submit_nop(q, fence, 0) ||
	    csa_fence_wait(fence, 0, csa_deadline_after(10ll * 1000000000)))
		{ fail(r, "warm-up NOP"); return; }
	start = csa_now_ns();
	do {
		if (submit_nop(q, fence, 0))
			{ fail(r, "NOP submit"); return; }
		if (csa_fence_wait(fence, 0, CSA_DEADLINE_INFINITE))
			{ fail(r, "NOP wait"); return; }
		n++;
	} while (budget_left(cfg, n, start));
	r->seconds = seconds_since(start);
	r->iterations = n;
}

/*
 * Job i signals timeline point *next + i; before submitting it, wait until
 * the job @depth places earlier is done, so at most @depth are in flight.
 */
static void bench_nop_pipelined(struct csa_queue *q, struct csa_fence *tl,
				uint64_t *next, unsigned int depth,
				const struct bench_config *cfg,
				struct bench_result *r)
{
	uint64_t base = *next, n = 0;
	int64_t start;

	r->kind = BENCH_NOP_PIPELINED;
	r->depth = depth;
	start = csa_now_ns();
	do {
		if (n >= depth &&
		    csa_fence_wait(tl, base + n - depth, CSA_DEADLINE_INFINITE))
			{ fail(r, "pipelined NOP wait"); return; }
		if (submit_nop(q, tl, base + n))
			{ fail(r, "pipelined NOP submit"); return; }
		n++;
	} while (budget_left(cfg, n, start));
	if (csa_fence_wait(tl, base + n - 1, CSA_DEADLINE_INFINITE))
		{ fail(r, "pipelined NOP drain"); return; }
	r->seconds = seconds_since(start);
	r->iterations = n;
	*next = base + n;
}

struct copy_buffers {
	struct csa_bo *src, *dst;
	unsigned char *host_src, *host_dst;
	uint64_t size;
};

static void bench_memcpy(const struct copy_buffers *b, const struct bench_config *cfg,
			 struct bench_result *r)
{
	uint64_t n = 0;
	int64_t start;

	memcpy(b->host_dst, b->host_src, r->size);	/* warm-up */
	start = csa_now_ns();
	do {
		memcpy(b->host_dst, b->host_src, r->size);
		/* keep the compiler from dropping repeated copies */
		__asm__ __volatile__("" : : "r"(b->host_dst) : "memory");
		n++;
	} while (budget_left(cfg, n, start));
	r->memcpy_seconds = seconds_since(start);
	r->memcpy_iterations = n;
}

static int submit_copy(struct csa_queue *q, const struct copy_buffers *b,
		       uint64_t size, struct csa_fence *out)
{
	const struct csa_bind binds[2] = {
		{ .bo = b->dst, .access = DRM_CSA_ACCESS_WRITE },
		{ .bo = b->src, .access = DRM_CSA_ACCESS_READ },
	};
	const struct csa_sync sync = { .fence = out };
	const struct csa_job job = {
		.binds = binds,
		.num_binds = 2,
		.out = &sync,
		.num_out = 1,
		.cmd = { .opcode = CSA_OP_COPY, .dst_slot = 0, .src_slot = 1,
			 .size = size },
	};

	return csa_submit(q, &job);
}

static void bench_copy(struct csa_queue *q, struct csa_fence *fence,
		       const struct copy_buffers *b, const struct bench_config *cfg,
		       struct bench_result *r)
{
	uint64_t n = 0;
	int64_t start;
	int job_error = 0;

	if (submit_copy(q, b, r->size, fence) ||
	    csa_fence_wait(fence, 0, csa_deadline_after(60ll * 1000000000)))
		{ fail(r, "warm-up COPY"); return; }
	if (csa_fence_status(fence, 0, &job_error) < 0)
		{ fail(r, "COPY status"); return; }
	if (job_error) {
		r->failed = true;
		snprintf(r->reason, sizeof(r->reason), "COPY job failed: %s",
			 strerror(-job_error));
		return;
	}
	start = csa_now_ns();
	do {
		if (submit_copy(q, b, r->size, fence))
			{ fail(r, "COPY submit"); return; }
		if (csa_fence_wait(fence, 0, CSA_DEADLINE_INFINITE))
			{ fail(r, "COPY wait"); return; }
		n++;
	} while (budget_left(cfg, n, start));
	r->seconds = seconds_since(start);
	r->iterations = n;
}

/*
 * The card's buffers of @b->size bytes (source filled like the host's);
 * the host buffers are allocated by the caller, as memcpy needs no card.
 */
static int card_buffers_create(struct csa_device *dev, struct copy_buffers *b)
{
	void *map;
	int ret;

	ret = csa_bo_create(dev, b->size, 0, &b->src);
	if (!ret)
		ret = csa_bo_create(dev, b->size, 0, &b->dst);
	if (!ret)
		ret = csa_bo_map(b->src, &map);
	if (!ret)
		memset(map, 0x5a, b->size);
	return ret;
}

static void copy_buffers_destroy(struct copy_buffers *b)
{
	csa_bo_free(b->src);
	csa_bo_free(b->dst);
	csa_host_free(b->host_src, b->size);
	csa_host_free(b->host_dst, b->size);
}

int bench_run_all(struct csa_device *dev, const struct csa_info *info,
		  const struct bench_config *cfg, struct bench_result *res,
		  int max)
{
	bool queues = info->features & DRM_CSA_FEATURE_QUEUES;
	bool bos = info->features & DRM_CSA_FEATURE_BO;
	struct csa_fence *fence = NULL, *tl = NULL;
	struct csa_queue *q = NULL;
	struct copy_buffers bufs = { .size = cfg->max_copy_size };
	bool host;
	char why[BENCH_REASON_LEN] = "";
	uint64_t next_point = 1;
	int n = 0;

	memset(res, 0, sizeof(*res) * max);
	bench_null_ioctl(dev, cfg, &res[n++]);

	if (!queues)
		snprintf(why, sizeof(why), "the driver lacks DRM_CSA_FEATURE_QUEUES");
	else if (csa_queue_create(dev, 0, DRM_CSA_PRIORITY_NORMAL, &q) ||
		 csa_fence_create(dev, 0, &fence) ||
		 csa_fence_create(dev, CSA_FENCE_TIMELINE, &tl))
		snprintf(why, sizeof(why), "setup failed: %s", csa_last_error());

	res[n].kind = BENCH_NOP_ROUNDTRIP;
	if (*why)
		skip(&res[n++], why);
	else
		bench_nop_roundtrip(q, fence, cfg, &res[n++]);
	for (size_t i = 0; i < sizeof(pipeline_depths) / sizeof(pipeline_depths[0]); i++) {
		res[n].kind = BENCH_NOP_PIPELINED;
		res[n].depth = pipeline_depths[i];
		if (*why)
			skip(&res[n++], why);
		else
			bench_nop_pipelined(q, tl, &next_point, pipeline_depths[i],
					    cfg, &res[n++]);
	}

	/* memcpy runs even without the card's buffers: it needs no card */
	host = !csa_host_alloc(dev, bufs.size, (void **)&bufs.host_src) &&
	       !csa_host_alloc(dev, bufs.size, (void **)&bufs.host_dst);
	if (host)
		memset(bufs.host_src, 0x5a, bufs.size);
	if (!*why && !bos)
		snprintf(why, sizeof(why), "the driver lacks DRM_CSA_FEATURE_BO");
	if (!*why && card_buffers_create(dev, &bufs))
		snprintf(why, sizeof(why), "buffers of %llu bytes: %s",
			 (unsigned long long)bufs.size, csa_last_error());
	for (uint64_t size = 4096; size <= cfg->max_copy_size && n < max; size *= 4) {
		struct bench_result *r = &res[n++];

		r->kind = BENCH_COPY;
		r->size = size;
		if (host)
			bench_memcpy(&bufs, cfg, r);
		if (*why)
			skip(r, why);
		else
			bench_copy(q, fence, &bufs, cfg, r);
	}
	copy_buffers_destroy(&bufs);
	csa_fence_destroy(tl);
	csa_fence_destroy(fence);
	csa_queue_destroy(q);
	return n;
}

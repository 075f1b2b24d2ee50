// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Hung jobs and card errors (debug opcodes of the virtual card, property
 * debug-ops=on): a CSA_OP_DEBUG_HANG job is detected within the job
 * timeout plus slack, its fence fails with -ETIMEDOUT, the queue is reset
 * (one kernel warning) and the hung job's context is banned: its queued
 * jobs fail with -ECANCELED and SUBMIT to it with -EBADFD, while jobs of
 * other contexts queued behind the hang are resubmitted and complete,
 * other hardware queues keep running meanwhile, and a new context on the
 * queue works.  CSA_OP_DEBUG_DMA_ERROR fails with -EIO (no ban).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		30000
/* TCG: the timeout work and the reset may run late on a loaded host. */
#define SLACK_MS	3000

FIXTURE(hang) {
	int fd;
	uint64_t timeout_ms;
	uint32_t q[2];
	uint32_t so;
	uint32_t bo;
	uint32_t *map;
	struct drm_csa_bind bind;
};

static const struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
static const struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };

FIXTURE_SETUP(hang)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	int r;

	self->fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, 0, 0,
				      &self->timeout_ms));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->q[0]));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 1, DRM_CSA_PRIORITY_NORMAL, &self->q[1]));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &self->so));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 4096, &self->bo));
	self->map = csa_vm_bo_map(self->fd, self->bo, 4096);
	ASSERT_NE(NULL, self->map);
	memset(self->map, 0, 4096);
	self->bind.handle = self->bo;
	self->bind.access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;

	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &dmaerr, NULL, 0, self->so));
	r = csa_vm_job_result(self->fd, self->so, WAIT_MS);
	if (r == -EINVAL)
		SKIP(return, "card without debug-ops");
	ASSERT_EQ(-EIO, r);
}

FIXTURE_TEARDOWN(hang)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(hang, dma_error_eio)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };

	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[1], &dmaerr, &self->bind, 1, self->so));
	ASSERT_EQ(-EIO, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	ASSERT_EQ(0u, self->map[0]);
	/* a job that failed is not a hang: the context is not banned */
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[1], &nop, NULL, 0, self->so));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

TEST_F_TIMEOUT(hang, detected_reset_and_next_job_runs, 60)
{
	struct drm_csa_cmd wv = csa_vm_cmd_write_value(0, 0x1234);
	char log[8192];
	int64_t t0, dt;
	int kmsg, warnings = 0;

	kmsg = csa_vm_kmsg_open();
	ASSERT_LE(0, kmsg);
	t0 = csa_vm_now_ns();
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &hang, NULL, 0, self->so));
	ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	dt = (csa_vm_now_ns() - t0) / 1000000;
	ksft_print_msg("hang detected and reset after %lld ms (job_timeout_ms %llu)\n",
		       (long long)dt, (unsigned long long)self->timeout_ms);
	ASSERT_LE((int64_t)self->timeout_ms, dt);
	ASSERT_GE((int64_t)(self->timeout_ms + SLACK_MS), dt);

	/* the hung job's context is banned; a new one on the queue works */
	ASSERT_EQ(-EBADFD, csa_vm_job(self->fd, self->q[0], &wv, &self->bind, 1, self->so));
	ASSERT_EQ(-EBADFD, csa_vm_job(self->fd, self->q[0], &nop, NULL, 0, 0));
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, self->q[0]));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->q[0]));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &wv, &self->bind, 1, self->so));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	ASSERT_EQ(0x1234u, self->map[0]);

	ASSERT_LE(0, csa_vm_kmsg_read(kmsg, log, sizeof(log)));
	close(kmsg);
	for (char *p = log; (p = strstr(p, "timed out after")); p++) {
		char *line = p;

		while (line > log && line[-1] != '\n')
			line--;
		ASSERT_EQ('4', line[0]) TH_LOG("not a warning: %s", line);
		warnings++;
	}
	ASSERT_EQ(1, warnings) TH_LOG("kernel log:\n%s", log);
}

/*
 * Jobs queued behind the hung one: those of other contexts (on the ring
 * or still in the scheduler) run after the reset; those of the hung
 * job's context are cancelled without touching memory.
 */
TEST_F_TIMEOUT(hang, innocent_jobs_resubmitted_guilty_context_cancelled, 60)
{
	uint32_t other, so[8];
	uint64_t *v = (uint64_t *)self->map;
	struct drm_csa_cmd wv;

	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_HIGH, &other));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &hang, NULL, 0, self->so));
	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so[i]));
		wv = csa_vm_cmd_write_value(8 * i, 100 + i);
		ASSERT_EQ(0, csa_vm_job(self->fd, i % 2 ? other : self->q[0], &wv,
					&self->bind, 1, so[i]));
	}
	ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	for (int i = 0; i < 8; i++) {
		if (i % 2) {
			ASSERT_EQ(0, csa_vm_job_result(self->fd, so[i], WAIT_MS))
				TH_LOG("innocent job %d", i);
			ASSERT_EQ(100u + i, v[i]) TH_LOG("innocent job %d", i);
		} else {
			ASSERT_EQ(-ECANCELED, csa_vm_job_result(self->fd, so[i], WAIT_MS))
				TH_LOG("job %d of the hung context", i);
			ASSERT_EQ(0u, v[i]) TH_LOG("cancelled job %d wrote memory", i);
		}
	}
	ASSERT_EQ(-EBADFD, csa_vm_job(self->fd, self->q[0], &nop, NULL, 0, 0));
	ASSERT_EQ(0, csa_vm_job(self->fd, other, &nop, NULL, 0, self->so));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

/* A hang on hardware queue 0 does not hold up hardware queue 1. */
TEST_F_TIMEOUT(hang, other_queue_unaffected, 60)
{
	uint32_t so1;
	int64_t t0, dt;
	int status = 7;

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so1));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &hang, NULL, 0, self->so));
	t0 = csa_vm_now_ns();
	for (int i = 0; i < 20; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(0, i);

		ASSERT_EQ(0, csa_vm_job(self->fd, self->q[1], &wv, &self->bind, 1, so1));
		ASSERT_EQ(0, csa_vm_job_result(self->fd, so1, WAIT_MS));
		ASSERT_EQ((uint32_t)i, self->map[0]);
	}
	dt = (csa_vm_now_ns() - t0) / 1000000;
	ASSERT_EQ(0, csa_vm_fence_status(self->fd, self->so, &status));
	ASSERT_EQ(0, status) TH_LOG("hung job finished after %lld ms", (long long)dt);
	ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

/*
 * Two hangs of two contexts in a row on one hardware queue: each is
 * detected and reset on its own (the second one was aborted by the first
 * reset and runs again); a second hang queued in a banned context is
 * cancelled instead.
 */
TEST_F_TIMEOUT(hang, two_hangs_in_a_row, 60)
{
	uint32_t so2, so3, other, q;

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so2));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so3));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &other));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &hang, NULL, 0, self->so));
	ASSERT_EQ(0, csa_vm_job(self->fd, other, &hang, NULL, 0, so2));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &hang, NULL, 0, so3));
	ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, so2, WAIT_MS));
	ASSERT_EQ(-ECANCELED, csa_vm_job_result(self->fd, so3, WAIT_MS));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
	ASSERT_EQ(0, csa_vm_job(self->fd, q, &nop, NULL, 0, self->so));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

/*
 * Priorities: while a hang holds hardware queue 0, a LOW context queues more
 * jobs than fit on the ring; a HIGH context's job submitted afterwards runs
 * before the LOW jobs still waiting in the scheduler.
 */
TEST_F_TIMEOUT(hang, high_priority_overtakes_queued_low, 60)
{
	uint32_t low, high, lbo, hbo, hso;
	uint64_t *lts, *hts;
	struct drm_csa_bind lbind = { .access = DRM_CSA_ACCESS_WRITE };
	struct drm_csa_bind hbind = { .access = DRM_CSA_ACCESS_WRITE };
	struct drm_csa_cmd ts = { .opcode = CSA_OP_TIMESTAMP };
	const int n = 48;	/* > the 32 jobs the driver puts on a ring */

	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_LOW, &low));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_HIGH, &high));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 4096, &lbo));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 4096, &hbo));
	lts = csa_vm_bo_map(self->fd, lbo, 4096);
	hts = csa_vm_bo_map(self->fd, hbo, 4096);
	ASSERT_NE(NULL, lts);
	ASSERT_NE(NULL, hts);
	lbind.handle = lbo;
	hbind.handle = hbo;
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &hso));

	/* the hang is another context's: the LOW jobs are innocent */
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &hang, NULL, 0, 0));
	for (int i = 0; i < n; i++) {
		ts.dst_offset = 8 * i;
		ASSERT_EQ(0, csa_vm_job(self->fd, low, &ts, &lbind, 1,
					i == n - 1 ? self->so : 0));
	}
	ts.dst_offset = 0;
	ASSERT_EQ(0, csa_vm_job(self->fd, high, &ts, &hbind, 1, hso));

	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, hso, WAIT_MS));
	for (int i = 1; i < n; i++) {
		ASSERT_LT(lts[i - 1], lts[i]) TH_LOG("LOW jobs out of order at %d", i);
	}
	ASSERT_NE(0u, hts[0]);
	ASSERT_LT(hts[0], lts[n - 1]) TH_LOG("HIGH job ran after every LOW job");
}

TEST_HARNESS_MAIN

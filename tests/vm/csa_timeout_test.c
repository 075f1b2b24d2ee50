// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The job timeout against the card's real progress, with csa reloaded
 * with a chosen job_timeout_ms (restored afterwards; runs near the end,
 * see tests/tests.mk):
 *  - jobs whose card time (CSA_OP_DEBUG_DELAY) straddles the timeout:
 *    every fence that signals OK belongs to a job the card finished (its
 *    write is in memory when the fence is seen), a job that really timed
 *    out fails with -ETIMEDOUT, its context's next job with -ECANCELED
 *    (never run), and another context's job queued behind it runs;
 *  - a context holds at most 256 unfinished jobs (-EBUSY), others are
 *    not affected.
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

#define WAIT_MS		60000
#define ROUNDS		6
#define MAX_JOBS	256	/* per context, docs/uapi.md */

static const struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };

FIXTURE(timeout) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
	int fd;
};

FIXTURE_SETUP(timeout)
{
	self->fd = -1;
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list: %s", strerror(-self->n));
}

#define RELOAD(params) do { \
	int __r = csa_vm_reload_module(params); \
	ASSERT_EQ(0, __r) TH_LOG("reload csa with %s: %s", params, strerror(-__r)); \
} while (0)

FIXTURE_TEARDOWN(timeout)
{
	if (self->fd >= 0)
		close(self->fd);
	/* the suites after this one expect the defaults */
	csa_vm_reload_module("");
}

/*
 * One round: CHAIN contexts on hardware queue 0, each with a delay job
 * (card time around the timeout) and a write behind it, all queued at
 * once, so every delay job's completion races a freshly armed timer.  Its
 * completion records (the card writes one as the very last step of a job)
 * and values go to the BO: slot k of the round at 64 * k.
 */
#define CHAIN		8
#define REC(k, j)	(64 * (k) + 32 * (j))	/* j: 0 delay, 1 write */
#define VAL(k)		(64 * CHAIN + 8 * (k))

/* A fence that signalled OK belongs to a job the card completed. */
static void expect_card_done(struct __test_metadata *_metadata,
			     volatile uint8_t *mem, int r, int k, int j, int ret)
{
	volatile struct csa_cpl *rec = (volatile struct csa_cpl *)(mem + REC(k, j));

	if (ret)
		return;
	EXPECT_NE(0u, rec->seqno)
		TH_LOG("round %d job %d/%d: fence OK but the card has not completed it",
		       r, k, j);
	EXPECT_EQ(0u, rec->status) TH_LOG("round %d job %d/%d", r, k, j);
}

/* Returns how many of the round's delay jobs timed out. */
static int straddle_round(struct __test_metadata *_metadata, int fd,
			  volatile uint8_t *mem, uint32_t bo, uint64_t khz, int r)
{
	struct drm_csa_bind bind = { .handle = bo, .access = DRM_CSA_ACCESS_WRITE };
	uint32_t ctx[CHAIN], so[CHAIN][2];
	int res[CHAIN][2], timed_out = 0;

	memset((void *)mem, 0, 4096);
	for (int k = 0; k < CHAIN; k++) {
		/* 88..112 ms in steps of 0.5 ms over the rounds */
		uint64_t d_us = 88000 + ((r * CHAIN + k) * 500) % 24500;
		struct drm_csa_cmd cmd[2] = {
			{ .opcode = CSA_OP_DEBUG_DELAY, .value = d_us * khz / 1000 },
			csa_vm_cmd_write_value(VAL(k), 0xa000 + k),
		};

		EXPECT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &ctx[k]));
		for (int j = 0; j < 2; j++) {
			cmd[j].flags = DRM_CSA_CMD_STATUS;
			cmd[j].status_offset = REC(k, j);
			EXPECT_EQ(0, csa_vm_syncobj_create(fd, &so[k][j]));
			EXPECT_EQ(0, csa_vm_job(fd, ctx[k], &cmd[j], &bind, 1, so[k][j]));
		}
	}

	/* each fence is checked against memory as soon as it is seen */
	for (int k = 0; k < CHAIN; k++) {
		for (int j = 0; j < 2; j++) {
			res[k][j] = csa_vm_job_result(fd, so[k][j], WAIT_MS);
			expect_card_done(_metadata, mem, r, k, j, res[k][j]);
		}
		if (!res[k][1])
			EXPECT_EQ(0xa000u + k, *(volatile uint64_t *)(mem + VAL(k)))
				TH_LOG("round %d: write %d signalled OK but is not in memory", r, k);
		EXPECT_TRUE(res[k][0] == 0 || res[k][0] == -ETIMEDOUT)
			TH_LOG("round %d: delay %d: %d", r, k, res[k][0]);
		if (res[k][0] == -ETIMEDOUT) {
			/* its context is banned: the write behind it never ran */
			timed_out++;
			EXPECT_EQ(-ECANCELED, res[k][1]) TH_LOG("round %d job %d", r, k);
			EXPECT_EQ(0u, *(volatile uint64_t *)(mem + VAL(k)))
				TH_LOG("round %d: cancelled write %d reached memory", r, k);
			EXPECT_EQ(-EBADFD, csa_vm_job(fd, ctx[k], &nop, NULL, 0, 0));
		} else {
			/* other contexts' hangs do not touch it */
			EXPECT_EQ(0, res[k][1]) TH_LOG("round %d: write %d after its delay", r, k);
		}
	}
	for (int k = 0; k < CHAIN; k++) {
		csa_vm_queue_destroy(fd, ctx[k]);
		csa_vm_syncobj_destroy(fd, so[k][0]);
		csa_vm_syncobj_destroy(fd, so[k][1]);
	}
	return timed_out;
}

/*
 * Card time from 88 to 112 % of the 100 ms job timeout (the timer has a
 * jiffy of slack): some jobs finish just before it fires, some while the
 * timeout handler runs (it must see they are done), some hang for real.
 * The outcome of a job is the card's and the timer's; what the test
 * checks holds for every outcome.
 */
TEST_F_TIMEOUT(timeout, straddling_jobs_never_reported_done_early, 300)
{
	uint64_t ms = 0, khz = 0;
	volatile uint8_t *mem;
	uint32_t bo;
	int timed_out;

	RELOAD("job_timeout_ms=100");
	for (int c = 0; c < self->n; c++) {
		self->fd = csa_vm_open_render(self->card[c].addr);
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, 0, 0, &ms));
		ASSERT_EQ(100u, ms);
		ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_CLOCK_KHZ, 0, 0, &khz));
		ASSERT_EQ(0, csa_vm_bo_create(self->fd, 4096, &bo));
		mem = csa_vm_bo_map(self->fd, bo, 4096);
		ASSERT_NE(NULL, mem);
		timed_out = 0;
		for (int r = 0; r < ROUNDS; r++)
			timed_out += straddle_round(_metadata, self->fd, mem, bo, khz, r);
		ksft_print_msg("card %s: %d of %d jobs timed out\n", self->card[c].addr,
			       timed_out, ROUNDS * CHAIN);
		close(self->fd);
		self->fd = -1;
	}
}

/*
 * A context takes 256 unfinished jobs, then -EBUSY; other contexts still
 * submit.  The jobs are held behind another context's DEBUG_HANG, which
 * the 10 s job timeout ends: the test checks the hang is still pending
 * when it sees -EBUSY, so a machine too slow for that fails loudly.
 */
TEST_F_TIMEOUT(timeout, jobs_per_context_capped_ebusy, 120)
{
	struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };
	uint32_t h, b, c, so_h, so_b;
	int status = 7, ret = 0, i;

	RELOAD("job_timeout_ms=10000");
	self->fd = csa_vm_open_render(self->card[0].addr);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &h));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &b));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 1, DRM_CSA_PRIORITY_NORMAL, &c));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so_h));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so_b));
	ASSERT_EQ(0, csa_vm_job(self->fd, h, &hang, NULL, 0, so_h));

	for (i = 0; i < MAX_JOBS; i++) {
		ret = csa_vm_job(self->fd, b, &nop, NULL, 0, so_b);
		if (ret)
			break;
	}
	ASSERT_EQ(0, ret) TH_LOG("job %d: %s", i, strerror(-ret));
	ASSERT_EQ(-EBUSY, csa_vm_job(self->fd, b, &nop, NULL, 0, 0));
	ASSERT_EQ(0, csa_vm_fence_status(self->fd, so_h, &status));
	ASSERT_EQ(0, status) TH_LOG("the hang ended before the cap was reached: machine too slow");
	/* the cap is per context */
	ASSERT_EQ(0, csa_vm_job(self->fd, c, &nop, NULL, 0, 0));

	ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, so_h, WAIT_MS));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, so_b, WAIT_MS));
	/* jobs are counted until freed, which follows their fences shortly */
	for (i = 0; i < 1000; i++) {
		ret = csa_vm_job(self->fd, b, &nop, NULL, 0, so_b);
		if (ret != -EBUSY)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, ret) TH_LOG("still %s after the jobs finished", strerror(-ret));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, so_b, WAIT_MS));
}

TEST_HARNESS_MAIN

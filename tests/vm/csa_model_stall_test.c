// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A job cannot stall the virtual card (docs/hardware.md, "Virtual card
 * behaviour"): the card model executes descriptors in worker threads, off
 * QEMU's main loop.  A valid but very long PROGRAM (MAXPOOL2D 3x1024x1024,
 * 148x148 window, stride 1: about 5e10 compares, 45 s or more of host CPU
 * in the model, 20x the default job timeout) runs on hardware queue 0 of
 * the card with the model's default limits (the second card of the test
 * VM) while the guest:
 *  - keeps running: its monotonic clock advances in many short sleeps,
 *  - completes NOP jobs on hardware queue 1 while the long job is pending,
 *  - sees the long job's fence fail with -ETIMEDOUT after job_timeout_ms
 *    (the driver's timeout handler resets the queue with CSA_Q_RESET),
 * then the next job on queue 0 completes OK, and the abandoned job never
 * wrote its output (no DMA after the reset).  The same long program is
 * also abandoned by the driver's unbind (soft reset) and by a
 * CSA_OP_DEBUG_CRASH on the other queue (fatal state): the card binds
 * again and runs jobs, the output is never written.
 * Asserts ordering and outcomes only; the times are printed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_format.h"
#include "csa_hw.h"
#include "csa_vm.h"
#include "../host/test_dp_ref.h"

#define WAIT_MS		60000
#define IN_C		3
#define IN_W		1024
#define WIN		148
#define OUT_W		(IN_W - WIN + 1)
#define GUARD		0xa5

enum { S_PROG, S_IN, S_OUT, S_VAL, S_NUM };

FIXTURE(stall) {
	char addr[CSA_VM_ADDR_LEN];
	int fd;
	uint64_t timeout_ms;
	uint32_t q[2], so[2];
	uint32_t bo[S_NUM];
	uint8_t *map[S_NUM];
	uint64_t size[S_NUM];
	uint32_t prog_len;
};

static uint64_t page_round(uint64_t n)
{
	return (n + 4095) & ~4095ull;
}

FIXTURE_SETUP(stall)
{
	struct csa_vm_card cards[CSA_VM_MAX_CARDS];
	int n = csa_vm_cards(cards, CSA_VM_MAX_CARDS), i;
	uint64_t max_dim, max_tensor, queues;
	struct ref_op op;

	self->fd = -1;
	ASSERT_LT(0, n);
	/* a card whose limits take the input tensor and has 2 queues */
	for (i = n - 1; i >= 0; i--) {
		if (cards[i].max_tensor >= (uint64_t)IN_C * IN_W * IN_W &&
		    cards[i].max_dim >= IN_W && cards[i].queues >= 2)
			break;
	}
	if (i < 0)
		SKIP(return, "no card takes a 3x1024x1024 tensor on 2 queues");
	snprintf(self->addr, sizeof(self->addr), "%s", cards[i].addr);
	self->fd = csa_vm_open_render(cards[i].addr);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, 0, 0,
				      &self->timeout_ms));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_MAX_DIM, 0, 0, &max_dim));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_MAX_TENSOR, 0, 0,
				      &max_tensor));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_NUM_QUEUES, 0, 0, &queues));
	ASSERT_LE((uint64_t)IN_W, max_dim);
	ASSERT_LE((uint64_t)IN_C * IN_W * IN_W, max_tensor);
	ksft_print_msg("card %s, job_timeout_ms %llu\n", cards[i].addr,
		       (unsigned long long)self->timeout_ms);

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, csa_vm_queue_create(self->fd, i, DRM_CSA_PRIORITY_NORMAL,
						 &self->q[i]));
		ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &self->so[i]));
	}
	self->size[S_PROG] = page_round(CSA_PROG_SIZE(1));
	self->size[S_IN] = page_round((uint64_t)IN_C * IN_W * IN_W);
	self->size[S_OUT] = page_round((uint64_t)IN_C * OUT_W * OUT_W);
	self->size[S_VAL] = 4096;
	for (i = 0; i < S_NUM; i++) {
		ASSERT_EQ(0, csa_vm_bo_create(self->fd, self->size[i], &self->bo[i]));
		self->map[i] = csa_vm_bo_map(self->fd, self->bo[i], self->size[i]);
		ASSERT_NE(NULL, self->map[i]);
		memset(self->map[i], GUARD, self->size[i]);
	}
	for (uint64_t j = 0; j < (uint64_t)IN_C * IN_W * IN_W; j++)
		self->map[S_IN][j] = (uint8_t)(j * 2654435761u >> 24);
	op = (struct ref_op){
		.opcode = CSA_PROG_OP_MAXPOOL2D,
		.src = CSA_OPERAND(S_IN, 0), .dst = CSA_OPERAND(S_OUT, 0),
		.in_c = IN_C, .in_h = IN_W, .in_w = IN_W, .out_c = IN_C,
		.out_h = OUT_W, .out_w = OUT_W, .kh = WIN, .kw = WIN,
		.sh = 1, .sw = 1,
	};
	self->prog_len = ref_prog_write(self->map[S_PROG], &op, 1);
}

FIXTURE_TEARDOWN(stall)
{
	/* a failed test may leave the card unbound or the driver confused */
	if (self->addr[0] && (!_metadata->passed || csa_vm_bound(self->addr) == 0)) {
		csa_vm_write_file("/sys/bus/pci/drivers/csa/unbind", self->addr);
		csa_vm_write_file("/sys/bus/pci/drivers/csa/bind", self->addr);
	}
	for (int i = 0; i < S_NUM; i++)
		if (self->map[i])
			munmap(self->map[i], self->size[i]);
	if (self->fd >= 0)
		close(self->fd);
}

static long first_written(const uint8_t *p, uint64_t n)
{
	for (uint64_t j = 0; j < n; j++)
		if (p[j] != GUARD)
			return (long)j;
	return -1;
}

static int fence(FIXTURE_DATA(stall) *self, uint32_t so)
{
	int st = 0, r = csa_vm_fence_status(self->fd, so, &st);

	return r ? r : st;
}

/* The long program on hardware queue 0, its fence in so[0]. */
static int submit_long(FIXTURE_DATA(stall) *self)
{
	struct drm_csa_bind binds[3] = {
		{ .handle = self->bo[S_PROG], .access = DRM_CSA_ACCESS_READ },
		{ .handle = self->bo[S_IN], .access = DRM_CSA_ACCESS_READ },
		{ .handle = self->bo[S_OUT], .access = DRM_CSA_ACCESS_WRITE },
	};
	struct drm_csa_cmd prog = {
		.opcode = CSA_OP_PROGRAM, .dst_slot = S_PROG,
		.size = self->prog_len,
	};

	return csa_vm_job(self->fd, self->q[0], &prog, binds, 3, self->so[0]);
}

TEST_F_TIMEOUT(stall, long_program_times_out_while_the_vm_runs, 180)
{
	struct drm_csa_bind val = {
		.handle = self->bo[S_VAL], .access = DRM_CSA_ACCESS_WRITE,
	};
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	struct drm_csa_cmd wv = {
		.opcode = CSA_OP_WRITE_VALUE, .value = 0x600dcafe600dcafeull,
	};
	int64_t t0, t_nop = -1, t_fail, t_next, deadline;
	unsigned int polls = 0, nops = 0;
	int st;

	t0 = csa_vm_now_ns();
	ASSERT_EQ(0, submit_long(self));

	/* while it runs: NOPs on the other hardware queue, short sleeps */
	deadline = t0 + (int64_t)WAIT_MS * 1000000;
	while ((st = fence(self, self->so[0])) == 0) {
		ASSERT_GT(deadline, csa_vm_now_ns()) TH_LOG("long job never ended");
		if (nops < 3) {
			ASSERT_EQ(0, csa_vm_job(self->fd, self->q[1], &nop, NULL, 0,
						self->so[1]));
			ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so[1], WAIT_MS))
				TH_LOG("NOP %u on the other queue failed", nops);
			if (!nops)
				t_nop = csa_vm_now_ns() - t0;
			/* the long job is still pending after the NOP */
			if (fence(self, self->so[0]) == 0)
				nops++;
		}
		usleep(50 * 1000);
		polls++;
	}
	t_fail = csa_vm_now_ns() - t0;
	ksft_print_msg("first NOP on queue 1 after %lld ms; %u NOPs while the long job ran; %u polls; long job fence %d after %lld ms\n",
		       (long long)t_nop / 1000000, nops, polls, st,
		       (long long)t_fail / 1000000);
	ASSERT_EQ(-ETIMEDOUT, st) TH_LOG("the long job must time out");
	ASSERT_LE(3u, nops) TH_LOG("queue 1 must run NOPs meanwhile");
	/* the guest ran: the timeout fired after its own deadline */
	ASSERT_LE((int64_t)self->timeout_ms, t_fail / 1000000);
	ASSERT_LE(3u, polls);

	/*
	 * The hung job's context is banned; a new one on the queue takes the
	 * next job (it may wait for the abandoned one).
	 */
	ASSERT_EQ(-EBADFD, csa_vm_job(self->fd, self->q[0], &wv, &val, 1, self->so[0]));
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, self->q[0]));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->q[0]));
	t0 = csa_vm_now_ns();
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &wv, &val, 1, self->so[0]));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so[0], WAIT_MS))
		TH_LOG("the next job on queue 0 must complete");
	t_next = csa_vm_now_ns() - t0;
	ksft_print_msg("next job on queue 0 completed after %lld ms\n",
		       (long long)t_next / 1000000);
	ASSERT_EQ(0x600dcafe600dcafeull, *(uint64_t *)self->map[S_VAL]);
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &nop, NULL, 0, self->so[0]));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so[0], WAIT_MS));

	/* the abandoned job never wrote its output */
	ASSERT_EQ(-1, first_written(self->map[S_OUT], self->size[S_OUT]))
		TH_LOG("the abandoned job wrote its output");
}

static const struct drm_csa_cmd nop_cmd = { .opcode = CSA_OP_NOP };

/* Submit the long program on queue 0; a NOP on queue 1 completes after. */
static int start_long(FIXTURE_DATA(stall) *self)
{
	int r = submit_long(self);

	if (!r)
		r = csa_vm_job(self->fd, self->q[1], &nop_cmd, NULL, 0, self->so[1]);
	if (!r)
		r = csa_vm_job_result(self->fd, self->so[1], WAIT_MS);
	return r;
}

static int bind_card(FIXTURE_DATA(stall) *self, bool bind)
{
	return csa_vm_write_file(bind ? "/sys/bus/pci/drivers/csa/bind" :
				 "/sys/bus/pci/drivers/csa/unbind", self->addr);
}

/* A NOP on each hardware queue through a new file: 0 or the error. */
static int nops_on_both_queues(FIXTURE_DATA(stall) *self)
{
	int fd, r;
	uint32_t q, so;

	fd = csa_vm_open_render(self->addr);
	if (fd < 0)
		return fd;
	r = csa_vm_syncobj_create(fd, &so);
	for (uint32_t hw = 0; hw < 2 && !r; hw++) {
		r = csa_vm_queue_create(fd, hw, DRM_CSA_PRIORITY_NORMAL, &q);
		if (!r)
			r = csa_vm_job(fd, q, &nop_cmd, NULL, 0, so);
		if (!r)
			r = csa_vm_job_result(fd, so, WAIT_MS);
	}
	close(fd);
	return r;
}

/* The driver's remove soft-resets the card while the program computes. */
TEST_F_TIMEOUT(stall, unbind_abandons_the_long_program, 180)
{
	ASSERT_EQ(0, start_long(self));
	ASSERT_EQ(0, fence(self, self->so[0])) TH_LOG("the long job already ended");
	ASSERT_EQ(0, bind_card(self, false));
	ASSERT_EQ(-ENODEV, csa_vm_job_result(self->fd, self->so[0], WAIT_MS));
	ASSERT_EQ(0, bind_card(self, true));
	ASSERT_EQ(0, nops_on_both_queues(self));
	ASSERT_EQ(-1, first_written(self->map[S_OUT], self->size[S_OUT]))
		TH_LOG("the abandoned job wrote its output");
}

/* CSA_OP_DEBUG_CRASH on queue 1 takes the card down under the program. */
TEST_F_TIMEOUT(stall, crash_abandons_the_long_program, 180)
{
	struct drm_csa_cmd crash = { .opcode = CSA_OP_DEBUG_CRASH };
	int r;

	ASSERT_EQ(0, start_long(self));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[1], &crash, NULL, 0, self->so[1]));
	r = csa_vm_job_result(self->fd, self->so[1], WAIT_MS);
	if (r == -EINVAL) {
		/* no debug-ops: BAD_OPCODE; the long job times out alone */
		ASSERT_EQ(-ETIMEDOUT, csa_vm_job_result(self->fd, self->so[0], WAIT_MS));
		SKIP(return, "card without debug-ops");
	}
	/* the driver's device recovery fails both with -EIO */
	ASSERT_EQ(-EIO, r);
	ASSERT_EQ(-EIO, csa_vm_job_result(self->fd, self->so[0], WAIT_MS));
	ASSERT_EQ(0, nops_on_both_queues(self));
	ASSERT_EQ(-1, first_written(self->map[S_OUT], self->size[S_OUT]))
		TH_LOG("the abandoned job wrote its output");
}

TEST_HARNESS_MAIN

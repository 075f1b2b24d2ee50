// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Job fences through syncobjs: waiting on a signalled and on a pending
 * fence, a wait that times out (-ETIME), timeline points signalled in
 * order and usable as in-fences, a dependency between two hardware queues
 * (the job on queue B consumes what a slow chain on queue A produced), and
 * a wait interrupted by a signal (EINTR without SA_RESTART, transparent
 * restart with it).  A pending fence is made with the card's DEBUG_HANG
 * opcode, which holds the queue until the job timeout resets it.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		30000
#define CHAIN_SIZE	(4 * 1024 * 1024)
#define CHAIN_LEN	8

FIXTURE(fence) {
	int fd;
	uint64_t num_queues;
	uint32_t q[2];
	uint32_t so;
};

FIXTURE_SETUP(fence)
{
	self->fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_NUM_QUEUES, 0, 0,
				      &self->num_queues));
	ASSERT_LE(2u, self->num_queues) TH_LOG("the first test card has 3 queues");
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->q[0]));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 1, DRM_CSA_PRIORITY_NORMAL, &self->q[1]));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &self->so));
}

FIXTURE_TEARDOWN(fence)
{
	if (self->fd >= 0)
		close(self->fd);
}

static const struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
static const struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };

/*
 * Put a hanging job of a context of its own on hardware queue 0, then a
 * NOP of context @q (on hardware queue 0) whose fence goes to @so: that
 * fence stays pending until the queue is reset, then the NOP runs again
 * (only the hung context is banned).  Skips when the card does not
 * execute debug opcodes.
 */
#define BLOCK_QUEUE(q, so) do { \
	uint32_t probe, hq; \
	int r; \
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR }; \
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &probe)); \
	ASSERT_EQ(0, csa_vm_job(self->fd, q, &dmaerr, NULL, 0, probe)); \
	r = csa_vm_job_result(self->fd, probe, WAIT_MS); \
	if (r == -EINVAL) \
		SKIP(return, "card without debug-ops"); \
	ASSERT_EQ(-EIO, r); \
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &hq)); \
	ASSERT_EQ(0, csa_vm_job(self->fd, hq, &hang, NULL, 0, 0)); \
	ASSERT_EQ(0, csa_vm_job(self->fd, q, &nop, NULL, 0, so)); \
} while (0)

TEST_F(fence, wait_on_signalled)
{
	int64_t t0;

	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &nop, NULL, 0, self->so));
	ASSERT_EQ(0, csa_vm_syncobj_wait(self->fd, self->so, WAIT_MS));
	/* again, and with a deadline in the past: both return at once */
	t0 = csa_vm_now_ns();
	ASSERT_EQ(0, csa_vm_syncobj_wait(self->fd, self->so, 0));
	ASSERT_EQ(0, drmSyncobjWait(self->fd, &self->so, 1, 0, 0, NULL));
	ASSERT_GT(100000000, csa_vm_now_ns() - t0);
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, 0));
}

TEST_F_TIMEOUT(fence, wait_on_pending, 60)
{
	int status = 7;

	BLOCK_QUEUE(self->q[0], self->so);
	ASSERT_EQ(0, csa_vm_fence_status(self->fd, self->so, &status));
	ASSERT_EQ(0, status) TH_LOG("fence behind a hung job already signalled");
	/* the reset resubmits the NOP, which then completes */
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

TEST_F_TIMEOUT(fence, wait_timeout_etime, 60)
{
	int64_t t0, dt;

	BLOCK_QUEUE(self->q[0], self->so);
	t0 = csa_vm_now_ns();
	ASSERT_EQ(-ETIME, csa_vm_syncobj_wait(self->fd, self->so, 200));
	dt = csa_vm_now_ns() - t0;
	/*
	 * drm_syncobj converts the deadline to jiffies, so the kernel may
	 * give up to one jiffy (4 ms at HZ=250) early: allow 10 ms.
	 */
	ASSERT_LE(190000000, dt) TH_LOG("a 200 ms wait ended after %lld ns", (long long)dt);
	ASSERT_GT(1500000000, dt) TH_LOG("a 200 ms wait took %lld ns", (long long)dt);
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

TEST_F(fence, timeline_points_in_order)
{
	uint32_t tl, bo, *p;
	struct drm_csa_bind bind = { .access = DRM_CSA_ACCESS_WRITE };
	struct drm_csa_sync out = {}, in = {};
	struct drm_csa_submit args = {
		.binds = (uintptr_t)&bind,
		.num_binds = 1,
		.out_syncs = (uintptr_t)&out,
		.num_out_syncs = 1,
	};
	uint64_t last = 0, value, point = 8;

	ASSERT_EQ(0, drmSyncobjCreate(self->fd, 0, &tl));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 1 << 20, &bo));
	bind.handle = bo;
	out.handle = tl;
	/* points 1..8, alternating between two hardware queues, each job
	 * waiting for the previous point */
	for (uint64_t i = 1; i <= 8; i++) {
		args.queue_id = self->q[i % 2];
		args.cmd = (struct drm_csa_cmd){
			.opcode = CSA_OP_FILL,
			.size = 1 << 20,
			.value = (uint32_t)i,
		};
		out.point = i;
		if (i > 1) {
			in.handle = tl;
			in.point = i - 1;
			args.in_syncs = (uintptr_t)&in;
			args.num_in_syncs = 1;
		}
		ASSERT_EQ(0, csa_vm_submit(self->fd, &args)) TH_LOG("point %llu",
								  (unsigned long long)i);
	}
	/* the timeline's value only moves forward */
	for (int n = 0; n < 100000 && last < 8; n++) {
		ASSERT_EQ(0, drmSyncobjQuery(self->fd, &tl, &value, 1));
		ASSERT_LE(last, value);
		last = value;
	}
	ASSERT_EQ(0, drmSyncobjTimelineWait(self->fd, &tl, &point, 1,
					    csa_vm_now_ns() + WAIT_MS * 1000000ll,
					    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL));
	ASSERT_EQ(0, drmSyncobjQuery(self->fd, &tl, &value, 1));
	ASSERT_EQ(8u, value);
	p = csa_vm_bo_map(self->fd, bo, 1 << 20);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(8u, p[0]) TH_LOG("the jobs ran out of timeline order");
	ASSERT_EQ(8u, p[(1 << 18) - 1]);
}

/*
 * Queue A runs a chain of big copies that ends in X; the job on queue B
 * copies X to Y and waits for the chain only through an in-fence (the
 * BOs of A's chain and B's job are different objects, so no implicit
 * fence orders them).  Y must hold the chain's final data.
 */
TEST_F_TIMEOUT(fence, dependency_across_queues, 120)
{
	uint32_t bo[CHAIN_LEN + 1], y, *px, *py, *p0, chain_so;
	struct drm_csa_bind binds[2];
	struct drm_csa_sync in = {};
	struct drm_csa_submit args = {
		.binds = (uintptr_t)binds,
		.num_binds = 2,
	};
	struct drm_csa_cmd copy = {
		.opcode = CSA_OP_COPY,
		.dst_slot = 1,
		.src_slot = 0,
		.size = CHAIN_SIZE,
	};

	for (int i = 0; i <= CHAIN_LEN; i++)
		ASSERT_EQ(0, csa_vm_bo_create(self->fd, CHAIN_SIZE, &bo[i]));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, CHAIN_SIZE, &y));
	p0 = csa_vm_bo_map(self->fd, bo[0], CHAIN_SIZE);
	ASSERT_NE(NULL, p0);
	for (size_t k = 0; k < CHAIN_SIZE / 4; k++)
		p0[k] = (uint32_t)(k * 40503u + 1);
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &chain_so));

	/* A: bo[0] -> bo[1] -> ... -> bo[CHAIN_LEN], in one context */
	for (int i = 0; i < CHAIN_LEN; i++) {
		struct drm_csa_sync out = { .handle = chain_so };

		binds[0] = (struct drm_csa_bind){ bo[i], DRM_CSA_ACCESS_READ };
		binds[1] = (struct drm_csa_bind){ bo[i + 1], DRM_CSA_ACCESS_WRITE };
		args.queue_id = self->q[0];
		args.cmd = copy;
		args.out_syncs = (uintptr_t)&out;
		args.num_out_syncs = i == CHAIN_LEN - 1;
		ASSERT_EQ(0, csa_vm_submit(self->fd, &args));
	}

	/* B: bo[CHAIN_LEN] -> y, after the chain */
	binds[0] = (struct drm_csa_bind){ bo[CHAIN_LEN], DRM_CSA_ACCESS_READ };
	binds[1] = (struct drm_csa_bind){ y, DRM_CSA_ACCESS_WRITE };
	in.handle = chain_so;
	args.queue_id = self->q[1];
	args.in_syncs = (uintptr_t)&in;
	args.num_in_syncs = 1;
	args.out_syncs = (uintptr_t)&(struct drm_csa_sync){ .handle = self->so };
	args.num_out_syncs = 1;
	ASSERT_EQ(0, csa_vm_submit(self->fd, &args));

	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, chain_so, 0));
	px = csa_vm_bo_map(self->fd, bo[CHAIN_LEN], CHAIN_SIZE);
	py = csa_vm_bo_map(self->fd, y, CHAIN_SIZE);
	ASSERT_NE(NULL, px);
	ASSERT_NE(NULL, py);
	ASSERT_EQ(0, memcmp(p0, px, CHAIN_SIZE));
	ASSERT_EQ(0, memcmp(p0, py, CHAIN_SIZE)) TH_LOG("queue B ran before queue A's chain finished");
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void arm_alarm(int flags, int ms)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags };
	struct itimerval it = { .it_value = { 0, ms * 1000 } };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static int raw_wait(int fd, uint32_t so, int64_t timeout_ms)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&so,
		.count_handles = 1,
		.timeout_nsec = csa_vm_now_ns() + timeout_ms * 1000000,
	};

	return ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w) ? -errno : 0;
}

TEST_F_TIMEOUT(fence, wait_interrupted_by_signal_eintr, 60)
{
	int64_t t0, dt;

	BLOCK_QUEUE(self->q[0], self->so);
	alarms = 0;
	arm_alarm(0, 100);
	t0 = csa_vm_now_ns();
	ASSERT_EQ(-EINTR, raw_wait(self->fd, self->so, WAIT_MS));
	dt = csa_vm_now_ns() - t0;
	ASSERT_EQ(1, alarms);
	ASSERT_GT(1500000000, dt) TH_LOG("interrupted wait took %lld ns", (long long)dt);
	/* waiting again finds the fence still pending, then signalled */
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
}

TEST_F_TIMEOUT(fence, wait_restarted_after_signal, 60)
{
	BLOCK_QUEUE(self->q[0], self->so);
	alarms = 0;
	arm_alarm(SA_RESTART, 100);
	/* the absolute deadline makes the restarted wait end on time */
	ASSERT_EQ(0, raw_wait(self->fd, self->so, WAIT_MS));
	ASSERT_EQ(1, alarms);
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, 0));
}

TEST_HARNESS_MAIN

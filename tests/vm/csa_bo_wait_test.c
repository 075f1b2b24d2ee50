// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * BO_WAIT on busy buffers.  A CSA_OP_DEBUG_HANG job (the test VM's cards
 * execute debug opcodes) keeps its buffers busy until the job timeout
 * resets the queue, which gives every wait a fence that is certainly
 * pending: polls and short deadlines give -ETIMEDOUT, READ waits ignore
 * jobs that only read, a long deadline returns 0 once the job is reset,
 * and signals (with or without SA_RESTART) do not move the absolute
 * deadline.  Skipped without DRM_CSA_FEATURE_QUEUES.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_hw.h"
#include "csa_bo_util.h"

#define MS	1000000ll	/* ns */

/* Slack for a loaded TCG guest: how late a timed-out wait may return. */
#define LATE_NS	(1500 * MS)

static int queue_create(int fd, uint32_t *id)
{
	struct drm_csa_queue_create q = {
		.hw_queue = 0, .priority = DRM_CSA_PRIORITY_NORMAL,
	};

	if (drmIoctl(fd, DRM_IOCTL_CSA_QUEUE_CREATE, &q))
		return -errno;
	*id = q.queue_id;
	return 0;
}

/* One job that never completes by itself, using @handle with @access. */
static int submit_hang(int fd, uint32_t queue, uint32_t handle, uint32_t access)
{
	struct drm_csa_bind bind = { .handle = handle, .access = access };
	struct drm_csa_submit s = {
		.queue_id = queue,
		.binds = (uintptr_t)&bind,
		.num_binds = 1,
		.cmd = { .opcode = CSA_OP_DEBUG_HANG },
	};

	return drmIoctl(fd, DRM_IOCTL_CSA_SUBMIT, &s) ? -errno : 0;
}

FIXTURE(wait) {
	int kmsg;
	int fd;
	uint64_t pg;
	uint64_t timeout_ns;	/* job timeout: when the hang is reset */
	uint32_t queue;
	bool queues;
};

FIXTURE_SETUP(wait)
{
	uint64_t features = 0, ms = 0;

	self->kmsg = csa_vm_kmsg_open();
	self->fd = open_card(0);
	ASSERT_LE(0, self->fd) TH_LOG("open render node: %s", strerror(-self->fd));
	self->pg = page_size();
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_FEATURES, 0, 0,
				      &features));
	self->queues = features & DRM_CSA_FEATURE_QUEUES;
	if (!self->queues)
		return;
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, 0, 0,
				      &ms));
	self->timeout_ns = ms * MS;
	ASSERT_EQ(0, queue_create(self->fd, &self->queue));
}

FIXTURE_TEARDOWN(wait)
{
	if (self->fd >= 0)
		close(self->fd);
	expect_kmsg_clean(_metadata, self->kmsg);
}

/* Time a BO_WAIT; returns its result, the duration in *@ns. */
static int timed_wait(int fd, uint32_t h, uint32_t flags, int64_t deadline,
		      int64_t *ns)
{
	int64_t t0 = mono_ns();
	int ret = bo_wait(fd, h, flags, deadline);

	*ns = mono_ns() - t0;
	return ret;
}

TEST_F(wait, busy_writer_times_out_then_completes)
{
	int64_t ns, deadline;
	uint32_t h = 0;

	if (!self->queues)
		SKIP(return, "no DRM_CSA_FEATURE_QUEUES");
	ASSERT_EQ(0, bo_create(self->fd, 4 * self->pg, 0, &h, NULL));
	ASSERT_EQ(0, submit_hang(self->fd, self->queue, h, DRM_CSA_ACCESS_WRITE));

	/* polls: the pending writer blocks CPU reads and writes */
	EXPECT_EQ(-ETIMEDOUT, timed_wait(self->fd, h, 0, 0, &ns));
	EXPECT_GT(500 * MS, ns) TH_LOG("a poll slept %lld ns", (long long)ns);
	EXPECT_EQ(-ETIMEDOUT, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ, 0));
	EXPECT_EQ(-ETIMEDOUT, bo_wait(self->fd, h, 0, mono_ns() - 1000 * MS));

	/* a short deadline: sleeps until it, then -ETIMEDOUT */
	deadline = mono_ns() + 200 * MS;
	EXPECT_EQ(-ETIMEDOUT, bo_wait(self->fd, h, 0, deadline));
	EXPECT_LE(deadline, mono_ns());
	EXPECT_GT(deadline + LATE_NS, mono_ns());

	/* a deadline after the reset: returns when the job is gone */
	deadline = mono_ns() + 3 * (int64_t)self->timeout_ns + 10000 * MS;
	EXPECT_EQ(0, timed_wait(self->fd, h, 0, deadline, &ns));
	EXPECT_GT(deadline, mono_ns());
	EXPECT_EQ(0, bo_wait(self->fd, h, 0, 0));
	EXPECT_EQ(0, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ, 0));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(wait, read_wait_ignores_card_readers)
{
	int64_t deadline;
	uint32_t h = 0;

	if (!self->queues)
		SKIP(return, "no DRM_CSA_FEATURE_QUEUES");
	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	ASSERT_EQ(0, submit_hang(self->fd, self->queue, h, DRM_CSA_ACCESS_READ));
	/* the CPU may read while the card reads, not write */
	EXPECT_EQ(0, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ, 0));
	EXPECT_EQ(0, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ,
			     mono_ns() + 10000 * MS));
	EXPECT_EQ(-ETIMEDOUT, bo_wait(self->fd, h, 0, 0));
	deadline = mono_ns() + 3 * (int64_t)self->timeout_ns + 10000 * MS;
	EXPECT_EQ(0, bo_wait(self->fd, h, 0, deadline));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(wait, userptr_busy_writer)
{
	int64_t deadline;
	uint32_t h = 0;
	void *mem;

	if (!self->queues)
		SKIP(return, "no DRM_CSA_FEATURE_QUEUES");
	ASSERT_EQ(0, posix_memalign(&mem, self->pg, 2 * self->pg));
	memset(mem, 0, 2 * self->pg);
	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)mem, 2 * self->pg, 0, &h));
	ASSERT_EQ(0, submit_hang(self->fd, self->queue, h,
				 DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE));
	EXPECT_EQ(-ETIMEDOUT, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ, 0));
	deadline = mono_ns() + 3 * (int64_t)self->timeout_ns + 10000 * MS;
	EXPECT_EQ(0, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ, deadline));
	EXPECT_EQ(0, gem_close(self->fd, h));
	free(mem);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* SIGALRM every 20 ms, with or without SA_RESTART. */
static int start_alarms(bool restart)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = {
		.it_interval = { .tv_usec = 20000 },
		.it_value = { .tv_usec = 20000 },
	};

	sa.sa_flags = restart ? SA_RESTART : 0;
	alarms = 0;
	if (sigaction(SIGALRM, &sa, NULL))
		return -errno;
	return setitimer(ITIMER_REAL, &it, NULL) ? -errno : 0;
}

static void stop_alarms(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
}

TEST_F(wait, signals_do_not_move_the_deadline)
{
	struct drm_csa_bo_wait w = { 0 };
	int64_t deadline;
	int ret, eintr = 0;
	uint32_t h = 0;

	if (!self->queues)
		SKIP(return, "no DRM_CSA_FEATURE_QUEUES");
	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	ASSERT_EQ(0, submit_hang(self->fd, self->queue, h, DRM_CSA_ACCESS_WRITE));

	/* SA_RESTART: the kernel restarts the ioctl itself */
	ASSERT_EQ(0, start_alarms(true));
	w.handle = h;
	w.timeout_ns = deadline = mono_ns() + 300 * MS;
	ret = ioctl(self->fd, DRM_IOCTL_CSA_BO_WAIT, &w);
	stop_alarms();
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LT(0, alarms) TH_LOG("no signal arrived during the wait");
	EXPECT_LE(deadline, mono_ns());
	EXPECT_GT(deadline + LATE_NS, mono_ns());

	/* no SA_RESTART: EINTR, and calling again keeps the same deadline */
	ASSERT_EQ(0, start_alarms(false));
	w.timeout_ns = deadline = mono_ns() + 300 * MS;
	do {
		ret = ioctl(self->fd, DRM_IOCTL_CSA_BO_WAIT, &w);
		eintr += ret && errno == EINTR;
	} while (ret && errno == EINTR);
	stop_alarms();
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LT(0, eintr) TH_LOG("no EINTR without SA_RESTART");
	EXPECT_LE(deadline, mono_ns());
	EXPECT_GT(deadline + LATE_NS, mono_ns());

	deadline = mono_ns() + 3 * (int64_t)self->timeout_ns + 10000 * MS;
	EXPECT_EQ(0, bo_wait(self->fd, h, 0, deadline));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_HARNESS_MAIN

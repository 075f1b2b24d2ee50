// SPDX-License-Identifier: MIT
/*
 * libcsa buffer, fence and queue API without a card: argument checks that
 * fail before any ioctl, and ioctl failures (on /dev/null, which answers
 * every ioctl with ENOTTY) turned into negative errno plus a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "internal.h"

FIXTURE(dev) {
	struct csa_device dev, other;
	struct csa_bo bo, other_bo;
	struct csa_fence binary, timeline, other_fence;
	struct csa_queue queue;
};

FIXTURE_SETUP(dev)
{
	memset(self, 0, sizeof(*self));
	self->dev.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev.fd);
	strcpy(self->dev.render_node, "/dev/null");
	self->dev.card_node = -1;
	self->dev.numa_node = CSA_NUMA_OFF;
	self->other = self->dev;
	strcpy(self->other.render_node, "/dev/other");
	/* objects that exist only in user space: enough for argument checks */
	self->bo = (struct csa_bo){ .dev = &self->dev, .handle = 1, .size = 4096, .refs = 1 };
	self->other_bo = (struct csa_bo){ .dev = &self->other, .handle = 2, .size = 4096, .refs = 1 };
	self->binary = (struct csa_fence){ .dev = &self->dev, .handle = 3 };
	self->timeline = (struct csa_fence){ .dev = &self->dev, .handle = 4, .timeline = true };
	self->other_fence = (struct csa_fence){ .dev = &self->other, .handle = 5 };
	self->queue = (struct csa_queue){ .dev = &self->dev, .id = 1 };
}

FIXTURE_TEARDOWN(dev)
{
	close(self->dev.fd);
}

#define EXPECT_ERR(err, call, text) do {					\
	EXPECT_EQ(-(err), (call));						\
	EXPECT_NE(NULL, strstr(csa_last_error(), (text)))			\
		TH_LOG("message \"%s\" lacks \"%s\"", csa_last_error(), (text)); \
} while (0)

TEST_F(dev, bo_create_checks_arguments)
{
	struct csa_bo *bo = (struct csa_bo *)1;

	EXPECT_ERR(EINVAL, csa_bo_create(&self->dev, 0, 0, &bo), "size must be > 0");
	EXPECT_EQ(NULL, bo);
	EXPECT_ERR(EINVAL, csa_bo_create(&self->dev, 4096, 0x80, &bo), "unknown flags 0x80");
	EXPECT_ERR(EINVAL, csa_bo_create(&self->dev, 4096, 0, NULL), "must not be NULL");
	EXPECT_ERR(EINVAL, csa_bo_create(NULL, 4096, 0, &bo), "must not be NULL");
}

TEST_F(dev, bo_create_ioctl_failure_names_node_and_ioctl)
{
	struct csa_bo *bo = (struct csa_bo *)1;

	EXPECT_ERR(ENOTTY, csa_bo_create(&self->dev, 4096, 0, &bo), "/dev/null: BO_CREATE");
	EXPECT_EQ(NULL, bo);
	EXPECT_EQ(NULL, self->dev.bos);
}

TEST_F(dev, userptr_checks_alignment_size_and_flags)
{
	long page = sysconf(_SC_PAGESIZE);
	static char buf[3 * 65536] __attribute__((aligned(65536)));
	struct csa_bo *bo;

	EXPECT_ERR(EINVAL, csa_bo_userptr(&self->dev, buf + 1, page, 0, &bo), "not page aligned");
	EXPECT_ERR(EINVAL, csa_bo_userptr(&self->dev, NULL, page, 0, &bo), "not page aligned");
	EXPECT_ERR(EINVAL, csa_bo_userptr(&self->dev, buf, page + 1, 0, &bo), "multiple of the page size");
	EXPECT_ERR(EINVAL, csa_bo_userptr(&self->dev, buf, 0, 0, &bo), "multiple of the page size");
	EXPECT_ERR(EINVAL, csa_bo_userptr(&self->dev, buf, page, 0x2, &bo), "unknown flags 0x2");
	EXPECT_ERR(ENOTTY, csa_bo_userptr(&self->dev, buf, page, CSA_USERPTR_READ_ONLY, &bo),
		   "BO_USERPTR");
}

TEST_F(dev, import_rejects_a_bad_fd)
{
	struct csa_bo *bo;

	EXPECT_ERR(EBADF, csa_bo_import(&self->dev, -1, &bo), "invalid file descriptor");
	EXPECT_ERR(ENOTTY, csa_bo_import(&self->dev, self->dev.fd, &bo), "PRIME_FD_TO_HANDLE");
}

TEST_F(dev, map_of_an_unmappable_bo_is_eopnotsupp)
{
	void *p = (void *)1;

	EXPECT_ERR(EOPNOTSUPP, csa_bo_map(&self->bo, &p), "no mmap offset");
	EXPECT_EQ(NULL, p);
	EXPECT_ERR(EINVAL, csa_bo_map(&self->bo, NULL), "must not be NULL");
}

TEST_F(dev, map_of_a_userptr_bo_is_the_user_memory)
{
	static char mem[4096];
	void *p = NULL;

	self->bo.map = mem;
	ASSERT_EQ(0, csa_bo_map(&self->bo, &p));
	EXPECT_EQ((void *)mem, p);
}

TEST_F(dev, bo_wait_checks_flags_and_reports_ioctl_errors)
{
	EXPECT_ERR(EINVAL, csa_bo_wait(&self->bo, 0x4, 0), "unknown flags 0x4");
	EXPECT_ERR(ENOTTY, csa_bo_wait(&self->bo, CSA_WAIT_READ, 0), "BO_WAIT");
	EXPECT_ERR(ENOTTY, csa_bo_wait_timeout(&self->bo, 0, 1000), "BO_WAIT");
	EXPECT_ERR(EINVAL, csa_bo_wait(NULL, 0, 0), "must not be NULL");
}

TEST_F(dev, fence_points_must_match_the_kind)
{
	EXPECT_ERR(EINVAL, csa_fence_wait(&self->timeline, 0, 0), "needs a point > 0");
	EXPECT_ERR(EINVAL, csa_fence_wait(&self->binary, 7, 0), "point 7 given for a binary fence");
	EXPECT_ERR(EINVAL, csa_fence_signal(&self->binary, 1), "binary fence");
	EXPECT_ERR(EINVAL, csa_fence_reset(&self->timeline), "needs a point > 0");
	EXPECT_ERR(EINVAL, csa_fence_query(&self->binary, &(uint64_t){ 0 }), "not a timeline");
}

TEST_F(dev, fence_create_checks_flags)
{
	struct csa_fence *f = (struct csa_fence *)1;

	EXPECT_ERR(EINVAL, csa_fence_create(&self->dev, 0x10, &f), "unknown flags 0x10");
	EXPECT_EQ(NULL, f);
	EXPECT_ERR(EINVAL, csa_fence_create(&self->dev, CSA_FENCE_TIMELINE | CSA_FENCE_SIGNALED, &f),
		   "cannot be created signaled");
}

TEST_F(dev, sync_file_status_of_a_non_sync_file_fails)
{
	int err = 1;

	EXPECT_ERR(ENOTTY, csa_sync_file_status(self->dev.fd, &err), "SYNC_IOC_FILE_INFO");
	EXPECT_EQ(1, err);
}

TEST_F(dev, queue_create_checks_priority)
{
	struct csa_queue *q = (struct csa_queue *)1;

	EXPECT_ERR(EINVAL, csa_queue_create(&self->dev, 0, 3, &q), "unknown priority 3");
	EXPECT_EQ(NULL, q);
	EXPECT_ERR(ENOTTY, csa_queue_create(&self->dev, 0, DRM_CSA_PRIORITY_HIGH, &q),
		   "QUEUE_CREATE");
}

TEST_F(dev, submit_checks_binds)
{
	struct csa_bind binds[2] = { { &self->bo, DRM_CSA_ACCESS_READ } };
	struct csa_job job = { .binds = binds, .num_binds = 1 };

	binds[0].access = 0;
	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "bind slot 0: access 0");
	binds[0].access = 0x4;
	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "bind slot 0: access 0x4");
	binds[0] = (struct csa_bind){ &self->bo, DRM_CSA_ACCESS_READ };
	binds[1] = (struct csa_bind){ &self->other_bo, DRM_CSA_ACCESS_WRITE };
	job.num_binds = 2;
	EXPECT_ERR(EXDEV, csa_submit(&self->queue, &job), "bind slot 1: buffer of another device");
	binds[1].bo = NULL;
	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "bind slot 1 has no buffer");
	job.binds = NULL;
	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "is NULL but its count");
}

TEST_F(dev, submit_checks_fences)
{
	struct csa_sync sync = { &self->timeline, 0 };
	struct csa_job job = { .in = &sync, .num_in = 1 };

	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "in fence 0: a timeline fence needs a point > 0");
	job = (struct csa_job){ .out = &sync, .num_out = 1 };
	sync = (struct csa_sync){ &self->binary, 5 };
	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "out fence 0: a binary fence takes point 0");
	sync = (struct csa_sync){ &self->other_fence, 0 };
	EXPECT_ERR(EXDEV, csa_submit(&self->queue, &job), "out fence 0 belongs to another device");
	job.num_out = DRM_CSA_MAX_SYNCS + 1;
	EXPECT_ERR(E2BIG, csa_submit(&self->queue, &job), "at most 64 each");
}

TEST_F(dev, submit_checks_reserved_fields)
{
	struct csa_job job = { .reserved = 1 };

	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "reserved fields must be 0");
	job = (struct csa_job){ .cmd.reserved = 1 };
	EXPECT_ERR(EINVAL, csa_submit(&self->queue, &job), "reserved fields must be 0");
}

TEST_F(dev, submit_of_many_binds_reaches_the_ioctl)
{
	struct csa_bind binds[40];
	struct csa_job job = { .binds = binds, .num_binds = 40 };

	for (int i = 0; i < 40; i++)
		binds[i] = (struct csa_bind){ &self->bo, DRM_CSA_ACCESS_READ };
	/* more than fit on the stack: allocated, converted, then ENOTTY */
	EXPECT_ERR(ENOTTY, csa_submit(&self->queue, &job), "/dev/null: SUBMIT");
}

TEST_F(dev, sync_helpers_check_arguments)
{
	EXPECT_ERR(EINVAL, csa_copy_sync(&self->queue, &self->bo, 0, &self->bo, 0, 16),
		   "same buffer");
	EXPECT_ERR(EINVAL, csa_copy_sync(&self->queue, NULL, 0, &self->bo, 0, 16),
		   "must not be NULL");
	EXPECT_ERR(EINVAL, csa_fill_sync(&self->queue, &self->bo, 0, 6, 0), "multiple of 4");
	EXPECT_ERR(EINVAL, csa_run_sync(&self->queue, NULL, 0, NULL), "must not be NULL");
}

TEST(deadlines)
{
	int64_t now = csa_now_ns();
	int64_t d = csa_deadline_after(1000000);

	EXPECT_LT(0, now);
	EXPECT_LE(now + 1000000, d);
	EXPECT_GT(now + 1000000000, d);
	EXPECT_EQ(CSA_DEADLINE_INFINITE, csa_deadline_after(-1));
	EXPECT_EQ(CSA_DEADLINE_INFINITE, csa_deadline_after(INT64_MAX - 1));
	EXPECT_LE(now, csa_deadline_after(0));
}

TEST(names_of_uapi_1_1_params_and_features)
{
	EXPECT_STREQ("MAX_BINDS", csa_param_name(DRM_CSA_PARAM_MAX_BINDS));
	EXPECT_STREQ("MAX_BO_SIZE", csa_param_name(DRM_CSA_PARAM_MAX_BO_SIZE));
	EXPECT_STREQ("JOB_TIMEOUT_MS", csa_param_name(DRM_CSA_PARAM_JOB_TIMEOUT_MS));
	EXPECT_EQ(NULL, csa_param_name(DRM_CSA_PARAM_JOB_TIMEOUT_MS + 1));
	EXPECT_STREQ("BO", csa_feature_name(0));
	EXPECT_STREQ("USERPTR", csa_feature_name(1));
	EXPECT_STREQ("QUEUES", csa_feature_name(2));
	EXPECT_EQ(NULL, csa_feature_name(3));
	EXPECT_EQ(NULL, csa_feature_name(64));
}

TEST_HARNESS_MAIN

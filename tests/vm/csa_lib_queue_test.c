// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libcsa queue, submit and fence API on the virtual cards: queues on every
 * hardware queue and priority, synchronous NOP/FILL/COPY with the data
 * checked through the mappings, asynchronous submission with binary and
 * timeline fences, deadlines, sync_file poll and job errors mapped to
 * errno (-EFAULT out of bounds, -EINVAL bad opcode, -EACCES at submit for
 * WRITE on a read-only userptr; with the card's debug-ops, -EIO for a DMA
 * error and -ETIMEDOUT for a hung job followed by a working queue).
 * Skips, saying so, while the driver lacks DRM_CSA_FEATURE_QUEUES or _BO.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_hw.h"
#include "csa/csa.h"
#include "csa_vm.h"
#include "csa_lib_util.h"

#define SEC 1000000000ll

FIXTURE(queue) {
	struct csa_device *dev[CSA_VM_MAX_CARDS];
	struct csa_info info[CSA_VM_MAX_CARDS];
	struct csa_queue *q;
	int n;
	long page;
	char skip[160];	/* why the suite cannot run, "" if it can */
};

FIXTURE_SETUP(queue)
{
	const uint64_t need = DRM_CSA_FEATURE_QUEUES | DRM_CSA_FEATURE_BO;

	self->skip[0] = '\0';
	self->q = NULL;
	self->page = sysconf(_SC_PAGESIZE);
	self->n = csa_lib_open_cards(self->dev, self->info, self->skip, sizeof(self->skip));
	ASSERT_LT(0, self->n) TH_LOG("%s", self->skip);
	if ((self->info[0].features & need) != need) {
		snprintf(self->skip, sizeof(self->skip),
			 "the driver lacks DRM_CSA_FEATURE_QUEUES/BO (features %#llx)",
			 (unsigned long long)self->info[0].features);
		return;
	}
	ASSERT_EQ(0, csa_queue_create(self->dev[0], 0, DRM_CSA_PRIORITY_NORMAL, &self->q))
		TH_LOG("%s", csa_last_error());
}

FIXTURE_TEARDOWN(queue)
{
	csa_queue_destroy(self->q);
	for (int i = 0; i < self->n; i++)
		csa_close(self->dev[i]);
}

TEST_F(queue, nop_on_every_hw_queue_and_priority_of_every_card)
{
	SKIP_IF_UNABLE();
	for (int i = 0; i < self->n; i++) {
		for (uint32_t hq = 0; hq < self->info[i].num_queues; hq++) {
			for (uint32_t prio = 0; prio <= DRM_CSA_PRIORITY_HIGH; prio++) {
				struct csa_queue *q;

				ASSERT_EQ(0, csa_queue_create(self->dev[i], hq, prio, &q))
					TH_LOG("card %d queue %u prio %u: %s", i, hq, prio,
					       csa_last_error());
				EXPECT_EQ(0, csa_nop_sync(q))
					TH_LOG("card %d queue %u prio %u NOP: %s", i, hq, prio,
					       csa_last_error());
				EXPECT_EQ(0, csa_queue_destroy(q)) TH_LOG("%s", csa_last_error());
			}
		}
	}
}

TEST_F(queue, create_rejects_bad_queue_and_priority)
{
	struct csa_queue *q;

	SKIP_IF_UNABLE();
	EXPECT_EQ(-EINVAL, csa_queue_create(self->dev[0], self->info[0].num_queues,
					    DRM_CSA_PRIORITY_NORMAL, &q))
		TH_LOG("hardware queue %u of %u accepted", self->info[0].num_queues,
		       self->info[0].num_queues);
	EXPECT_EQ(NULL, q);
	EXPECT_EQ(-EINVAL, csa_queue_create(self->dev[0], 0, 3, &q));
}

TEST_F(queue, fill_then_copy_arrives_in_the_mapping)
{
	const uint64_t size = 2 * self->page;
	struct csa_bo *a, *b;
	uint32_t *pa, *pb;
	size_t bad = (size_t)-1;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_bo_create(self->dev[0], size, 0, &a)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_create(self->dev[0], size, 0, &b)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_map(a, (void **)&pa));
	ASSERT_EQ(0, csa_bo_map(b, (void **)&pb));
	memset(pb, 0, size);
	ASSERT_EQ(0, csa_fill_sync(self->q, a, 0, size, 0xdeadbeef))
		TH_LOG("FILL: %s", csa_last_error());
	for (size_t i = 0; i < size / 4 && bad == (size_t)-1; i++)
		if (pa[i] != 0xdeadbeef)
			bad = i;
	EXPECT_EQ((size_t)-1, bad) TH_LOG("FILL: word %zu is %#x", bad, pa[bad]);
	pa[5] = 0x12345678;
	ASSERT_EQ(0, csa_copy_sync(self->q, b, 16, a, 0, size - 16))
		TH_LOG("COPY: %s", csa_last_error());
	EXPECT_EQ(0u, pb[0]) TH_LOG("COPY wrote before its destination offset");
	EXPECT_EQ(0xdeadbeefu, pb[4]);
	EXPECT_EQ(0x12345678u, pb[4 + 5]) TH_LOG("COPY lost a CPU write to the source");
	EXPECT_EQ(0xdeadbeefu, pb[size / 4 - 1]);
	csa_bo_free(a);
	csa_bo_free(b);
}

TEST_F(queue, out_of_bounds_copy_fails_the_job_with_efault)
{
	struct csa_bo *a, *b;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_bo_create(self->dev[0], self->page, 0, &a));
	ASSERT_EQ(0, csa_bo_create(self->dev[0], self->page, 0, &b));
	EXPECT_EQ(-EFAULT, csa_copy_sync(self->q, b, 0, a, 0, 2 * self->page))
		TH_LOG("COPY past the end: %s", csa_last_error());
	/* the queue still works after a failed job */
	EXPECT_EQ(0, csa_nop_sync(self->q)) TH_LOG("%s", csa_last_error());
	csa_bo_free(a);
	csa_bo_free(b);
}

TEST_F(queue, unknown_opcode_fails_the_job_with_einval)
{
	const struct csa_cmd cmd = { .opcode = 0x7f };

	SKIP_IF_UNABLE();
	EXPECT_EQ(-EINVAL, csa_run_sync(self->q, NULL, 0, &cmd))
		TH_LOG("opcode 0x7f: %s", csa_last_error());
}

TEST_F(queue, timeline_points_signal_in_order)
{
	const struct csa_cmd nop = { .opcode = CSA_OP_NOP };
	struct csa_fence *tl;
	uint64_t last = 0;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_fence_create(self->dev[0], CSA_FENCE_TIMELINE, &tl))
		TH_LOG("%s", csa_last_error());
	for (uint64_t p = 1; p <= 16; p++) {
		const struct csa_sync out = { tl, p };
		const struct csa_job job = { .out = &out, .num_out = 1, .cmd = nop };

		ASSERT_EQ(0, csa_submit(self->q, &job)) TH_LOG("point %llu: %s",
							     (unsigned long long)p,
							     csa_last_error());
	}
	ASSERT_EQ(0, csa_fence_wait(tl, 16, csa_deadline_after(30 * SEC)))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_fence_query(tl, &last)) TH_LOG("%s", csa_last_error());
	EXPECT_LE(16ull, last);
	csa_fence_destroy(tl);
}

TEST_F(queue, wait_for_an_unsubmitted_fence_times_out)
{
	struct csa_fence *f;
	int64_t start = csa_now_ns();

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_fence_create(self->dev[0], 0, &f));
	EXPECT_EQ(-ETIME, csa_fence_wait(f, 0, csa_deadline_after(20000000)))
		TH_LOG("%s", csa_last_error());
	EXPECT_LE(start + 20000000, csa_now_ns()) TH_LOG("returned before the deadline");
	csa_fence_destroy(f);
}

TEST_F(queue, sync_file_becomes_readable_and_reports_success)
{
	const struct csa_cmd nop = { .opcode = CSA_OP_NOP };
	struct csa_fence *f;
	struct csa_sync out;
	struct pollfd pfd;
	int fd, job_error = 1;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_fence_create(self->dev[0], 0, &f));
	out = (struct csa_sync){ f, 0 };
	ASSERT_EQ(0, csa_submit(self->q, &(struct csa_job){ .out = &out, .num_out = 1,
							     .cmd = nop }))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_fence_sync_file(f, 0, &fd)) TH_LOG("%s", csa_last_error());
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 30000)) TH_LOG("sync_file not readable after 30 s");
	EXPECT_EQ(1, csa_sync_file_status(fd, &job_error)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, job_error);
	close(fd);
	EXPECT_EQ(1, csa_fence_status(f, 0, &job_error));
	csa_fence_destroy(f);
}

TEST_F(queue, in_fence_chains_jobs_and_reports_the_error)
{
	struct csa_bo *a, *b;
	struct csa_fence *first, *second;
	struct csa_sync s1, s2;
	const struct csa_bind binds[2] = {
		{ NULL, DRM_CSA_ACCESS_WRITE }, { NULL, DRM_CSA_ACCESS_READ },
	};
	struct csa_bind bb[2];
	int job_error = 0;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_bo_create(self->dev[0], self->page, 0, &a));
	ASSERT_EQ(0, csa_bo_create(self->dev[0], self->page, 0, &b));
	ASSERT_EQ(0, csa_fence_create(self->dev[0], 0, &first));
	ASSERT_EQ(0, csa_fence_create(self->dev[0], 0, &second));
	memcpy(bb, binds, sizeof(bb));
	bb[0].bo = b;
	bb[1].bo = a;
	s1 = (struct csa_sync){ first, 0 };
	s2 = (struct csa_sync){ second, 0 };
	/* job 1: out of bounds (fails); job 2 waits for it, then NOPs */
	ASSERT_EQ(0, csa_submit(self->q, &(struct csa_job){
		.binds = bb, .num_binds = 2, .out = &s1, .num_out = 1,
		.cmd = { .opcode = CSA_OP_COPY, .dst_slot = 0, .src_slot = 1,
			 .size = 2 * self->page } })) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_submit(self->q, &(struct csa_job){
		.in = &s1, .num_in = 1, .out = &s2, .num_out = 1,
		.cmd = { .opcode = CSA_OP_NOP } })) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_fence_wait(second, 0, csa_deadline_after(30 * SEC)))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(1, csa_fence_status(first, 0, &job_error));
	EXPECT_EQ(-EFAULT, job_error) TH_LOG("out-of-bounds job error %d", job_error);
	/* whether a dependency's error propagates is the scheduler's choice:
	 * only require that the chained job ran and signaled */
	EXPECT_EQ(1, csa_fence_status(second, 0, &job_error));
	csa_fence_destroy(first);
	csa_fence_destroy(second);
	csa_bo_free(a);
	csa_bo_free(b);
}

TEST_F(queue, copy_into_userptr_memory_in_place)
{
	struct csa_bo *src, *dst, *ro;
	unsigned char *mem;
	const struct csa_bind bad = { NULL, DRM_CSA_ACCESS_WRITE };
	struct csa_bind b;

	SKIP_IF_UNABLE();
	if (!(self->info[0].features & DRM_CSA_FEATURE_USERPTR))
		SKIP(return, "the driver lacks DRM_CSA_FEATURE_USERPTR");
	ASSERT_EQ(0, csa_host_alloc(self->dev[0], self->page, (void **)&mem));
	ASSERT_EQ(0, csa_bo_create(self->dev[0], self->page, 0, &src));
	ASSERT_EQ(0, csa_fill_sync(self->q, src, 0, self->page, 0x01020304))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_userptr(self->dev[0], mem, self->page, 0, &dst))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_copy_sync(self->q, dst, 0, src, 0, self->page))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0x04, mem[0]);
	EXPECT_EQ(0x01, mem[self->page - 1]);
	csa_bo_free(dst);

	ASSERT_EQ(0, csa_bo_userptr(self->dev[0], mem, self->page,
				    CSA_USERPTR_READ_ONLY, &ro))
		TH_LOG("%s", csa_last_error());
	b = bad;
	b.bo = ro;
	EXPECT_EQ(-EACCES, csa_submit(self->q, &(struct csa_job){
		.binds = &b, .num_binds = 1,
		.cmd = { .opcode = CSA_OP_FILL, .size = 4 } }))
		TH_LOG("WRITE bind of a read-only userptr: %s", csa_last_error());
	csa_bo_free(ro);
	csa_bo_free(src);
	csa_host_free(mem, self->page);
}

TEST_F(queue, debug_dma_error_fails_the_job_with_eio)
{
	const struct csa_cmd cmd = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	int ret;

	SKIP_IF_UNABLE();
	ret = csa_run_sync(self->q, NULL, 0, &cmd);
	if (ret == -EINVAL)
		SKIP(return, "card 0 runs without debug-ops (DEBUG_DMA_ERROR is a bad opcode)");
	EXPECT_EQ(-EIO, ret) TH_LOG("DEBUG_DMA_ERROR: %s", csa_last_error());
	EXPECT_EQ(0, csa_nop_sync(self->q)) TH_LOG("%s", csa_last_error());
}

TEST_F(queue, hung_job_times_out_and_the_queue_recovers)
{
	const struct csa_cmd cmd = { .opcode = CSA_OP_DEBUG_HANG };
	struct csa_limits lim;
	int64_t start;
	int ret;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_query_limits(self->dev[0], &lim)) TH_LOG("%s", csa_last_error());
	start = csa_now_ns();
	ret = csa_run_sync(self->q, NULL, 0, &cmd);
	if (ret == -EINVAL)
		SKIP(return, "card 0 runs without debug-ops (DEBUG_HANG is a bad opcode)");
	EXPECT_EQ(-ETIMEDOUT, ret) TH_LOG("DEBUG_HANG: %s", csa_last_error());
	EXPECT_LE(start + (int64_t)lim.job_timeout_ms * 1000000, csa_now_ns())
		TH_LOG("failed before the %u ms job timeout", lim.job_timeout_ms);
	/* the queue is banned, with a message that says what to do */
	EXPECT_EQ(-EBADFD, csa_nop_sync(self->q));
	EXPECT_NE(NULL, strstr(csa_last_error(), "banned")) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, csa_queue_destroy(self->q));
	self->q = NULL;
	ASSERT_EQ(0, csa_queue_create(self->dev[0], 0, DRM_CSA_PRIORITY_NORMAL, &self->q))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, csa_nop_sync(self->q)) TH_LOG("after the reset: %s", csa_last_error());
}

TEST_F(queue, timeline_point_sync_file_and_cpu_signaled_in_fence)
{
	struct csa_fence *tl, *gate;
	struct csa_sync in, out;
	int job_error = 1;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_fence_create(self->dev[0], CSA_FENCE_TIMELINE, &tl));
	ASSERT_EQ(0, csa_fence_create(self->dev[0], 0, &gate));
	EXPECT_EQ(-EINVAL, csa_fence_status(gate, 0, &job_error))
		TH_LOG("status of a fence without a job: %s", csa_last_error());
	ASSERT_EQ(0, csa_fence_signal(gate, 0)) TH_LOG("%s", csa_last_error());
	in = (struct csa_sync){ gate, 0 };
	out = (struct csa_sync){ tl, 3 };
	ASSERT_EQ(0, csa_submit(self->q, &(struct csa_job){
		.in = &in, .num_in = 1, .out = &out, .num_out = 1,
		.cmd = { .opcode = CSA_OP_NOP } })) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_fence_wait(tl, 3, csa_deadline_after(30 * SEC)))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(1, csa_fence_status(tl, 3, &job_error)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, job_error);
	ASSERT_EQ(0, csa_fence_reset(gate)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(-ETIME, csa_fence_wait(gate, 0, csa_deadline_after(0)))
		TH_LOG("a reset fence still signaled");
	csa_fence_destroy(gate);
	csa_fence_destroy(tl);
}

TEST_F(queue, bo_wait_after_an_async_copy_sees_the_data)
{
	const uint64_t size = 4 * self->page;
	struct csa_bo *src, *dst;
	struct csa_bind binds[2];
	unsigned char *ps, *pd;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_bo_create(self->dev[0], size, 0, &src));
	ASSERT_EQ(0, csa_bo_create(self->dev[0], size, 0, &dst));
	ASSERT_EQ(0, csa_bo_map(src, (void **)&ps));
	ASSERT_EQ(0, csa_bo_map(dst, (void **)&pd));
	memset(ps, 0xab, size);
	memset(pd, 0, size);
	binds[0] = (struct csa_bind){ dst, DRM_CSA_ACCESS_WRITE };
	binds[1] = (struct csa_bind){ src, DRM_CSA_ACCESS_READ };
	/* no fences at all: the buffers' implicit fences carry completion */
	ASSERT_EQ(0, csa_submit(self->q, &(struct csa_job){
		.binds = binds, .num_binds = 2,
		.cmd = { .opcode = CSA_OP_COPY, .dst_slot = 0, .src_slot = 1,
			 .size = size } })) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_wait_timeout(dst, CSA_WAIT_READ, 30 * SEC))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0xab, pd[0]);
	EXPECT_EQ(0xab, pd[size - 1]);
	csa_bo_free(src);
	csa_bo_free(dst);
}

TEST_HARNESS_MAIN

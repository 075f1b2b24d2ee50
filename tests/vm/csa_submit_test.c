// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DRM_IOCTL_CSA_SUBMIT: every validation path with its exact errno (and no
 * fence published by a refused submit), data round trips through the card
 * (FILL, COPY of mmap'ed and userptr memory, a BO of many segments,
 * WRITE_VALUE, TIMESTAMP, the status record), and what the card refuses:
 * the job's fence carries the documented error, neighbouring memory is
 * untouched and the next job on the queue runs normally.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define BO_SIZE		(64 * 1024)
#define BIG_SIZE	(8 * 1024 * 1024)
#define WAIT_MS		20000
#define GUARD		0xa5a5a5a5u

FIXTURE(submit) {
	int fd;
	uint32_t queue;
	uint32_t bo[2];
	uint32_t *map[2];
	uint32_t syncobj;
	struct drm_csa_bind binds[2];
	struct drm_csa_sync out;
	struct drm_csa_submit args;
};

FIXTURE_SETUP(submit)
{
	int i;

	self->fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL,
					 &self->queue));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, csa_vm_bo_create(self->fd, BO_SIZE, &self->bo[i]));
		self->map[i] = csa_vm_bo_map(self->fd, self->bo[i], BO_SIZE);
		ASSERT_NE(NULL, self->map[i]);
		for (size_t k = 0; k < BO_SIZE / 4; k++)
			self->map[i][k] = GUARD;
		self->binds[i].handle = self->bo[i];
		self->binds[i].access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;
	}
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &self->syncobj));
	self->out.handle = self->syncobj;

	/* A valid job: FILL the first 4 KiB of slot 0. */
	self->args.queue_id = self->queue;
	self->args.binds = (uintptr_t)self->binds;
	self->args.num_binds = 2;
	self->args.out_syncs = (uintptr_t)&self->out;
	self->args.num_out_syncs = 1;
	self->args.cmd.opcode = CSA_OP_FILL;
	self->args.cmd.size = 4096;
	self->args.cmd.value = 0x11223344;
}

FIXTURE_TEARDOWN(submit)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The submit fails with @err and publishes no fence. */
#define SUBMIT_FAILS(err) do { \
	ASSERT_EQ(-(err), csa_vm_submit(self->fd, &self->args)); \
	ASSERT_EQ(-EINVAL, csa_vm_syncobj_wait(self->fd, self->syncobj, 0)) \
		TH_LOG("a refused submit published a fence"); \
} while (0)

/* Submit self->args and return the job's fence result. */
static int run(struct __test_metadata *_metadata, FIXTURE_DATA(submit) *self)
{
	int ret = csa_vm_submit(self->fd, &self->args);

	if (ret)
		return ret;
	return csa_vm_job_result(self->fd, self->syncobj, WAIT_MS);
}

static int guard_intact(const uint32_t *p, size_t from, size_t to)
{
	for (size_t k = from / 4; k < to / 4; k++)
		if (p[k] != GUARD)
			return 0;
	return 1;
}

TEST_F(submit, valid_job_runs)
{
	ASSERT_EQ(0, run(_metadata, self));
	for (size_t k = 0; k < 4096 / 4; k++)
		ASSERT_EQ(0x11223344u, self->map[0][k]);
	ASSERT_TRUE(guard_intact(self->map[0], 4096, BO_SIZE));
	ASSERT_TRUE(guard_intact(self->map[1], 0, BO_SIZE));
}

/* Validation, in the order of struct drm_csa_submit */

TEST_F(submit, flags_nonzero_einval)
{
	self->args.flags = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, pad_nonzero_einval)
{
	self->args.pad = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, too_many_binds_e2big)
{
	self->args.num_binds = CSA_MAX_BINDS + 1;
	SUBMIT_FAILS(E2BIG);
}

TEST_F(submit, too_many_in_syncs_e2big)
{
	self->args.num_in_syncs = DRM_CSA_MAX_SYNCS + 1;
	SUBMIT_FAILS(E2BIG);
}

TEST_F(submit, too_many_out_syncs_e2big)
{
	self->args.num_out_syncs = DRM_CSA_MAX_SYNCS + 1;
	ASSERT_EQ(-E2BIG, csa_vm_submit(self->fd, &self->args));
}

TEST_F(submit, cmd_unknown_flag_einval)
{
	self->args.cmd.flags = DRM_CSA_CMD_STATUS << 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, cmd_pad_einval)
{
	self->args.cmd.pad = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, dst_offset_2_48_einval)
{
	self->args.cmd.dst_offset = 1ull << 48;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, src_offset_2_48_einval)
{
	self->args.cmd.src_offset = 1ull << 48;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, status_offset_2_48_einval)
{
	self->args.cmd.status_offset = ~0ull;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, bind_access_empty_einval)
{
	self->binds[1].access = 0;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, bind_access_unknown_einval)
{
	self->binds[1].access = DRM_CSA_ACCESS_WRITE << 1 | DRM_CSA_ACCESS_READ;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, duplicate_handle_einval)
{
	self->binds[1].handle = self->bo[0];
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, bad_handle_enoent)
{
	self->binds[1].handle = self->bo[1] + 1000;
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, closed_handle_enoent)
{
	ASSERT_EQ(0, csa_vm_gem_close(self->fd, self->bo[1]));
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, write_to_read_only_userptr_eacces)
{
	void *mem;
	uint32_t h;

	ASSERT_EQ(0, posix_memalign(&mem, 4096, BO_SIZE));
	memset(mem, 0, BO_SIZE);
	ASSERT_EQ(0, csa_vm_bo_userptr(self->fd, mem, BO_SIZE,
				       DRM_CSA_USERPTR_READ_ONLY, &h));
	self->binds[1].handle = h;
	self->binds[1].access = DRM_CSA_ACCESS_WRITE;
	SUBMIT_FAILS(EACCES);
	/* reading it is fine */
	self->binds[1].access = DRM_CSA_ACCESS_READ;
	ASSERT_EQ(0, run(_metadata, self));
	csa_vm_gem_close(self->fd, h);
	free(mem);
}

TEST_F(submit, queue_id_zero_enoent)
{
	self->args.queue_id = 0;
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, queue_id_unknown_enoent)
{
	self->args.queue_id = self->queue + 100;
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, queue_destroyed_enoent)
{
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, self->queue));
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, in_sync_bad_handle_enoent)
{
	struct drm_csa_sync in = { .handle = self->syncobj + 100 };

	self->args.in_syncs = (uintptr_t)&in;
	self->args.num_in_syncs = 1;
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, in_sync_flags_einval)
{
	uint32_t other;
	struct drm_csa_sync in = { .flags = 1 };

	ASSERT_EQ(0, drmSyncobjCreate(self->fd, DRM_SYNCOBJ_CREATE_SIGNALED, &other));
	in.handle = other;
	self->args.in_syncs = (uintptr_t)&in;
	self->args.num_in_syncs = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, in_sync_without_fence_einval)
{
	uint32_t empty;
	struct drm_csa_sync in = {};

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &empty));
	in.handle = empty;
	self->args.in_syncs = (uintptr_t)&in;
	self->args.num_in_syncs = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, in_timeline_point_without_fence_einval)
{
	uint32_t tl;
	struct drm_csa_sync in = { .point = 5 };

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &tl));
	in.handle = tl;
	self->args.in_syncs = (uintptr_t)&in;
	self->args.num_in_syncs = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, out_sync_bad_handle_enoent)
{
	struct drm_csa_sync out[2] = { { .handle = self->syncobj },
				       { .handle = self->syncobj + 100 } };

	self->args.out_syncs = (uintptr_t)out;
	self->args.num_out_syncs = 2;
	SUBMIT_FAILS(ENOENT);
}

TEST_F(submit, out_sync_flags_einval)
{
	self->out.flags = 1;
	SUBMIT_FAILS(EINVAL);
}

TEST_F(submit, binds_pointer_efault)
{
	self->args.binds = 16;
	SUBMIT_FAILS(EFAULT);
}

TEST_F(submit, in_syncs_pointer_efault)
{
	self->args.in_syncs = 16;
	self->args.num_in_syncs = 1;
	SUBMIT_FAILS(EFAULT);
}

TEST_F(submit, out_syncs_pointer_efault)
{
	self->args.out_syncs = 16;
	ASSERT_EQ(-EFAULT, csa_vm_submit(self->fd, &self->args));
}

/* Zero binds and zero syncs are a valid (if useless) job. */
TEST_F(submit, nop_without_binds)
{
	self->args.num_binds = 0;
	self->args.binds = 0;
	self->args.cmd.opcode = CSA_OP_NOP;
	ASSERT_EQ(0, run(_metadata, self));
}

/* Data through the card */

TEST_F(submit, mmap_write_copy_compare)
{
	for (size_t k = 0; k < BO_SIZE / 4; k++)
		self->map[0][k] = (uint32_t)(k * 2654435761u);
	self->args.cmd.opcode = CSA_OP_COPY;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.src_slot = 0;
	self->args.cmd.size = BO_SIZE;
	ASSERT_EQ(0, run(_metadata, self));
	ASSERT_EQ(0, memcmp(self->map[0], self->map[1], BO_SIZE));
}

TEST_F(submit, copy_with_offsets)
{
	for (size_t k = 0; k < BO_SIZE / 4; k++)
		self->map[0][k] = (uint32_t)k;
	self->args.cmd.opcode = CSA_OP_COPY;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.dst_offset = 4096 + 12;
	self->args.cmd.src_slot = 0;
	self->args.cmd.src_offset = 100;
	self->args.cmd.size = 8192 + 7;
	ASSERT_EQ(0, run(_metadata, self));
	ASSERT_EQ(0, memcmp((char *)self->map[1] + 4096 + 12,
			    (char *)self->map[0] + 100, 8192 + 7));
	ASSERT_TRUE(guard_intact(self->map[1], 0, 4096 + 12 - 4 + 4));
	ASSERT_TRUE(guard_intact(self->map[1], 4096 + 12 + 8192 + 8, BO_SIZE));
}

TEST_F_TIMEOUT(submit, copy_many_segments, 120)
{
	uint32_t a, b, *pa, *pb;

	ASSERT_EQ(0, csa_vm_bo_create(self->fd, BIG_SIZE, &a));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, BIG_SIZE, &b));
	pa = csa_vm_bo_map(self->fd, a, BIG_SIZE);
	pb = csa_vm_bo_map(self->fd, b, BIG_SIZE);
	ASSERT_NE(NULL, pa);
	ASSERT_NE(NULL, pb);
	for (size_t k = 0; k < BIG_SIZE / 4; k++) {
		pa[k] = (uint32_t)(k ^ 0x5a5a0000u);
		pb[k] = 0;
	}
	self->binds[0].handle = a;
	self->binds[1].handle = b;
	self->args.cmd.opcode = CSA_OP_COPY;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.src_slot = 0;
	self->args.cmd.size = BIG_SIZE;
	ASSERT_EQ(0, run(_metadata, self));
	ASSERT_EQ(0, memcmp(pa, pb, BIG_SIZE));
	munmap(pa, BIG_SIZE);
	munmap(pb, BIG_SIZE);
}

TEST_F(submit, userptr_source_and_destination)
{
	uint8_t *src, *dst;
	uint32_t hs, hd;

	ASSERT_EQ(0, posix_memalign((void **)&src, 4096, BO_SIZE));
	ASSERT_EQ(0, posix_memalign((void **)&dst, 4096, BO_SIZE));
	for (size_t k = 0; k < BO_SIZE; k++) {
		src[k] = (uint8_t)(k * 7 + 3);
		dst[k] = 0;
	}
	ASSERT_EQ(0, csa_vm_bo_userptr(self->fd, src, BO_SIZE,
				       DRM_CSA_USERPTR_READ_ONLY, &hs));
	ASSERT_EQ(0, csa_vm_bo_userptr(self->fd, dst, BO_SIZE, 0, &hd));

	/* userptr -> BO */
	self->binds[0].handle = hs;
	self->binds[0].access = DRM_CSA_ACCESS_READ;
	self->args.cmd.opcode = CSA_OP_COPY;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.src_slot = 0;
	self->args.cmd.size = BO_SIZE;
	ASSERT_EQ(0, run(_metadata, self));
	ASSERT_EQ(0, memcmp(src, self->map[1], BO_SIZE));

	/* BO -> userptr */
	self->binds[0].handle = hd;
	self->binds[0].access = DRM_CSA_ACCESS_WRITE;
	self->args.cmd.dst_slot = 0;
	self->args.cmd.src_slot = 1;
	ASSERT_EQ(0, run(_metadata, self));
	ASSERT_EQ(0, memcmp(src, dst, BO_SIZE));

	csa_vm_gem_close(self->fd, hs);
	csa_vm_gem_close(self->fd, hd);
	free(src);
	free(dst);
}

TEST_F(submit, write_value)
{
	uint64_t v;

	self->args.cmd.opcode = CSA_OP_WRITE_VALUE;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.dst_offset = 24;
	self->args.cmd.value = 0x0123456789abcdefull;
	ASSERT_EQ(0, run(_metadata, self));
	memcpy(&v, (char *)self->map[1] + 24, 8);
	ASSERT_EQ(0x0123456789abcdefull, v);
	ASSERT_TRUE(guard_intact(self->map[1], 0, 24));
	ASSERT_TRUE(guard_intact(self->map[1], 32, BO_SIZE));
}

TEST_F(submit, timestamps_increase)
{
	uint64_t t0, t1;

	self->args.cmd.opcode = CSA_OP_TIMESTAMP;
	self->args.cmd.dst_slot = 1;
	ASSERT_EQ(0, run(_metadata, self));
	self->args.cmd.dst_offset = 8;
	ASSERT_EQ(0, run(_metadata, self));
	memcpy(&t0, self->map[1], 8);
	memcpy(&t1, (char *)self->map[1] + 8, 8);
	ASSERT_NE(0u, t0);
	ASSERT_LT(t0, t1);
}

TEST_F(submit, status_record_of_success)
{
	struct csa_cpl cpl;

	self->args.cmd.flags = DRM_CSA_CMD_STATUS;
	self->args.cmd.status_slot = 1;
	self->args.cmd.status_offset = 256;
	ASSERT_EQ(0, run(_metadata, self));
	memcpy(&cpl, (char *)self->map[1] + 256, sizeof(cpl));
	ASSERT_EQ((uint32_t)CSA_STATUS_OK, cpl.status);
	ASSERT_EQ(0u, cpl.detail);
	ASSERT_NE(0u, cpl.seqno);
	/* 32 cycles a descriptor + 4096 bytes at 64 bytes a cycle */
	ASSERT_EQ(32u + 4096 / 64, cpl.cycles);
	ASSERT_NE(0u, cpl.timestamp);
	ASSERT_TRUE(guard_intact(self->map[1], 0, 256));
	ASSERT_TRUE(guard_intact(self->map[1], 256 + 32, BO_SIZE));
}

TEST_F(submit, status_record_of_failure)
{
	struct csa_cpl cpl;

	self->args.cmd.dst_offset = BO_SIZE - 4;	/* 4 KiB from there: OOB */
	self->args.cmd.flags = DRM_CSA_CMD_STATUS;
	self->args.cmd.status_slot = 1;
	ASSERT_EQ(-EFAULT, run(_metadata, self));
	memcpy(&cpl, self->map[1], sizeof(cpl));
	ASSERT_EQ((uint32_t)CSA_STATUS_OUT_OF_BOUNDS, cpl.status);
	ASSERT_EQ(0u, cpl.detail);	/* the dst operand */
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
}

/* What the card refuses: error, untouched memory, queue keeps working */

static void next_job_works(struct __test_metadata *_metadata,
			   FIXTURE_DATA(submit) *self)
{
	struct drm_csa_cmd fill = {
		.opcode = CSA_OP_FILL,
		.size = 64,
		.value = 0x600dcafe,
	};

	self->binds[0].access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;
	self->args.num_binds = 2;
	self->args.cmd = fill;
	ASSERT_EQ(0, run(_metadata, self));
	ASSERT_EQ(0x600dcafeu, self->map[0][0]);
	ASSERT_EQ(0x600dcafeu, self->map[0][15]);
	ASSERT_EQ(GUARD, self->map[0][16]);
}

TEST_F(submit, card_rejects_out_of_bounds_efault)
{
	self->args.cmd.dst_offset = BO_SIZE - 8;
	self->args.cmd.size = 16;
	ASSERT_EQ(-EFAULT, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	ASSERT_TRUE(guard_intact(self->map[1], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_huge_offset_efault)
{
	self->args.cmd.dst_offset = (1ull << 48) - 4;
	self->args.cmd.size = 8;
	ASSERT_EQ(-EFAULT, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_copy_source_out_of_bounds_efault)
{
	self->args.cmd.opcode = CSA_OP_COPY;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.src_slot = 0;
	self->args.cmd.src_offset = 4096;
	self->args.cmd.size = BO_SIZE;
	ASSERT_EQ(-EFAULT, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[1], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_bad_slot_efault)
{
	self->args.cmd.dst_slot = 2;
	ASSERT_EQ(-EFAULT, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	ASSERT_TRUE(guard_intact(self->map[1], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

/* A slot number beyond the operand's 16 bits must not alias slot 0. */
TEST_F(submit, card_rejects_slot_beyond_16_bits_efault)
{
	self->args.cmd.dst_slot = 0x10000;
	ASSERT_EQ(-EFAULT, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_write_to_read_slot_eacces)
{
	self->binds[0].access = DRM_CSA_ACCESS_READ;
	ASSERT_EQ(-EACCES, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_read_of_write_slot_eacces)
{
	self->binds[0].access = DRM_CSA_ACCESS_WRITE;
	self->args.cmd.opcode = CSA_OP_COPY;
	self->args.cmd.dst_slot = 1;
	self->args.cmd.src_slot = 0;
	ASSERT_EQ(-EACCES, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[1], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_unknown_opcode_einval)
{
	self->args.cmd.opcode = 0x77;
	ASSERT_EQ(-EINVAL, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_F(submit, card_rejects_unaligned_fill_einval)
{
	self->args.cmd.size = 6;
	ASSERT_EQ(-EINVAL, run(_metadata, self));
	ASSERT_TRUE(guard_intact(self->map[0], 0, BO_SIZE));
	next_job_works(_metadata, self);
}

TEST_HARNESS_MAIN

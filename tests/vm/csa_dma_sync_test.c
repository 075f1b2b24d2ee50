// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DMA syncs happen when the card starts and finishes a job, not at SUBMIT.
 * A job waiting for an in-fence reads what the CPU wrote after SUBMIT and
 * before the in-fence signalled; what the card wrote is readable right
 * after the fence, without BO_WAIT.  On a cache-coherent host without
 * bounce buffers every order looks right, so make check also runs this
 * suite in a VM booted with swiotlb=force (tests/tests.mk): every mapping
 * then goes through bounce buffers that only the syncs fill and drain.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		60000
#define SIZE		(64 * 1024)

FIXTURE(dma_sync) {
	int fd;
	uint32_t blocker, gate, q;	/* contexts: the hang, the gate job, the test job */
	uint32_t gate_so, so;
};

static const struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
static const struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };

FIXTURE_SETUP(dma_sync)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	int r;

	self->fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 1, DRM_CSA_PRIORITY_NORMAL, &self->blocker));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 1, DRM_CSA_PRIORITY_NORMAL, &self->gate));
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->q));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &self->gate_so));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &self->so));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q, &dmaerr, NULL, 0, self->so));
	r = csa_vm_job_result(self->fd, self->so, WAIT_MS);
	if (r == -EINVAL)
		SKIP(return, "card without debug-ops");
	ASSERT_EQ(-EIO, r);
}

FIXTURE_TEARDOWN(dma_sync)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A gate fence that signals OK only after the driver's job timeout: a NOP
 * of its own context behind another context's hang on hardware queue 1
 * (the reset runs the NOP again).  The card holds it, no timer races.
 */
static void make_gate(struct __test_metadata *_metadata, FIXTURE_DATA(dma_sync) *self)
{
	ASSERT_EQ(0, csa_vm_job(self->fd, self->blocker, &hang, NULL, 0, 0));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->gate, &nop, NULL, 0, self->gate_so));
}

static void fill(volatile uint8_t *p, uint8_t v)
{
	for (size_t i = 0; i < SIZE; i++)
		p[i] = v + (uint8_t)i;
}

static size_t first_mismatch(const volatile uint8_t *p, uint8_t v)
{
	for (size_t i = 0; i < SIZE; i++)
		if (p[i] != (uint8_t)(v + (uint8_t)i))
			return i;
	return SIZE;
}

/* shmem BOs: source written after SUBMIT, copy read without BO_WAIT */
TEST_F_TIMEOUT(dma_sync, shmem_write_after_submit_reaches_card, 60)
{
	struct drm_csa_bind binds[2];
	struct drm_csa_cmd copy = { .opcode = CSA_OP_COPY, .dst_slot = 1, .size = SIZE };
	volatile uint8_t *src, *dst;
	uint32_t bo[2];
	size_t bad;

	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, csa_vm_bo_create(self->fd, SIZE, &bo[i]));
		binds[i].handle = bo[i];
	}
	binds[0].access = DRM_CSA_ACCESS_READ;
	binds[1].access = DRM_CSA_ACCESS_WRITE;
	src = csa_vm_bo_map(self->fd, bo[0], SIZE);
	dst = csa_vm_bo_map(self->fd, bo[1], SIZE);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	fill(src, 1);
	memset((void *)dst, 0, SIZE);

	make_gate(_metadata, self);
	ASSERT_EQ(0, csa_vm_job_after(self->fd, self->q, &copy, binds, 2, self->gate_so, self->so));
	fill(src, 7);		/* the job has not started: it must see this */
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->gate_so, WAIT_MS));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	bad = first_mismatch(dst, 7);
	ASSERT_EQ((size_t)SIZE, bad) TH_LOG("byte %zu is 0x%02x: the card copied %s", bad,
					    dst[bad], dst[bad] == (uint8_t)(1 + bad) ?
					    "the data as of SUBMIT" : "something else");
}

/* userptr: the same through the caller's own pages */
TEST_F_TIMEOUT(dma_sync, userptr_write_after_submit_reaches_card, 60)
{
	struct drm_csa_bind binds[2];
	struct drm_csa_cmd copy = { .opcode = CSA_OP_COPY, .dst_slot = 1, .size = SIZE };
	uint8_t *mem;
	size_t bad;

	mem = mmap(NULL, 2 * SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	fill(mem, 1);
	memset(mem + SIZE, 0, SIZE);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, csa_vm_bo_userptr(self->fd, mem + i * SIZE, SIZE, 0, &binds[i].handle));
	binds[0].access = DRM_CSA_ACCESS_READ;
	binds[1].access = DRM_CSA_ACCESS_WRITE;

	make_gate(_metadata, self);
	ASSERT_EQ(0, csa_vm_job_after(self->fd, self->q, &copy, binds, 2, self->gate_so, self->so));
	fill(mem, 9);
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	bad = first_mismatch(mem + SIZE, 9);
	ASSERT_EQ((size_t)SIZE, bad) TH_LOG("byte %zu is 0x%02x", bad, mem[SIZE + bad]);
	munmap(mem, 2 * SIZE);
}

/* Bounce-buffer slots in use (swiotlb debugfs), or -1. */
static long tlb_used(void)
{
	uint64_t v;

	return csa_vm_read_u64("/sys/kernel/debug/swiotlb/io_tlb_used", &v) ? -1 : (long)v;
}

/*
 * Unbind with a file open that holds a mapped shmem BO, a userptr BO and a
 * job still queued in the scheduler (behind a full ring): every DMA
 * mapping of the device is gone after the unbind, although the objects
 * live on.  Bounce-buffer slots show mappings; only with swiotlb=force
 * does every mapping take some, so the plain boot skips.
 */
TEST_F_TIMEOUT(dma_sync, unbind_unmaps_everything, 120)
{
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	struct drm_csa_bind binds[2];
	struct drm_csa_cmd copy = { .opcode = CSA_OP_COPY, .dst_slot = 1, .size = SIZE };
	long used0 = tlb_used(), used1, used2;
	char path[96];
	uint8_t *mem;
	uint32_t bo;

	ASSERT_LT(0, csa_vm_cards(card, CSA_VM_MAX_CARDS));
	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, SIZE, &bo));
	ASSERT_EQ(0, csa_vm_bo_userptr(self->fd, mem, SIZE, 0, &binds[1].handle));
	binds[0].handle = bo;
	binds[0].access = DRM_CSA_ACCESS_READ;
	binds[1].access = DRM_CSA_ACCESS_WRITE;
	/* map the shmem BO: one job that runs */
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q, &copy, binds, 2, self->so));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, self->so, WAIT_MS));
	/* a hang, the ring full behind it, and one more job that must wait */
	ASSERT_EQ(0, csa_vm_job(self->fd, self->blocker, &hang, NULL, 0, 0));
	for (int i = 0; i < 40; i++)
		ASSERT_EQ(0, csa_vm_job(self->fd, self->gate, &copy, binds, 2, 0));

	used1 = tlb_used();
	if (used0 < 0 || used1 <= used0)
		SKIP(return, "no bounce buffers in use (boot with swiotlb=force)");
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/csa/unbind");
	ASSERT_EQ(0, csa_vm_write_file(path, card[0].addr));
	used2 = tlb_used();
	EXPECT_EQ(used0, used2) TH_LOG("%ld bounce slots still mapped after the unbind (%ld before it)",
				       used2 - used0, used1 - used0);
	close(self->fd);
	self->fd = -1;
	munmap(mem, SIZE);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/csa/bind");
	ASSERT_EQ(0, csa_vm_write_file(path, card[0].addr));
	EXPECT_EQ(used0, tlb_used());
}

TEST_HARNESS_MAIN

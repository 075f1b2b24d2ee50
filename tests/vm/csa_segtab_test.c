// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Segment tables (driver/csa_segtab.c): a buffer's table of DMA segments
 * is built once per object as a chain of 4 KiB blocks that the card
 * follows through link entries, and a job's own DMA memory is one
 * fixed-size block of the device's "csa-bind" pool, whatever it binds.
 *  - a userptr buffer of 8192 separately allocated pages (thousands of
 *    segments, dozens of chained blocks) copies correctly both ways, on
 *    every card;
 *  - jobs held behind a hang use exactly one pool block each (read from
 *    the device's sysfs "pools"), and the blocks come back when they end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		60000
#define NPAGES		8192

FIXTURE(segtab) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
	long pg;
};

FIXTURE_SETUP(segtab)
{
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n);
	self->pg = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(segtab)
{
}

/* Blocks in use of the device's csa-bind pool (sysfs "pools"), or -1. */
static long bind_pool_in_use(const char *addr)
{
	char path[96], line[128];
	long used = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/pools", addr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "csa-bind", 8))
			used = strtol(line + 8, NULL, 10);
	fclose(f);
	return used;
}

/*
 * n pages faulted in alternately with the pages of a second mapping that
 * is then dropped: neighbours in the buffer are (almost) never physically
 * adjacent, so the buffer has about one DMA segment per page.
 */
static uint8_t *scattered_pages(long pg, size_t n)
{
	uint8_t *mem = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *other = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED || other == MAP_FAILED)
		return NULL;
	madvise(mem, n * pg, MADV_NOHUGEPAGE);
	madvise(other, n * pg, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i++) {
		mem[i * pg] = 1;
		other[i * pg] = 1;
	}
	munmap(other, n * pg);
	return mem;
}

TEST_F_TIMEOUT(segtab, scattered_userptr_copies_through_chained_tables, 120)
{
	const size_t size = (size_t)NPAGES * self->pg;

	for (int c = 0; c < self->n; c++) {
		struct drm_csa_cmd copy = { .opcode = CSA_OP_COPY, .dst_slot = 1, .size = size };
		struct drm_csa_bind binds[2];
		uint8_t *src = scattered_pages(self->pg, NPAGES);
		uint8_t *dst = scattered_pages(self->pg, NPAGES);
		uint32_t q, so;
		size_t bad = size;
		int fd = csa_vm_open_render(self->card[c].addr);

		ASSERT_LE(0, fd);
		ASSERT_NE(NULL, src);
		ASSERT_NE(NULL, dst);
		for (size_t i = 0; i < size; i++)
			src[i] = (uint8_t)(i * 7 + i / 4096);
		memset(dst, 0, size);
		ASSERT_EQ(0, csa_vm_bo_userptr(fd, src, size, 0, &binds[0].handle));
		ASSERT_EQ(0, csa_vm_bo_userptr(fd, dst, size, 0, &binds[1].handle));
		binds[0].access = DRM_CSA_ACCESS_READ;
		/* the overlapping copy below reads it too */
		binds[1].access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;
		ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
		ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so));
		ASSERT_EQ(0, csa_vm_job(fd, q, &copy, binds, 2, so));
		ASSERT_EQ(0, csa_vm_job_result(fd, so, WAIT_MS)) TH_LOG("card %d", c);
		for (size_t i = 0; i < size; i++) {
			if (dst[i] != (uint8_t)(i * 7 + i / 4096)) {
				bad = i;
				break;
			}
		}
		EXPECT_EQ(size, bad) TH_LOG("card %d: byte %zu (page %zu) wrong", c, bad,
					    bad / self->pg);
		/* backward: a COPY inside the destination walks its table back */
		copy.src_slot = 1;
		copy.dst_offset = self->pg + 3;
		copy.size = size - 2 * self->pg;
		ASSERT_EQ(0, csa_vm_job(fd, q, &copy, binds, 2, so));
		ASSERT_EQ(0, csa_vm_job_result(fd, so, WAIT_MS));
		for (size_t i = 0; i < copy.size; i++) {
			if (dst[self->pg + 3 + i] != (uint8_t)(i * 7 + i / 4096)) {
				bad = i;
				break;
			}
		}
		EXPECT_EQ(size, bad) TH_LOG("card %d: overlapping copy, byte %zu", c, bad);
		close(fd);
		munmap(src, size);
		munmap(dst, size);
	}
}

TEST_F_TIMEOUT(segtab, job_memory_is_one_pool_block, 120)
{
	const char *addr = self->card[0].addr;
	struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };
	struct drm_csa_cmd fill = { .opcode = CSA_OP_FILL, .size = 4096 };
	struct drm_csa_bind binds[8];
	uint32_t h, q, so;
	long before, held;
	int fd = csa_vm_open_render(addr);

	ASSERT_LE(0, fd);
	before = bind_pool_in_use(addr);
	ASSERT_LE(0, before) TH_LOG("no csa-bind pool in %s's sysfs pools", addr);
	for (int i = 0; i < 8; i++) {
		/* from one page to 8 MiB: the job's own memory does not grow */
		ASSERT_EQ(0, csa_vm_bo_create(fd, 4096ull << (i + 3), &binds[i].handle));
		binds[i].access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;
	}
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &h));
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so));
	ASSERT_EQ(0, csa_vm_job(fd, h, &hang, NULL, 0, 0));
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(0, csa_vm_job(fd, q, &fill, binds, 8, so));
	held = bind_pool_in_use(addr);
	EXPECT_EQ(before + 10, held) TH_LOG("10 jobs of 8 buffers: %ld blocks", held - before);
	ASSERT_EQ(0, csa_vm_job_result(fd, so, WAIT_MS));
	close(fd);
	/* freed with the jobs, shortly after their fences */
	for (int i = 0; i < 500 && bind_pool_in_use(addr) != before; i++)
		usleep(10000);
	EXPECT_EQ(before, bind_pool_in_use(addr));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libcsa buffer API on every card: create, map, info, PRIME export and
 * import, wait, userptr (read/write and read-only), size limits.  Each
 * test skips, saying so, while the driver lacks DRM_CSA_FEATURE_BO (or
 * _USERPTR for the userptr tests).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa/csa.h"
#include "csa_vm.h"
#include "csa_lib_util.h"

FIXTURE(bo) {
	struct csa_device *dev[CSA_VM_MAX_CARDS];
	struct csa_info info[CSA_VM_MAX_CARDS];
	int n;
	long page;
	char skip[160];	/* why the suite cannot run, "" if it can */
};

FIXTURE_SETUP(bo)
{
	self->skip[0] = '\0';
	self->page = sysconf(_SC_PAGESIZE);
	self->n = csa_lib_open_cards(self->dev, self->info, self->skip, sizeof(self->skip));
	ASSERT_LT(0, self->n) TH_LOG("%s", self->skip);
	if (!(self->info[0].features & DRM_CSA_FEATURE_BO))
		snprintf(self->skip, sizeof(self->skip),
			 "the driver lacks DRM_CSA_FEATURE_BO (features %#llx)",
			 (unsigned long long)self->info[0].features);
}

FIXTURE_TEARDOWN(bo)
{
	for (int i = 0; i < self->n; i++)
		csa_close(self->dev[i]);
}

TEST_F(bo, create_map_write_read_on_every_card)
{
	SKIP_IF_UNABLE();
	for (int i = 0; i < self->n; i++) {
		struct csa_bo_info info;
		struct csa_bo *bo;
		unsigned char *p;
		void *again;

		ASSERT_EQ(0, csa_bo_create(self->dev[i], 3 * self->page + 5, 0, &bo))
			TH_LOG("card %d: %s", i, csa_last_error());
		EXPECT_EQ((uint64_t)4 * self->page, csa_bo_size(bo))
			TH_LOG("size not rounded up to pages");
		ASSERT_EQ(0, csa_bo_info(bo, &info)) TH_LOG("%s", csa_last_error());
		EXPECT_EQ(csa_bo_size(bo), info.size);
		EXPECT_EQ(csa_bo_handle(bo), info.handle);
		EXPECT_NE(0ull, info.mmap_offset) TH_LOG("a created BO must be mappable");
		EXPECT_EQ(0u, info.flags) TH_LOG("flags %#x on a plain BO", info.flags);
		ASSERT_EQ(0, csa_bo_map(bo, (void **)&p)) TH_LOG("%s", csa_last_error());
		ASSERT_EQ(0, csa_bo_map(bo, &again));
		EXPECT_EQ((void *)p, again) TH_LOG("second map gave another address");
		EXPECT_EQ(0, p[0]) TH_LOG("new BO memory is not zero");
		memset(p, 0x77, 4 * self->page);
		EXPECT_EQ(0x77, p[4 * self->page - 1]);
		EXPECT_EQ(0, csa_bo_wait(bo, 0, 0))
			TH_LOG("idle BO, polling wait: %s", csa_last_error());
		EXPECT_EQ(0, csa_bo_wait_timeout(bo, CSA_WAIT_READ, 1000000))
			TH_LOG("idle BO, read wait: %s", csa_last_error());
		csa_bo_free(bo);
	}
}

TEST_F(bo, zero_and_oversized_are_rejected)
{
	struct csa_limits lim;
	struct csa_bo *bo;

	SKIP_IF_UNABLE();
	EXPECT_EQ(-EINVAL, csa_bo_create(self->dev[0], 0, 0, &bo));
	ASSERT_EQ(0, csa_query_limits(self->dev[0], &lim)) TH_LOG("%s", csa_last_error());
	ASSERT_LT(0ull, lim.max_bo_size);
	EXPECT_EQ(-E2BIG, csa_bo_create(self->dev[0], lim.max_bo_size + self->page, 0, &bo))
		TH_LOG("BO above MAX_BO_SIZE %llu: %s",
		       (unsigned long long)lim.max_bo_size, csa_last_error());
	EXPECT_EQ(NULL, bo);
}

TEST_F(bo, export_import_same_device_is_the_same_bo)
{
	struct csa_bo *bo, *imported;
	unsigned char *p, *q;
	int fd;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_bo_create(self->dev[0], self->page, 0, &bo))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_export(bo, &fd)) TH_LOG("%s", csa_last_error());
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_bo_import(self->dev[0], fd, &imported)) TH_LOG("%s", csa_last_error());
	close(fd);
	EXPECT_EQ(bo, imported) TH_LOG("same handle, different struct csa_bo");
	ASSERT_EQ(0, csa_bo_map(bo, (void **)&p));
	p[7] = 42;
	csa_bo_free(imported);		/* one reference left */
	ASSERT_EQ(0, csa_bo_map(bo, (void **)&q));
	EXPECT_EQ(42, q[7]);
	csa_bo_free(bo);
}

TEST_F(bo, export_to_the_other_card_shares_pages)
{
	struct csa_bo *bo, *imported;
	struct csa_bo_info info;
	unsigned char *p;
	int fd;

	SKIP_IF_UNABLE();
	if (self->n < 2)
		SKIP(return, "needs two cards");
	ASSERT_EQ(0, csa_bo_create(self->dev[0], 2 * self->page, 0, &bo))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_map(bo, (void **)&p));
	memset(p, 0x19, 2 * self->page);
	ASSERT_EQ(0, csa_bo_export(bo, &fd)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_import(self->dev[1], fd, &imported))
		TH_LOG("import into card 1: %s", csa_last_error());
	close(fd);
	EXPECT_EQ((uint64_t)2 * self->page, csa_bo_size(imported));
	ASSERT_EQ(0, csa_bo_info(imported, &info)) TH_LOG("%s", csa_last_error());
	EXPECT_TRUE((info.flags & DRM_CSA_BO_FLAG_IMPORTED) != 0)
		TH_LOG("imported BO flags %#x lack IMPORTED", info.flags);
	csa_bo_free(imported);
	csa_bo_free(bo);
}

TEST_F(bo, import_of_a_non_dmabuf_fails)
{
	struct csa_bo *bo;
	int fd = csa_fd(self->dev[0]);

	SKIP_IF_UNABLE();
	EXPECT_GT(0, csa_bo_import(self->dev[0], fd, &bo))
		TH_LOG("a DRM fd was imported as a dma-buf");
	EXPECT_EQ(NULL, bo);
}

TEST_F(bo, userptr_wraps_host_memory)
{
	struct csa_bo_info info;
	struct csa_bo *bo, *ro;
	void *mem, *p;

	SKIP_IF_UNABLE();
	if (!(self->info[0].features & DRM_CSA_FEATURE_USERPTR))
		SKIP(return, "the driver lacks DRM_CSA_FEATURE_USERPTR");
	ASSERT_EQ(0, csa_host_alloc(self->dev[0], 4 * self->page, &mem));
	ASSERT_EQ(0, csa_bo_userptr(self->dev[0], mem, 4 * self->page, 0, &bo))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_map(bo, &p));
	EXPECT_EQ(mem, p) TH_LOG("userptr map is not the user's memory");
	ASSERT_EQ(0, csa_bo_info(bo, &info)) TH_LOG("%s", csa_last_error());
	EXPECT_TRUE((info.flags & DRM_CSA_BO_FLAG_USERPTR) != 0);
	EXPECT_FALSE((info.flags & DRM_CSA_BO_FLAG_READ_ONLY) != 0);
	csa_bo_free(bo);

	ASSERT_EQ(0, csa_bo_userptr(self->dev[0], mem, 4 * self->page,
				    CSA_USERPTR_READ_ONLY, &ro))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_bo_info(ro, &info));
	EXPECT_TRUE((info.flags & DRM_CSA_BO_FLAG_READ_ONLY) != 0)
		TH_LOG("READ_ONLY userptr flags %#x", info.flags);
	csa_bo_free(ro);
	csa_host_free(mem, 4 * self->page);
}

TEST_F(bo, userptr_of_read_only_memory_needs_the_flag)
{
	struct csa_bo *bo;
	void *mem;

	SKIP_IF_UNABLE();
	if (!(self->info[0].features & DRM_CSA_FEATURE_USERPTR))
		SKIP(return, "the driver lacks DRM_CSA_FEATURE_USERPTR");
	mem = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_EQ(-EFAULT, csa_bo_userptr(self->dev[0], mem, self->page, 0, &bo))
		TH_LOG("writable userptr of PROT_READ memory: %s", csa_last_error());
	EXPECT_EQ(0, csa_bo_userptr(self->dev[0], mem, self->page,
				    CSA_USERPTR_READ_ONLY, &bo))
		TH_LOG("%s", csa_last_error());
	csa_bo_free(bo);
	munmap(mem, self->page);
}

TEST_HARNESS_MAIN

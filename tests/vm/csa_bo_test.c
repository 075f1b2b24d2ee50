// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * GEM shmem buffer objects: BO_CREATE / BO_INFO / BO_WAIT with every
 * invalid input and its exact errno, mmap through the fake offset, handle
 * isolation between files and processes, and the debugfs BO count
 * returning to its baseline after close, munmap and kill -9.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "csa_bo_util.h"

FIXTURE(bo) {
	int kmsg;		/* kernel log since setup */
	int fd;
	uint64_t max;
	uint64_t pg;
};

FIXTURE_SETUP(bo)
{
	self->kmsg = csa_vm_kmsg_open();
	self->fd = open_card(0);
	ASSERT_LE(0, self->fd) TH_LOG("open render node: %s", strerror(-self->fd));
	self->max = max_bo_size(self->fd);
	self->pg = page_size();
}

FIXTURE_TEARDOWN(bo)
{
	if (self->fd >= 0)
		close(self->fd);
	expect_kmsg_clean(_metadata, self->kmsg);
}

TEST_F(bo, features_and_max_size)
{
	uint64_t features = 0;

	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_FEATURES, 0, 0,
				      &features));
	EXPECT_TRUE(!!(features & DRM_CSA_FEATURE_BO));
	EXPECT_TRUE(!!(features & DRM_CSA_FEATURE_USERPTR));
	ASSERT_NE(0ull, self->max);
	EXPECT_EQ(0ull, self->max % self->pg);
	EXPECT_GE(4ull << 30, self->max);
}

TEST_F(bo, create_rounds_size_and_info_reports_it)
{
	const uint64_t pg = self->pg;
	const uint64_t sizes[][2] = {
		{ 1, pg }, { pg - 1, pg }, { pg, pg }, { pg + 1, 2 * pg },
		{ 3 * pg + 5, 4 * pg }, { 1 << 20, 1 << 20 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct drm_csa_bo_info info;
		uint64_t size = 0;
		uint32_t h = 0;

		ASSERT_EQ(0, bo_create(self->fd, sizes[i][0], 0, &h, &size))
			TH_LOG("size %llu", (unsigned long long)sizes[i][0]);
		EXPECT_NE(0u, h);
		EXPECT_EQ(sizes[i][1], size);
		ASSERT_EQ(0, bo_info(self->fd, h, &info));
		EXPECT_EQ(sizes[i][1], info.size);
		EXPECT_NE(0ull, info.mmap_offset);
		EXPECT_EQ(0ull, info.mmap_offset % pg);
		EXPECT_EQ(0u, info.bo_flags);
		EXPECT_EQ(0u, info.pad);
		EXPECT_EQ(0, gem_close(self->fd, h));
	}
}

TEST_F(bo, create_zero_size_is_einval)
{
	uint32_t h = 0xdead;

	EXPECT_EQ(-EINVAL, bo_create(self->fd, 0, 0, &h, NULL));
	EXPECT_EQ(0xdeadu, h);
}

TEST_F(bo, create_too_large_is_e2big)
{
	const uint64_t sizes[] = { self->max + 1, self->max + self->pg,
				   1ull << 40, ~0ull - self->pg + 2, ~0ull };
	uint32_t h = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		EXPECT_EQ(-E2BIG, bo_create(self->fd, sizes[i], 0, &h, NULL))
			TH_LOG("size 0x%llx", (unsigned long long)sizes[i]);
	}
	/* the maximum itself is fine: pages come on first use */
	ASSERT_EQ(0, bo_create(self->fd, self->max, 0, &h, NULL));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(bo, create_unknown_flag_is_einval)
{
	for (int bit = 0; bit < 32; bit++) {
		uint32_t h = 0;

		EXPECT_EQ(-EINVAL, bo_create(self->fd, self->pg, 1u << bit, &h, NULL))
			TH_LOG("flag bit %d", bit);
	}
}

TEST_F(bo, info_bad_input)
{
	struct drm_csa_bo_info info;
	uint32_t h = 0;

	EXPECT_EQ(-ENOENT, bo_info(self->fd, 0, &info));
	EXPECT_EQ(-ENOENT, bo_info(self->fd, 12345, &info));
	EXPECT_EQ(-ENOENT, bo_info(self->fd, ~0u, &info));
	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	for (int bit = 0; bit < 32; bit++) {
		struct drm_csa_bo_info i = { .handle = h, .flags = 1u << bit };

		EXPECT_EQ(-EINVAL, bo_info_raw(self->fd, &i)) TH_LOG("flag bit %d", bit);
		i.flags = 0;
		i.pad = 1u << bit;
		EXPECT_EQ(-EINVAL, bo_info_raw(self->fd, &i)) TH_LOG("pad bit %d", bit);
	}
	EXPECT_EQ(0, gem_close(self->fd, h));
	/* a closed handle is gone */
	EXPECT_EQ(-ENOENT, bo_info(self->fd, h, &info));
	EXPECT_EQ(-ENOENT, bo_wait(self->fd, h, 0, 0));
}

static uint32_t pattern(uint64_t i)
{
	return (uint32_t)(i * 2654435761u) ^ 0x5a5a1234u;
}

TEST_F(bo, mmap_write_read_round_trip)
{
	const uint64_t size = 3 * self->pg + 100;
	struct drm_csa_bo_info info;
	uint64_t rsize = 0;
	uint32_t *a, *b, h = 0;

	ASSERT_EQ(0, bo_create(self->fd, size, 0, &h, &rsize));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	a = mmap(NULL, rsize, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 info.mmap_offset);
	ASSERT_NE(MAP_FAILED, a) TH_LOG("mmap: %s", strerror(errno));
	/* new objects read as zero */
	for (uint64_t i = 0; i < rsize / 4; i++) {
		ASSERT_EQ(0u, a[i]) TH_LOG("word %llu", (unsigned long long)i);
	}
	for (uint64_t i = 0; i < rsize / 4; i++)
		a[i] = pattern(i);
	ASSERT_EQ(0, munmap(a, rsize));

	/* a new mapping sees what the old one wrote */
	b = mmap(NULL, rsize, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, b) TH_LOG("mmap: %s", strerror(errno));
	for (uint64_t i = 0; i < rsize / 4; i++) {
		ASSERT_EQ(pattern(i), b[i]) TH_LOG("word %llu", (unsigned long long)i);
	}

	/* two live mappings share the pages */
	a = mmap(NULL, rsize, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 info.mmap_offset);
	ASSERT_NE(MAP_FAILED, a);
	a[7] = 0xc0ffee;
	EXPECT_EQ(0xc0ffeeu, b[7]);
	munmap(a, rsize);
	munmap(b, rsize);
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(bo, mmap_bad_requests)
{
	struct drm_csa_bo_info info;
	uint32_t h = 0;
	void *p;

	ASSERT_EQ(0, bo_create(self->fd, 2 * self->pg, 0, &h, NULL));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	/* larger than the object */
	p = mmap(NULL, 3 * self->pg, PROT_READ, MAP_SHARED, self->fd,
		 info.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* copy-on-write mappings of device memory are refused */
	p = mmap(NULL, 2 * self->pg, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->fd, info.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* an offset no object has */
	p = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, gem_close(self->fd, h));
	/* the offset of a closed object is gone */
	p = mmap(NULL, 2 * self->pg, PROT_READ, MAP_SHARED, self->fd,
		 info.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(bo, wait_idle_returns_at_once)
{
	const int64_t now = mono_ns();
	const int64_t deadlines[] = { 0, -1, INT64_MIN, now - 1000000000ll, now,
				      now + 10000000000ll, INT64_MAX };
	uint32_t h = 0;

	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	for (size_t i = 0; i < sizeof(deadlines) / sizeof(deadlines[0]); i++) {
		int64_t t0 = mono_ns();

		EXPECT_EQ(0, bo_wait(self->fd, h, 0, deadlines[i]))
			TH_LOG("deadline %lld", (long long)deadlines[i]);
		EXPECT_EQ(0, bo_wait(self->fd, h, DRM_CSA_BO_WAIT_READ, deadlines[i]));
		/* idle: no sleeping, even with a far deadline */
		EXPECT_GT(1000000000ll, mono_ns() - t0);
	}
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(bo, wait_bad_input)
{
	uint32_t h = 0;

	EXPECT_EQ(-ENOENT, bo_wait(self->fd, 0, 0, 0));
	EXPECT_EQ(-ENOENT, bo_wait(self->fd, 777, DRM_CSA_BO_WAIT_READ, 0));
	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	for (int bit = 1; bit < 32; bit++) {
		EXPECT_EQ(-EINVAL, bo_wait(self->fd, h, 1u << bit, 0))
			TH_LOG("flag bit %d", bit);
	}
	/* flags are checked before the handle */
	EXPECT_EQ(-EINVAL, bo_wait(self->fd, 777, 1u << 31, 0));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

/* What another file (same or other process) can do with @h / @offset. */
static int foreign_access(int fd, uint32_t h, uint64_t offset, uint64_t size,
			  int *mmap_errno)
{
	struct drm_csa_bo_info info;
	int ret;
	void *p;

	ret = bo_info(fd, h, &info);
	if (ret != -ENOENT)
		return 1;
	if (bo_wait(fd, h, 0, 0) != -ENOENT)
		return 2;
	if (gem_close(fd, h) != -EINVAL)	/* DRM core: unknown handle */
		return 3;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, offset);
	if (p != MAP_FAILED) {
		munmap(p, size);
		return 4;
	}
	*mmap_errno = errno;
	return 0;
}

TEST_F(bo, handles_are_per_file)
{
	struct drm_csa_bo_info info;
	int fd2, merr = 0;
	uint32_t h = 0, h2 = 0;

	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	fd2 = open_card(0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, foreign_access(fd2, h, info.mmap_offset, self->pg, &merr));
	EXPECT_EQ(EACCES, merr) TH_LOG("mmap of another file's offset: %s",
				       strerror(merr));
	/* the second file's own objects do not disturb the first's */
	ASSERT_EQ(0, bo_create(fd2, 2 * self->pg, 0, &h2, NULL));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	EXPECT_EQ(self->pg, (uint64_t)info.size);
	close(fd2);
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(bo, handles_are_per_file_across_fork)
{
	struct drm_csa_bo_info info;
	int status, pipefd[2];
	uint32_t h = 0;
	pid_t pid;

	ASSERT_EQ(0, bo_create(self->fd, self->pg, 0, &h, NULL));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int merr = 0, fd = open_card(0), ret;

		if (fd < 0)
			_exit(10);
		ret = foreign_access(fd, h, info.mmap_offset, self->pg, &merr);
		if (write(pipefd[1], &merr, sizeof(merr)) != sizeof(merr))
			_exit(11);
		_exit(ret);
	}
	close(pipefd[1]);
	status = reap(pid);
	EXPECT_EQ(0, status) TH_LOG("child step %d failed", status);
	{
		int merr = 0;

		ASSERT_EQ((ssize_t)sizeof(merr), read(pipefd[0], &merr, sizeof(merr)));
		EXPECT_EQ(EACCES, merr) TH_LOG("child mmap: %s", strerror(merr));
	}
	close(pipefd[0]);
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(bo, debugfs_count_returns_to_baseline_after_close)
{
	int64_t c0 = 0, b0 = 0, c = 0, b = 0;
	uint32_t h[3] = { 0 };
	int fd;

	ASSERT_EQ(0, csa_bos(self->fd, &c0, &b0)) TH_LOG("debugfs csa_bos missing");
	fd = open_card(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bo_create(fd, 1, 0, &h[0], NULL));
	ASSERT_EQ(0, bo_create(fd, 2 * self->pg, 0, &h[1], NULL));
	ASSERT_EQ(0, bo_create(fd, 5 * self->pg - 3, 0, &h[2], NULL));
	ASSERT_EQ(0, csa_bos(fd, &c, &b));
	EXPECT_EQ(c0 + 3, c);
	EXPECT_EQ(b0 + (int64_t)(8 * self->pg), b);
	EXPECT_EQ(0, gem_close(fd, h[1]));
	ASSERT_EQ(0, csa_bos(fd, &c, &b));
	EXPECT_EQ(c0 + 2, c);
	EXPECT_EQ(b0 + (int64_t)(6 * self->pg), b);
	close(fd);
	ASSERT_EQ(0, csa_bos(self->fd, &c, &b));
	EXPECT_EQ(c0, c);
	EXPECT_EQ(b0, b);
}

TEST_F(bo, mapping_keeps_object_alive_after_close)
{
	struct drm_csa_bo_info info;
	int64_t c0 = 0, c = 0;
	uint32_t h = 0, *p;
	int fd;

	ASSERT_EQ(0, csa_bos(self->fd, &c0, NULL));
	fd = open_card(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bo_create(fd, self->pg, 0, &h, NULL));
	ASSERT_EQ(0, bo_info(fd, h, &info));
	p = mmap(NULL, self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	/* the mapping holds the object: still usable, still counted */
	p[0] = 42;
	EXPECT_EQ(42u, p[0]);
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0 + 1, c);
	munmap(p, self->pg);
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0, c);
}

TEST_F(bo, debugfs_count_returns_to_baseline_after_kill)
{
	int64_t c0 = 0, c = 0;
	int ready[2];
	pid_t pid;

	ASSERT_EQ(0, csa_bos(self->fd, &c0, NULL));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct drm_csa_bo_info info;
		int fd = open_card(0);
		uint32_t h = 0;
		char *p;

		if (fd < 0)
			_exit(1);
		for (int i = 0; i < 4; i++)
			if (bo_create(fd, (i + 1) * self->pg, 0, &h, NULL))
				_exit(2);
		if (bo_info(fd, h, &info))
			_exit(3);
		p = mmap(NULL, 4 * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, info.mmap_offset);
		if (p == MAP_FAILED)
			_exit(4);
		memset(p, 1, 4 * self->pg);
		child_ready_and_pause(ready);
	}
	ASSERT_EQ(0, wait_child_ready(ready)) TH_LOG("child failed before ready");
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0 + 4, c);
	ASSERT_EQ(0, kill_and_reap(pid));
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0, c);
}

/*
 * Unbinding the card (hot unplug) while a file, a mapping, a dma-buf and a
 * userptr object still exist: the BO ioctls fail with -ENODEV, the memory
 * stays readable through the mapping and the dma-buf, everything is
 * released on close without a kernel warning, and a rebound card starts
 * with no objects.
 */
TEST_F_TIMEOUT(bo, objects_outlive_unbind, 60)
{
	const char *drv = "/sys/bus/pci/drivers/csa";
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	const size_t size = 2 * self->pg;
	struct drm_csa_bo_info info;
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	int64_t pin0 = vm_pin(), c = -1;
	uint32_t h = 0, hu = 0, *m, *md;
	char path[96];
	void *mem;
	int fd;

	ASSERT_LT(0, csa_vm_cards(card, CSA_VM_MAX_CARDS));
	ASSERT_EQ(0, posix_memalign(&mem, self->pg, size));
	memset(mem, 3, size);
	fd = open_card(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bo_create(fd, size, 0, &h, NULL));
	ASSERT_EQ(0, bo_info(fd, h, &info));
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, m);
	for (size_t i = 0; i < size / 4; i++)
		m[i] = pattern(i);
	prime.handle = h;
	ASSERT_EQ(0, drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));
	ASSERT_EQ(0, bo_userptr(fd, (uintptr_t)mem, size, 0, &hu));
	EXPECT_EQ(pin0 + (int64_t)size, vm_pin());

	snprintf(path, sizeof(path), "%s/unbind", drv);
	ASSERT_EQ(0, csa_vm_write_file(path, card[0].addr));
	EXPECT_EQ(-ENODEV, bo_info(fd, h, &info));
	EXPECT_EQ(-ENODEV, bo_wait(fd, hu, 0, 0));
	EXPECT_EQ(-ENODEV, bo_create(fd, size, 0, &h, NULL));
	EXPECT_EQ(-ENODEV, bo_userptr(fd, (uintptr_t)mem, size, 0, &hu));

	/* the pages are still there, through the mapping and the dma-buf */
	for (size_t i = 0; i < size / 4; i++) {
		ASSERT_EQ(pattern(i), m[i]) TH_LOG("word %zu after unbind", i);
	}
	md = mmap(NULL, size, PROT_READ, MAP_SHARED, prime.fd, 0);
	ASSERT_NE(MAP_FAILED, md) TH_LOG("dma-buf mmap after unbind: %s",
					 strerror(errno));
	EXPECT_EQ(pattern(size / 4 - 1), md[size / 4 - 1]);
	munmap(md, size);

	/* the mapping holds the file, the file the userptr pins */
	close(fd);
	EXPECT_EQ(pin0 + (int64_t)size, vm_pin());
	munmap(m, size);
	EXPECT_EQ(pin0, vm_pin());
	close(prime.fd);
	free(mem);

	snprintf(path, sizeof(path), "%s/bind", drv);
	ASSERT_EQ(0, csa_vm_write_file(path, card[0].addr));
	fd = open_card(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_bos(fd, &c, NULL));
	EXPECT_EQ(0, c);
	ASSERT_EQ(0, bo_create(fd, size, 0, &h, NULL));
	ASSERT_EQ(0, bo_info(fd, h, &info));
	close(fd);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * BO_USERPTR: every invalid input with its exact errno, RLIMIT_MEMLOCK
 * accounting (VmPin in /proc/self/status, CAP_IPC_LOCK bypass), the
 * read-only flag in BO_INFO, no mmap through the DRM fd, no dma-buf
 * export, and pins/BO count released on close, GEM_CLOSE and kill -9.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "csa_bo_util.h"

static int set_memlock(uint64_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

FIXTURE(userptr) {
	int kmsg;		/* kernel log since setup */
	int fd;
	uint64_t pg;
	uint64_t max;
	char *mem;		/* 16 pages of anonymous memory, */
	size_t mem_size;	/* then 2 PROT_NONE guard pages */
};

FIXTURE_SETUP(userptr)
{
	self->kmsg = csa_vm_kmsg_open();
	self->fd = open_card(0);
	ASSERT_LE(0, self->fd) TH_LOG("open render node: %s", strerror(-self->fd));
	self->pg = page_size();
	self->max = max_bo_size(self->fd);
	ASSERT_NE(0ull, self->max);
	self->mem_size = 18 * self->pg;
	self->mem = mmap(NULL, self->mem_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	ASSERT_EQ(0, mprotect(self->mem + 16 * self->pg, 2 * self->pg, PROT_NONE));
	memset(self->mem, 0x5a, 16 * self->pg);
}

FIXTURE_TEARDOWN(userptr)
{
	if (self->mem != MAP_FAILED)
		munmap(self->mem, self->mem_size);
	if (self->fd >= 0)
		close(self->fd);
	expect_kmsg_clean(_metadata, self->kmsg);
}

TEST_F(userptr, info_reports_size_flags_and_no_offset)
{
	struct drm_csa_bo_info info;
	int64_t pin0 = vm_pin(), c0 = 0, c = 0, b0 = 0, b = 0;
	uint32_t h = 0, hro = 0;

	ASSERT_LE(0, pin0) TH_LOG("no VmPin in /proc/self/status");
	ASSERT_EQ(0, csa_bos(self->fd, &c0, &b0));
	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)self->mem, 4 * self->pg, 0, &h));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	EXPECT_EQ(4 * self->pg, (uint64_t)info.size);
	EXPECT_EQ(0ull, info.mmap_offset);
	EXPECT_EQ((uint32_t)DRM_CSA_BO_FLAG_USERPTR, info.bo_flags);
	EXPECT_EQ(pin0 + (int64_t)(4 * self->pg), vm_pin());

	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)self->mem + 8 * self->pg,
				self->pg, DRM_CSA_USERPTR_READ_ONLY, &hro));
	ASSERT_EQ(0, bo_info(self->fd, hro, &info));
	EXPECT_EQ(self->pg, (uint64_t)info.size);
	EXPECT_EQ(0ull, info.mmap_offset);
	EXPECT_EQ((uint32_t)(DRM_CSA_BO_FLAG_USERPTR | DRM_CSA_BO_FLAG_READ_ONLY),
		  info.bo_flags);
	EXPECT_EQ(pin0 + (int64_t)(5 * self->pg), vm_pin());
	ASSERT_EQ(0, csa_bos(self->fd, &c, &b));
	EXPECT_EQ(c0 + 2, c);
	EXPECT_EQ(b0 + (int64_t)(5 * self->pg), b);

	/* idle: BO_WAIT returns at once (and syncs for the CPU) */
	EXPECT_EQ(0, bo_wait(self->fd, h, 0, 0));
	EXPECT_EQ(0, bo_wait(self->fd, hro, DRM_CSA_BO_WAIT_READ, 0));

	EXPECT_EQ(0, gem_close(self->fd, h));
	EXPECT_EQ(0, gem_close(self->fd, hro));
	EXPECT_EQ(pin0, vm_pin());
	ASSERT_EQ(0, csa_bos(self->fd, &c, &b));
	EXPECT_EQ(c0, c);
	EXPECT_EQ(b0, b);
}

TEST_F(userptr, unknown_flag_is_einval)
{
	for (int bit = 1; bit < 32; bit++) {
		uint32_t h = 0;

		EXPECT_EQ(-EINVAL, bo_userptr(self->fd, (uintptr_t)self->mem,
					      self->pg, 1u << bit, &h))
			TH_LOG("flag bit %d", bit);
	}
}

TEST_F(userptr, zero_size_is_einval)
{
	uint32_t h = 0;

	EXPECT_EQ(-EINVAL, bo_userptr(self->fd, (uintptr_t)self->mem, 0, 0, &h));
}

TEST_F(userptr, unaligned_is_einval)
{
	const uintptr_t p = (uintptr_t)self->mem;
	const uint64_t pg = self->pg;
	const uint64_t bad[][2] = {
		{ p + 1, pg }, { p + pg / 2, pg }, { p + pg - 1, pg },
		{ p, 1 }, { p, pg - 1 }, { p, pg + 1 }, { p, 2 * pg + 8 },
		{ p + 8, 4 * pg + 8 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t h = 0;

		EXPECT_EQ(-EINVAL, bo_userptr(self->fd, bad[i][0], bad[i][1], 0, &h))
			TH_LOG("ptr +0x%llx size 0x%llx",
			       (unsigned long long)(bad[i][0] - p),
			       (unsigned long long)bad[i][1]);
	}
}

TEST_F(userptr, wrapping_range_is_einval)
{
	const uint64_t top = ~0ull & ~(self->pg - 1);	/* last page */
	uint32_t h = 0;

	EXPECT_EQ(-EINVAL, bo_userptr(self->fd, top, 2 * self->pg, 0, &h));
	EXPECT_EQ(-EINVAL, bo_userptr(self->fd, top - self->pg, 16 * self->pg, 0, &h));
	/* wrapping wins over too large */
	EXPECT_EQ(-EINVAL, bo_userptr(self->fd, top, self->max + self->pg, 0, &h));
}

TEST_F(userptr, too_large_is_e2big)
{
	const uint64_t sizes[] = { self->max + self->pg, 1ull << 40,
				   (1ull << 47) - self->pg };
	uint32_t h = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		EXPECT_EQ(-E2BIG, bo_userptr(self->fd, self->pg, sizes[i], 0, &h))
			TH_LOG("size 0x%llx", (unsigned long long)sizes[i]);
	}
}

TEST_F(userptr, unmapped_range_is_efault)
{
	const int64_t pin0 = vm_pin();
	const uintptr_t p = (uintptr_t)self->mem;
	int64_t c0 = 0, c = 0;
	uint32_t h = 0;

	ASSERT_EQ(0, csa_bos(self->fd, &c0, NULL));
	/* page 0 is never mapped */
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, 0, self->pg, 0, &h));
	/* kernel addresses */
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, 0xffff888000000000ull, self->pg, 0, &h));
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, 0xffffffff80000000ull, self->pg,
				      DRM_CSA_USERPTR_READ_ONLY, &h));
	/* a hole in the middle: the pages before it are unpinned again */
	ASSERT_EQ(0, munmap(self->mem + 10 * self->pg, self->pg));
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, p + 8 * self->pg, 4 * self->pg, 0, &h));
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, p + 10 * self->pg, self->pg,
				      DRM_CSA_USERPTR_READ_ONLY, &h));
	/* the range runs into the PROT_NONE guard pages */
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, p + 12 * self->pg, 6 * self->pg, 0, &h));
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, p + 14 * self->pg, 3 * self->pg,
				      DRM_CSA_USERPTR_READ_ONLY, &h));
	/* the pages around the hole are fine */
	ASSERT_EQ(0, bo_userptr(self->fd, p + 8 * self->pg, 2 * self->pg, 0, &h));
	EXPECT_EQ(0, gem_close(self->fd, h));
	EXPECT_EQ(pin0, vm_pin());
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0, c);
}

TEST_F(userptr, read_only_memory_needs_read_only_flag)
{
	struct drm_csa_bo_info info;
	uint32_t h = 0;

	ASSERT_EQ(0, mprotect(self->mem, 4 * self->pg, PROT_READ));
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, (uintptr_t)self->mem, 4 * self->pg,
				      0, &h));
	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)self->mem, 4 * self->pg,
				DRM_CSA_USERPTR_READ_ONLY, &h));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	EXPECT_TRUE(!!(info.bo_flags & DRM_CSA_BO_FLAG_READ_ONLY));
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(userptr, shared_memfd_memory_works)
{
	const size_t size = 4 * self->pg;
	struct drm_csa_bo_info info;
	int mfd = memfd_create("csa-userptr", MFD_CLOEXEC);
	uint32_t h = 0;
	char *p;

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 7, size);
	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)p, size, 0, &h));
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	EXPECT_EQ(size, (size_t)info.size);
	EXPECT_EQ(0, gem_close(self->fd, h));
	munmap(p, size);
	close(mfd);
}

TEST_F(userptr, mapping_of_a_bo_is_efault)
{
	struct drm_csa_bo_info info;
	uint32_t bo = 0, h = 0;
	void *p;

	/* a BO's mmap is VM_PFNMAP: no struct pages to pin, wrap the BO itself */
	ASSERT_EQ(0, bo_create(self->fd, 2 * self->pg, 0, &bo, NULL));
	ASSERT_EQ(0, bo_info(self->fd, bo, &info));
	p = mmap(NULL, 2 * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 info.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, (uintptr_t)p, 2 * self->pg, 0, &h));
	EXPECT_EQ(-EFAULT, bo_userptr(self->fd, (uintptr_t)p, self->pg,
				      DRM_CSA_USERPTR_READ_ONLY, &h));
	munmap(p, 2 * self->pg);
	EXPECT_EQ(0, gem_close(self->fd, bo));
}

/*
 * Child steps, reported through the exit status: 0 all fine, else the
 * number of the step that did not give what it should.
 */
static int memlock_child(int fd, char *mem, uint64_t pg)
{
	uint32_t h1 = 0, h2 = 0;

	if (csa_vm_drop_cap(CAP_IPC_LOCK))
		return 1;
	if (set_memlock(4 * pg))
		return 2;
	if (bo_userptr(fd, (uintptr_t)mem, 8 * pg, 0, &h1) != -ENOMEM)
		return 3;
	if (bo_userptr(fd, (uintptr_t)mem, 4 * pg, 0, &h1))
		return 4;
	/* the limit is cumulative over the process's pins */
	if (bo_userptr(fd, (uintptr_t)mem + 4 * pg, pg, 0, &h2) != -ENOMEM)
		return 5;
	if (bo_userptr(fd, (uintptr_t)mem + 4 * pg, pg, DRM_CSA_USERPTR_READ_ONLY,
		       &h2) != -ENOMEM)
		return 6;
	/* freeing the object gives the pages back to the limit */
	if (gem_close(fd, h1))
		return 7;
	if (bo_userptr(fd, (uintptr_t)mem + 4 * pg, pg, 0, &h2))
		return 8;
	if (bo_userptr(fd, (uintptr_t)mem, 3 * pg, 0, &h1))
		return 9;
	if (set_memlock(0))
		return 10;
	if (bo_userptr(fd, (uintptr_t)mem + 8 * pg, pg, 0, &h1) != -ENOMEM)
		return 11;
	return 0;
}

TEST_F(userptr, rlimit_memlock_exceeded_is_enomem)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open_card(0);

		_exit(fd < 0 ? 99 : memlock_child(fd, self->mem, self->pg));
	}
	status = reap(pid);
	EXPECT_EQ(0, status) TH_LOG("child step %d failed", status);
}

/*
 * A child without CAP_IPC_LOCK and RLIMIT_MEMLOCK of 4 pages pins @n pages
 * of @mem through the shared @fd; the handle goes to @pipe_fd.  Exit
 * status 0 if the result was @want.
 */
static int pin_in_child(int fd, char *mem, uint64_t pg, unsigned int n, int want,
			int pipe_fd)
{
	pid_t pid = fork();
	uint32_t h = 0;
	int ret;

	if (pid)
		return pid < 0 ? -errno : reap(pid);
	if (csa_vm_drop_cap(CAP_IPC_LOCK) || set_memlock(4 * pg))
		_exit(100);
	ret = bo_userptr(fd, (uintptr_t)mem, n * pg, 0, &h);
	if (!ret && pipe_fd >= 0 && write(pipe_fd, &h, sizeof(h)) != sizeof(h))
		_exit(101);
	_exit(ret == want ? 0 : 102);
}

/*
 * The pin counts against the user, not the process: the object lives on in
 * the shared file after its creator exited, and so does the charge, so the
 * next child of the same user cannot pin past the limit (charged to the
 * creator's mm, 40 children pinned 320 MiB under an 8 MiB limit).  Freeing
 * the object gives the pages back.
 */
TEST_F(userptr, memlock_charge_outlives_the_creating_process)
{
	uint32_t h = 0;
	int pfd[2];

	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, pin_in_child(self->fd, self->mem, self->pg, 4, 0, pfd[1]))
		TH_LOG("first child could not pin 4 pages under a 4 page limit");
	ASSERT_EQ((ssize_t)sizeof(h), read(pfd[0], &h, sizeof(h)));
	ASSERT_EQ(0, pin_in_child(self->fd, self->mem, self->pg, 1, -ENOMEM, -1))
		TH_LOG("second child pinned while the first one's 4 pages are still pinned");
	ASSERT_EQ(0, gem_close(self->fd, h));
	ASSERT_EQ(0, pin_in_child(self->fd, self->mem, self->pg, 4, 0, pfd[1]))
		TH_LOG("the charge was not given back when the object was freed");
	ASSERT_EQ((ssize_t)sizeof(h), read(pfd[0], &h, sizeof(h)));
	ASSERT_EQ(0, gem_close(self->fd, h));
	close(pfd[0]);
	close(pfd[1]);
}

TEST_F(userptr, cap_ipc_lock_bypasses_rlimit)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open_card(0);
		uint32_t h = 0;

		if (fd < 0 || set_memlock(0))
			_exit(1);
		/* root keeps CAP_IPC_LOCK */
		_exit(bo_userptr(fd, (uintptr_t)self->mem, 16 * self->pg, 0, &h) ? 2 : 0);
	}
	status = reap(pid);
	EXPECT_EQ(0, status) TH_LOG("child step %d failed", status);
}

TEST_F(userptr, cannot_be_mmapped_or_exported)
{
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC };
	uint32_t h = 0;
	void *p;

	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)self->mem, 2 * self->pg, 0, &h));
	p = mmap(NULL, 2 * self->pg, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	prime.handle = h;
	EXPECT_EQ(-1, drmIoctl(self->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, gem_close(self->fd, h));
}

TEST_F(userptr, object_outlives_munmap_of_its_memory)
{
	struct drm_csa_bo_info info;
	int64_t pin0 = vm_pin();
	uint32_t h = 0;

	ASSERT_EQ(0, bo_userptr(self->fd, (uintptr_t)self->mem, 4 * self->pg, 0, &h));
	ASSERT_EQ(0, munmap(self->mem, self->mem_size));
	self->mem = MAP_FAILED;
	/* the pinned pages stay with the object */
	ASSERT_EQ(0, bo_info(self->fd, h, &info));
	EXPECT_EQ(4 * self->pg, (uint64_t)info.size);
	EXPECT_EQ(pin0 + (int64_t)(4 * self->pg), vm_pin());
	EXPECT_EQ(0, bo_wait(self->fd, h, 0, 0));
	EXPECT_EQ(0, gem_close(self->fd, h));
	EXPECT_EQ(pin0, vm_pin());
}

TEST_F(userptr, close_and_kill_release_pins_and_objects)
{
	int64_t pin0 = vm_pin(), c0 = 0, c = 0;
	int ready[2], fd;
	uint32_t h = 0;
	pid_t pid;

	ASSERT_EQ(0, csa_bos(self->fd, &c0, NULL));
	fd = open_card(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bo_userptr(fd, (uintptr_t)self->mem, 8 * self->pg, 0, &h));
	ASSERT_EQ(0, bo_userptr(fd, (uintptr_t)self->mem, 8 * self->pg,
				DRM_CSA_USERPTR_READ_ONLY, &h));
	EXPECT_EQ(pin0 + (int64_t)(16 * self->pg), vm_pin());
	close(fd);
	EXPECT_EQ(pin0, vm_pin());
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0, c);

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cfd = open_card(0);

		if (cfd < 0)
			_exit(1);
		for (int i = 0; i < 3; i++)
			if (bo_userptr(cfd, (uintptr_t)self->mem + i * self->pg,
				       self->pg, 0, &h))
				_exit(2);
		child_ready_and_pause(ready);
	}
	ASSERT_EQ(0, wait_child_ready(ready)) TH_LOG("child failed before ready");
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0 + 3, c);
	ASSERT_EQ(0, kill_and_reap(pid));
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(c0, c);
}

TEST_HARNESS_MAIN

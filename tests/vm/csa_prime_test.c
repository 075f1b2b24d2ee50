// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PRIME: a BO exported as a dma-buf and imported on a second fd of the
 * same card is the same object (same contents through both fds' mmaps,
 * no new BO); importing into the exporting fd gives back the same handle;
 * importing into the other card makes an IMPORTED object mapped through
 * the exporter; re-exporting that gives back the original; objects and
 * counts go back to the baseline when every fd and dma-buf is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "csa_bo_util.h"

static int prime_export(int fd, uint32_t handle, uint32_t flags, int *dmabuf)
{
	struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };

	if (drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return -errno;
	*dmabuf = p.fd;
	return 0;
}

static int prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };

	if (drmIoctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return -errno;
	*handle = p.handle;
	return 0;
}

static uint32_t *map_bo(int fd, uint32_t handle, size_t size)
{
	struct drm_csa_bo_info info;
	void *p;

	if (bo_info(fd, handle, &info))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.mmap_offset);
	return p == MAP_FAILED ? NULL : p;
}

static uint32_t pattern(size_t i)
{
	return (uint32_t)(i * 0x9e3779b1u) + 17;
}

FIXTURE(prime) {
	int kmsg;		/* kernel log since setup */
	int fd;
	uint64_t pg;
	size_t size;
	uint32_t h;		/* size bytes filled with pattern() */
	uint32_t *map;
	int64_t count0;
};

FIXTURE_SETUP(prime)
{
	self->kmsg = csa_vm_kmsg_open();
	self->fd = open_card(0);
	ASSERT_LE(0, self->fd) TH_LOG("open render node: %s", strerror(-self->fd));
	self->pg = page_size();
	self->size = 5 * self->pg;
	ASSERT_EQ(0, csa_bos(self->fd, &self->count0, NULL));
	ASSERT_EQ(0, bo_create(self->fd, self->size, 0, &self->h, NULL));
	self->map = map_bo(self->fd, self->h, self->size);
	ASSERT_NE(NULL, self->map);
	for (size_t i = 0; i < self->size / 4; i++)
		self->map[i] = pattern(i);
}

FIXTURE_TEARDOWN(prime)
{
	if (self->map)
		munmap(self->map, self->size);
	if (self->fd >= 0)
		close(self->fd);
	expect_kmsg_clean(_metadata, self->kmsg);
}

TEST_F(prime, import_on_second_fd_is_the_same_object)
{
	struct drm_csa_bo_info info;
	int64_t c = 0;
	uint32_t h2 = 0, *m2;
	int dmabuf = -1, fd2;

	ASSERT_EQ(0, prime_export(self->fd, self->h, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	fd2 = open_card(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, prime_import(fd2, dmabuf, &h2));
	close(dmabuf);
	ASSERT_EQ(0, bo_info(fd2, h2, &info));
	EXPECT_EQ(self->size, (size_t)info.size);
	/* our own dma-buf: the same object, not an import */
	EXPECT_EQ(0u, info.bo_flags);
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(self->count0 + 1, c);

	m2 = map_bo(fd2, h2, self->size);
	ASSERT_NE(NULL, m2) TH_LOG("mmap on the importing fd: %s", strerror(errno));
	for (size_t i = 0; i < self->size / 4; i++) {
		ASSERT_EQ(pattern(i), m2[i]) TH_LOG("word %zu", i);
	}
	/* and writes go both ways */
	m2[3] = 0xabcdef01;
	EXPECT_EQ(0xabcdef01u, self->map[3]);
	self->map[4] = 0x10fedcba;
	EXPECT_EQ(0x10fedcbau, m2[4]);
	munmap(m2, self->size);

	/* the second fd keeps the object alive alone */
	EXPECT_EQ(0, gem_close(self->fd, self->h));
	ASSERT_EQ(0, bo_info(fd2, h2, &info));
	close(fd2);
	munmap(self->map, self->size);
	self->map = NULL;
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(self->count0, c);
}

TEST_F(prime, self_import_gives_the_same_handle)
{
	uint32_t h2 = 0;
	int dmabuf = -1, dmabuf2 = -1;

	ASSERT_EQ(0, prime_export(self->fd, self->h, DRM_CLOEXEC, &dmabuf));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf, &h2));
	EXPECT_EQ(self->h, h2);
	/* exporting again gives the same dma-buf, which imports the same */
	ASSERT_EQ(0, prime_export(self->fd, self->h, DRM_CLOEXEC, &dmabuf2));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf2, &h2));
	EXPECT_EQ(self->h, h2);
	close(dmabuf);
	close(dmabuf2);
	EXPECT_EQ(0, gem_close(self->fd, self->h));
	/* one handle, one close */
	EXPECT_EQ(-EINVAL, gem_close(self->fd, self->h));
}

TEST_F(prime, dma_buf_outlives_the_handle)
{
	int64_t c = 0;
	uint32_t h2 = 0, *m;
	int dmabuf = -1, fd2;

	ASSERT_EQ(0, prime_export(self->fd, self->h, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	munmap(self->map, self->size);
	self->map = NULL;
	EXPECT_EQ(0, gem_close(self->fd, self->h));
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(self->count0 + 1, c);

	/* the dma-buf itself maps the pages */
	m = mmap(NULL, self->size, PROT_READ, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, m) TH_LOG("mmap of the dma-buf: %s", strerror(errno));
	for (size_t i = 0; i < self->size / 4; i++) {
		ASSERT_EQ(pattern(i), m[i]) TH_LOG("word %zu", i);
	}
	munmap(m, self->size);

	fd2 = open_card(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, prime_import(fd2, dmabuf, &h2));
	close(dmabuf);
	m = map_bo(fd2, h2, self->size);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(pattern(self->size / 4 - 1), m[self->size / 4 - 1]);
	munmap(m, self->size);
	close(fd2);
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(self->count0, c);
}

TEST_F(prime, import_into_the_other_card)
{
	struct drm_csa_bo_info info;
	int64_t c1_0 = 0, c1 = 0, c = 0;
	uint32_t h1 = 0, hback = 0, *m1;
	int dmabuf = -1, dmabuf1 = -1, fd1;

	fd1 = open_card(1);
	ASSERT_LE(0, fd1) TH_LOG("second card: %s", strerror(-fd1));
	ASSERT_EQ(0, csa_bos(fd1, &c1_0, NULL));
	ASSERT_EQ(0, prime_export(self->fd, self->h, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	ASSERT_EQ(0, prime_import(fd1, dmabuf, &h1));
	ASSERT_EQ(0, bo_info(fd1, h1, &info));
	EXPECT_EQ(self->size, (size_t)info.size);
	EXPECT_EQ((uint32_t)DRM_CSA_BO_FLAG_IMPORTED, info.bo_flags);
	EXPECT_NE(0ull, info.mmap_offset);
	ASSERT_EQ(0, csa_bos(fd1, &c1, NULL));
	EXPECT_EQ(c1_0 + 1, c1);
	EXPECT_EQ(0, bo_wait(fd1, h1, 0, 0));
	EXPECT_EQ(0, bo_wait(fd1, h1, DRM_CSA_BO_WAIT_READ, 0));

	/* mapped through the exporter: the same pages */
	m1 = map_bo(fd1, h1, self->size);
	ASSERT_NE(NULL, m1) TH_LOG("mmap of the import: %s", strerror(errno));
	for (size_t i = 0; i < self->size / 4; i++) {
		ASSERT_EQ(pattern(i), m1[i]) TH_LOG("word %zu", i);
	}
	m1[0] = 0x600dcafe;
	EXPECT_EQ(0x600dcafeu, self->map[0]);
	munmap(m1, self->size);

	/* re-exporting the import gives the original back to card 0 */
	ASSERT_EQ(0, prime_export(fd1, h1, DRM_CLOEXEC, &dmabuf1));
	ASSERT_EQ(0, prime_import(self->fd, dmabuf1, &hback));
	EXPECT_EQ(self->h, hback);
	close(dmabuf1);

	close(dmabuf);
	close(fd1);
	ASSERT_EQ(0, csa_bos(fd1 = open_card(1), &c1, NULL));
	close(fd1);
	EXPECT_EQ(c1_0, c1);
	/* the import held a reference to the exporter's object until now */
	munmap(self->map, self->size);
	self->map = NULL;
	EXPECT_EQ(0, gem_close(self->fd, self->h));
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(self->count0, c);
}

/* Child: import @dmabuf on its own fd, check the pattern, write a reply. */
static __attribute__((noinline)) int share_child(int dmabuf, size_t size)
{
	int fd = open_card(0);
	uint32_t h = 0, *m;

	if (fd < 0)
		return 1;
	if (prime_import(fd, dmabuf, &h))
		return 2;
	close(dmabuf);
	m = map_bo(fd, h, size);
	if (!m)
		return 3;
	for (size_t i = 0; i < size / 4; i++)
		if (m[i] != pattern(i))
			return 4;
	m[1] = 0x5eed;
	munmap(m, size);
	close(fd);
	return 0;
}

TEST_F(prime, share_with_another_process)
{
	int dmabuf = -1, status;
	int64_t c = 0;
	pid_t pid;

	ASSERT_EQ(0, prime_export(self->fd, self->h, DRM_CLOEXEC, &dmabuf));
	/* the child inherits the dma-buf fd (CLOEXEC only matters for exec) */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(share_child(dmabuf, self->size));
	close(dmabuf);
	status = reap(pid);
	EXPECT_EQ(0, status) TH_LOG("child step %d failed", status);
	EXPECT_EQ(0x5eedu, self->map[1]);
	munmap(self->map, self->size);
	self->map = NULL;
	EXPECT_EQ(0, gem_close(self->fd, self->h));
	ASSERT_EQ(0, csa_bos(self->fd, &c, NULL));
	EXPECT_EQ(self->count0, c);
}

TEST_F(prime, bad_export_and_import)
{
	uint32_t h2 = 0;
	int dmabuf = -1, pipefd[2];

	EXPECT_EQ(-ENOENT, prime_export(self->fd, 0, DRM_CLOEXEC, &dmabuf));
	EXPECT_EQ(-ENOENT, prime_export(self->fd, self->h + 100, DRM_CLOEXEC, &dmabuf));
	EXPECT_EQ(-EINVAL, prime_export(self->fd, self->h, 1u << 30, &dmabuf));
	EXPECT_EQ(-EBADF, prime_import(self->fd, -1, &h2));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-EINVAL, prime_import(self->fd, pipefd[0], &h2));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN

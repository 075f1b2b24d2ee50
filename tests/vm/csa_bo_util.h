/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Raw buffer-object ioctls for the BO suites (csa_bo_test, csa_userptr_test,
 * csa_prime_test).  Each returns 0 or -errno, never touching the output on
 * failure, so tests can compare the exact errno.
 */
#ifndef CSA_BO_UTIL_H
#define CSA_BO_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>

#include <xf86drm.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_vm.h"

static inline int bo_create(int fd, uint64_t size, uint32_t flags,
			    uint32_t *handle, uint64_t *out_size)
{
	struct drm_csa_bo_create c = { .size = size, .flags = flags };

	if (drmIoctl(fd, DRM_IOCTL_CSA_BO_CREATE, &c))
		return -errno;
	*handle = c.handle;
	if (out_size)
		*out_size = c.size;
	return 0;
}

static inline int bo_info_raw(int fd, struct drm_csa_bo_info *info)
{
	return drmIoctl(fd, DRM_IOCTL_CSA_BO_INFO, info) ? -errno : 0;
}

static inline int bo_info(int fd, uint32_t handle, struct drm_csa_bo_info *out)
{
	struct drm_csa_bo_info i = { .handle = handle };
	int ret = bo_info_raw(fd, &i);

	if (!ret)
		*out = i;
	return ret;
}

static inline int bo_userptr(int fd, uint64_t ptr, uint64_t size, uint32_t flags,
			     uint32_t *handle)
{
	struct drm_csa_bo_userptr u = {
		.user_ptr = ptr, .size = size, .flags = flags,
	};

	if (drmIoctl(fd, DRM_IOCTL_CSA_BO_USERPTR, &u))
		return -errno;
	*handle = u.handle;
	return 0;
}

static inline int bo_wait(int fd, uint32_t handle, uint32_t flags, int64_t deadline)
{
	struct drm_csa_bo_wait w = {
		.handle = handle, .flags = flags, .timeout_ns = deadline,
	};

	return drmIoctl(fd, DRM_IOCTL_CSA_BO_WAIT, &w) ? -errno : 0;
}

static inline int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c) ? -errno : 0;
}

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static inline uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* DRM_CSA_PARAM_MAX_BO_SIZE of @fd's card, 0 if the query fails. */
static inline uint64_t max_bo_size(int fd)
{
	uint64_t v = 0;

	return csa_vm_get_param(fd, DRM_CSA_PARAM_MAX_BO_SIZE, 0, 0, &v) ? 0 : v;
}

/*
 * Live BOs of @fd's device from debugfs csa_bos ("count N\nbytes N\n"),
 * found through the PCI device behind the node (csa_vm_debugfs_path()).
 */
static inline int csa_bos(int fd, int64_t *count, int64_t *bytes)
{
	char link[64], target[256], path[192];
	const char *addr;
	long long c, b;
	struct stat st;
	ssize_t len;
	FILE *f;
	int n;

	if (fstat(fd, &st))
		return -errno;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = 0;
	addr = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	n = csa_vm_debugfs_path(addr, "csa_bos", path, sizeof(path));
	if (n)
		return n;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "count %lld bytes %lld", &c, &b);
	fclose(f);
	if (n != 2)
		return -EINVAL;
	*count = c;
	if (bytes)
		*bytes = b;
	return 0;
}

/*
 * Kernel log records since csa_vm_kmsg_open() returned @kfd that show a
 * kernel problem (WARN, BUG, refcount or lockdep splat): their number,
 * the first one copied to @first.  The VM boots "quiet", so these never
 * reach the console log.
 */
static inline int kmsg_problems(int kfd, char *first, size_t len)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Call Trace", "cut here", "refcount_t",
		"general protection", "possible recursive locking",
	};
	const size_t size = 1 << 16;
	char *buf = malloc(size), *line, *save;
	int n = 0;

	first[0] = 0;
	if (!buf || csa_vm_kmsg_read(kfd, buf, size) < 0) {
		free(buf);
		return 0;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(line, bad[i])) {
				if (!n++)
					snprintf(first, len, "%s", line);
				break;
			}
		}
	}
	free(buf);
	return n;
}

/* pinned_vm of this process in bytes (VmPin), or -1 */
static inline int64_t vm_pin(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* Reap child @pid: its exit code, or -1 if it did not exit normally. */
static inline int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A child that holds resources until it is killed: it calls
 * child_ready_and_pause() once set up; the parent's wait_child_ready()
 * returns 0 then, -1 if the child exited first; kill_and_reap() ends it
 * with SIGKILL and returns 0 if that is what it died of.
 */
static inline void child_ready_and_pause(int ready[2])
{
	if (write(ready[1], "r", 1) != 1)
		_exit(99);
	for (;;)
		pause();
}

static inline int wait_child_ready(int ready[2])
{
	char byte;
	ssize_t n;

	close(ready[1]);
	n = read(ready[0], &byte, 1);
	close(ready[0]);
	return n == 1 ? 0 : -1;
}

static inline int kill_and_reap(pid_t pid)
{
	int status;

	if (kill(pid, SIGKILL) || waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : -ECHILD;
}

/*
 * Teardown of the BO suites, after everything of the test is closed: fail
 * the test if the kernel logged a problem since csa_vm_kmsg_open() gave
 * @kmsg (which is closed).
 */
static inline void expect_kmsg_clean(struct __test_metadata *_metadata, int kmsg)
{
	char line[256];

	if (kmsg < 0)
		return;
	EXPECT_EQ(0, kmsg_problems(kmsg, line, sizeof(line)))
		TH_LOG("kernel: %s", line);
	close(kmsg);
}

/* Open card @i of the VM's card list; -errno. */
static inline int open_card(int i)
{
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n = csa_vm_cards(card, CSA_VM_MAX_CARDS);

	if (n < 0)
		return n;
	if (i >= n)
		return -ENODEV;
	return csa_vm_open_render(card[i].addr);
}

#endif /* CSA_BO_UTIL_H */

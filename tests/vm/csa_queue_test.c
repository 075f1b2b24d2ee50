// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DRM_IOCTL_CSA_QUEUE_CREATE / QUEUE_DESTROY: the feature bit, every
 * validation path with its errno, per-file id namespaces, every hardware
 * queue of every card runs a job, and destroying a context with jobs in
 * flight still completes them.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		20000

FIXTURE(queue) {
	int fd;
	uint64_t num_queues;
};

FIXTURE_SETUP(queue)
{
	self->fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_NUM_QUEUES, 0, 0,
				      &self->num_queues));
}

FIXTURE_TEARDOWN(queue)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int create_raw(int fd, uint32_t hw, uint32_t prio, uint32_t flags,
		      uint32_t *id)
{
	struct drm_csa_queue_create qc = {
		.hw_queue = hw,
		.priority = prio,
		.flags = flags,
		.queue_id = 0xdead,
	};
	int ret = drmIoctl(fd, DRM_IOCTL_CSA_QUEUE_CREATE, &qc) ? -errno : 0;

	*id = qc.queue_id;
	return ret;
}

TEST_F(queue, feature_bit_and_timeout)
{
	uint64_t v;

	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_FEATURES, 0, 0, &v));
	ASSERT_TRUE(!!(v & DRM_CSA_FEATURE_QUEUES));
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, 0, 0, &v));
	ASSERT_EQ(2000u, v) TH_LOG("module default job_timeout_ms");
	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_MAX_BINDS, 0, 0, &v));
	ASSERT_EQ((uint64_t)CSA_MAX_BINDS, v);
}

TEST_F(queue, create_every_priority)
{
	uint32_t id[3];

	ASSERT_EQ(0, DRM_CSA_PRIORITY_NORMAL) TH_LOG("uapi 1.2: 0 is NORMAL");
	for (uint32_t p = 0; p <= DRM_CSA_PRIORITY_HIGH; p++) {
		ASSERT_EQ(0, create_raw(self->fd, 0, p, 0, &id[p]));
		ASSERT_NE(0u, id[p]);
	}
	ASSERT_NE(id[0], id[1]);
	ASSERT_NE(id[1], id[2]);
	ASSERT_NE(id[0], id[2]);
}

/*
 * Strict priority: HIGH can starve everybody else, so it needs
 * CAP_SYS_NICE (-EACCES without, as amdgpu); NORMAL and LOW do not.
 */
TEST_F(queue, high_priority_needs_cap_sys_nice)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t id;

		if (csa_vm_drop_cap(CAP_SYS_NICE))
			_exit(1);
		if (create_raw(self->fd, 0, DRM_CSA_PRIORITY_HIGH, 0, &id) != -EACCES)
			_exit(2);
		if (create_raw(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, 0, &id))
			_exit(3);
		if (create_raw(self->fd, 0, DRM_CSA_PRIORITY_LOW, 0, &id))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child step %d failed", WEXITSTATUS(status));
}

/* A file has at most 1024 contexts; the id space is reused after destroy. */
TEST_F_TIMEOUT(queue, contexts_per_file_capped_ebusy, 120)
{
	uint32_t id, first = 0;
	int i, fd2, ret = 0;

	for (i = 0; i < 1024; i++) {
		ret = create_raw(self->fd, i % self->num_queues,
				 DRM_CSA_PRIORITY_NORMAL, 0, &id);
		if (ret)
			break;
		if (!first)
			first = id;
	}
	ASSERT_EQ(0, ret) TH_LOG("context %d: %s", i, strerror(-ret));
	ASSERT_EQ(-EBUSY, create_raw(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, 0, &id));
	ASSERT_EQ(-EBUSY, create_raw(self->fd, 0, DRM_CSA_PRIORITY_LOW, 0, &id));
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, first));
	ASSERT_EQ(0, create_raw(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, 0, &id));
	/* another file has its own 1024 */
	fd2 = csa_vm_open_first(NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, create_raw(fd2, 0, DRM_CSA_PRIORITY_NORMAL, 0, &id));
	close(fd2);
}

/*
 * A memory cgroup of its own for this process (cgroup2 at
 * /sys/fs/cgroup, mounted if needed); returns its memory.current path.
 */
static int join_memcg(char *current, size_t len)
{
	const char *root = "/sys/fs/cgroup";
	char path[128], pid[32];
	int ret;

	mkdir(root, 0755);
	mount("cgroup2", root, "cgroup2", 0, NULL);	/* EBUSY if mounted */
	ret = csa_vm_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/csa-queue-test", root);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(current, len, "%s/cgroup.procs", path);
	ret = csa_vm_write_file(current, pid);
	snprintf(current, len, "%s/memory.current", path);
	return ret;
}

/*
 * Kernel memory of queue contexts is charged to the memory cgroup of the
 * process that creates them (GFP_KERNEL_ACCOUNT): 1000 contexts raise the
 * cgroup's memory.current by at least 1000 x 256 bytes (a context with
 * its scheduler entity is larger than that).
 */
TEST_F_TIMEOUT(queue, contexts_are_charged_to_the_memcg, 120)
{
	int pfd[2], status;
	uint64_t grew = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char current[160];
		uint64_t before, after, d = 0;
		uint32_t id;
		int fd;

		if (join_memcg(current, sizeof(current)))
			_exit(1);
		fd = csa_vm_open_first(NULL);
		if (fd < 0 || csa_vm_read_u64(current, &before))
			_exit(2);
		for (int i = 0; i < 1000; i++)
			if (create_raw(fd, 0, DRM_CSA_PRIORITY_NORMAL, 0, &id))
				_exit(3);
		if (csa_vm_read_u64(current, &after))
			_exit(4);
		d = after > before ? after - before : 0;
		if (write(pfd[1], &d, sizeof(d)) != sizeof(d))
			_exit(5);
		close(fd);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 1)
		SKIP(return, "no cgroup2 memory controller in this kernel");
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child step %d failed", WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)sizeof(grew), read(pfd[0], &grew, sizeof(grew)));
	close(pfd[0]);
	ksft_print_msg("1000 contexts: memory.current +%llu bytes\n", (unsigned long long)grew);
	ASSERT_LE(1000u * 256, grew) TH_LOG("contexts not charged to the memory cgroup");
}

TEST_F(queue, create_flags_einval)
{
	uint32_t id;

	ASSERT_EQ(-EINVAL, create_raw(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, 1, &id));
	ASSERT_EQ(-EINVAL, create_raw(self->fd, 0, DRM_CSA_PRIORITY_NORMAL,
				      1u << 31, &id));
}

TEST_F(queue, create_priority_einval)
{
	uint32_t id;

	ASSERT_EQ(-EINVAL, create_raw(self->fd, 0, DRM_CSA_PRIORITY_HIGH + 1, 0, &id));
	ASSERT_EQ(-EINVAL, create_raw(self->fd, 0, ~0u, 0, &id));
}

TEST_F(queue, create_hw_queue_einval)
{
	uint32_t id;

	ASSERT_EQ(-EINVAL, create_raw(self->fd, self->num_queues,
				      DRM_CSA_PRIORITY_NORMAL, 0, &id));
	ASSERT_EQ(-EINVAL, create_raw(self->fd, CSA_MAX_QUEUES,
				      DRM_CSA_PRIORITY_NORMAL, 0, &id));
	ASSERT_EQ(-EINVAL, create_raw(self->fd, ~0u, DRM_CSA_PRIORITY_NORMAL, 0, &id));
}

TEST_F(queue, destroy_twice_enoent)
{
	uint32_t id;

	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &id));
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, id));
	ASSERT_EQ(-ENOENT, csa_vm_queue_destroy(self->fd, id));
}

TEST_F(queue, destroy_unknown_enoent)
{
	ASSERT_EQ(-ENOENT, csa_vm_queue_destroy(self->fd, 0));
	ASSERT_EQ(-ENOENT, csa_vm_queue_destroy(self->fd, 12345));
}

TEST_F(queue, destroy_pad_einval)
{
	struct drm_csa_queue_destroy qd = { .pad = 1 };

	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL,
					 &qd.queue_id));
	ASSERT_EQ(-1, drmIoctl(self->fd, DRM_IOCTL_CSA_QUEUE_DESTROY, &qd));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, qd.queue_id));
}

/* Queue ids are per file: another open file does not see them. */
TEST_F(queue, ids_are_per_file)
{
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	uint32_t id;
	int fd2 = csa_vm_open_first(NULL);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &id));
	ASSERT_EQ(-ENOENT, csa_vm_job(fd2, id, &nop, NULL, 0, 0));
	ASSERT_EQ(-ENOENT, csa_vm_queue_destroy(fd2, id));
	ASSERT_EQ(0, csa_vm_job(self->fd, id, &nop, NULL, 0, 0));
	close(fd2);
}

/* Every hardware queue of every card completes a job. */
TEST(every_hw_queue_of_every_card_runs)
{
	struct csa_vm_card cards[CSA_VM_MAX_CARDS];
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	int n = csa_vm_cards(cards, CSA_VM_MAX_CARDS);

	ASSERT_LT(0, n);
	for (int c = 0; c < n; c++) {
		int fd = csa_vm_open_render(cards[c].addr);
		uint64_t nq;

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_NUM_QUEUES, 0, 0, &nq));
		ASSERT_EQ(cards[c].queues, nq);
		for (uint32_t q = 0; q < nq; q++) {
			uint32_t id, so;

			ASSERT_EQ(0, csa_vm_queue_create(fd, q, DRM_CSA_PRIORITY_NORMAL, &id));
			ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so));
			ASSERT_EQ(0, csa_vm_job(fd, id, &nop, NULL, 0, so));
			ASSERT_EQ(0, csa_vm_job_result(fd, so, WAIT_MS))
				TH_LOG("card %s hw queue %u", cards[c].addr, q);
		}
		close(fd);
	}
}

/* Destroying a context does not cancel what it already submitted. */
TEST_F(queue, destroy_with_jobs_in_flight)
{
	struct drm_csa_bind bind = { .access = DRM_CSA_ACCESS_WRITE };
	struct drm_csa_cmd fill = {
		.opcode = CSA_OP_FILL,
		.size = 1 << 20,
		.value = 0x01020304,
	};
	uint32_t id, so, bo, *p;

	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 1 << 20, &bo));
	bind.handle = bo;
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &id));
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so));
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(0, csa_vm_job(self->fd, id, &fill, &bind, 1, so));
	ASSERT_EQ(0, csa_vm_queue_destroy(self->fd, id));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, so, WAIT_MS));
	p = csa_vm_bo_map(self->fd, bo, 1 << 20);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0x01020304u, p[(1 << 18) - 1]);
}

TEST_HARNESS_MAIN

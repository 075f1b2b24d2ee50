// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Lifetimes of jobs and the objects they hold: closing the fd with jobs in
 * flight, SIGKILL of a process with jobs in flight, and closing the fd
 * while a job hangs all end with every buffer object freed (the debugfs
 * count csa_bos returns to its baseline); a job's fence exported as a
 * sync_file still signals after the DRM fd is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define BIG		(4 * 1024 * 1024)
#define NJOBS		24
#define SETTLE_MS	20000

FIXTURE(lifetime) {
	char addr[CSA_VM_ADDR_LEN];
	uint64_t baseline;
};

FIXTURE_SETUP(lifetime)
{
	int fd = csa_vm_open_first(self->addr), ret;

	ASSERT_LE(0, fd);
	close(fd);
	ret = csa_vm_debugfs_bos(self->addr, &self->baseline);
	ASSERT_EQ(0, ret) TH_LOG("debugfs csa_bos: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(lifetime)
{
}

/* Poll the BO count until it is back to @baseline; the last count seen. */
static uint64_t settle(const char *addr, uint64_t baseline)
{
	return csa_vm_debugfs_bos_settle(addr, baseline, SETTLE_MS);
}

/*
 * Open a file and queue NJOBS big copies between two new BOs on hardware
 * queue @hw; optionally a hanging job first.  Returns the fd.
 */
static int busy_file(struct __test_metadata *_metadata, uint32_t hw, int with_hang,
		     uint32_t *so)
{
	struct drm_csa_bind binds[2];
	struct drm_csa_cmd copy = {
		.opcode = CSA_OP_COPY,
		.dst_slot = 1,
		.size = BIG,
	};
	struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };
	uint32_t q, bo[2];
	int fd = csa_vm_open_first(NULL);

	EXPECT_LE(0, fd);
	EXPECT_EQ(0, csa_vm_queue_create(fd, hw, DRM_CSA_PRIORITY_NORMAL, &q));
	EXPECT_EQ(0, csa_vm_syncobj_create(fd, so));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, csa_vm_bo_create(fd, BIG, &bo[i]));
		binds[i].handle = bo[i];
		binds[i].access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;
	}
	if (with_hang)
		EXPECT_EQ(0, csa_vm_job(fd, q, &hang, NULL, 0, 0));
	for (int i = 0; i < NJOBS; i++)
		EXPECT_EQ(0, csa_vm_job(fd, q, &copy, binds, 2, *so));
	/* the handles go; only the jobs keep the objects alive */
	csa_vm_gem_close(fd, bo[0]);
	csa_vm_gem_close(fd, bo[1]);
	return fd;
}

/*
 * The card holds the jobs: another file's hang sits in front of them on
 * hardware queue 0 until the job timeout, so they are certainly still in
 * flight when the fd is closed, however slow the kernel.
 */
TEST_F_TIMEOUT(lifetime, close_fd_with_jobs_in_flight, 60)
{
	struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };
	uint32_t so, hq, hso;
	int status = 7, fd, hfd = csa_vm_open_first(NULL);
	uint64_t n;

	ASSERT_LE(0, hfd);
	ASSERT_EQ(0, csa_vm_queue_create(hfd, 0, DRM_CSA_PRIORITY_NORMAL, &hq));
	ASSERT_EQ(0, csa_vm_syncobj_create(hfd, &hso));
	ASSERT_EQ(0, csa_vm_job(hfd, hq, &hang, NULL, 0, hso));
	fd = busy_file(_metadata, 0, 0, &so);
	ASSERT_EQ(0, csa_vm_debugfs_bos(self->addr, &n));
	ASSERT_EQ(0, csa_vm_fence_status(hfd, hso, &status));
	ASSERT_EQ(0, status) TH_LOG("the hang ended before the jobs were checked");
	ASSERT_LE(self->baseline + 2, n);
	close(fd);
	close(hfd);
	ASSERT_EQ(self->baseline, settle(self->addr, self->baseline));
}

TEST_F_TIMEOUT(lifetime, sigkill_with_jobs_in_flight, 60)
{
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t so;

		close(pipefd[0]);
		busy_file(_metadata, 1, 0, &so);
		busy_file(_metadata, 2, 0, &so);
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	close(pipefd[0]);
	ASSERT_EQ(self->baseline, settle(self->addr, self->baseline));
}

/* The fd goes away while a job hangs: the reset still frees everything. */
TEST_F_TIMEOUT(lifetime, close_fd_with_hung_job, 60)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	uint32_t so, q;
	int fd = csa_vm_open_first(NULL), r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so));
	ASSERT_EQ(0, csa_vm_job(fd, q, &dmaerr, NULL, 0, so));
	r = csa_vm_job_result(fd, so, SETTLE_MS);
	close(fd);
	if (r == -EINVAL)
		SKIP(return, "card without debug-ops");
	ASSERT_EQ(-EIO, r);

	fd = busy_file(_metadata, 0, 1, &so);
	close(fd);
	ASSERT_EQ(self->baseline, settle(self->addr, self->baseline));
}

/* A fence exported as a sync_file outlives the DRM file and signals. */
TEST_F_TIMEOUT(lifetime, sync_file_outlives_fd, 60)
{
	struct pollfd pfd = { .events = POLLIN };
	uint32_t so;
	int fd = busy_file(_metadata, 1, 0, &so);

	ASSERT_EQ(0, drmSyncobjExportSyncFile(fd, so, &pfd.fd));
	close(fd);
	ASSERT_EQ(1, poll(&pfd, 1, SETTLE_MS));
	ASSERT_TRUE(pfd.revents & POLLIN);
	close(pfd.fd);
	ASSERT_EQ(self->baseline, settle(self->addr, self->baseline));
}

/*
 * Unbind the card with a hung job and jobs queued behind it: their fences
 * fail with -ENODEV, the open file gets -ENODEV from every ioctl and can
 * still be closed, and the card binds again and runs jobs.
 */
TEST_F_TIMEOUT(lifetime, unbind_with_jobs_in_flight, 60)
{
	const char *drv = "/sys/bus/pci/drivers/csa";
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	uint32_t q, so[2];
	char path[64];
	int fd = csa_vm_open_first(NULL), r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so[0]));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so[1]));
	ASSERT_EQ(0, csa_vm_job(fd, q, &dmaerr, NULL, 0, so[0]));
	r = csa_vm_job_result(fd, so[0], SETTLE_MS);
	if (r == -EINVAL) {
		close(fd);
		SKIP(return, "card without debug-ops");
	}
	ASSERT_EQ(-EIO, r);
	ASSERT_EQ(0, csa_vm_job(fd, q, &hang, NULL, 0, so[0]));
	ASSERT_EQ(0, csa_vm_job(fd, q, &nop, NULL, 0, so[1]));

	snprintf(path, sizeof(path), "%s/unbind", drv);
	ASSERT_EQ(0, csa_vm_write_file(path, self->addr));
	ASSERT_EQ(-ENODEV, csa_vm_job_result(fd, so[0], SETTLE_MS));
	ASSERT_EQ(-ENODEV, csa_vm_job_result(fd, so[1], SETTLE_MS));
	ASSERT_EQ(-ENODEV, csa_vm_job(fd, q, &nop, NULL, 0, 0));
	ASSERT_EQ(-ENODEV, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
	close(fd);

	snprintf(path, sizeof(path), "%s/bind", drv);
	ASSERT_EQ(0, csa_vm_write_file(path, self->addr));
	fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so[0]));
	ASSERT_EQ(0, csa_vm_job(fd, q, &nop, NULL, 0, so[0]));
	ASSERT_EQ(0, csa_vm_job_result(fd, so[0], SETTLE_MS));
	close(fd);
}

/*
 * Last (fixtures run in the order they are defined): nothing above made the
 * kernel warn or oops in csa, DRM, the scheduler or dma-buf code.
 */
FIXTURE(kernel) {
	int unused;
};

FIXTURE_SETUP(kernel)
{
}

FIXTURE_TEARDOWN(kernel)
{
}

TEST_F(kernel, log_clean)
{
	static char log[1 << 18];
	const char *bad[] = { "BUG:", "Oops", "[csa]", "[gpu_sched]",
			      "drivers/gpu/drm", "drivers/dma-buf" };
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, csa_vm_kmsg_read(fd, log, sizeof(log)));
	close(fd);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(NULL, strstr(log, bad[i])) TH_LOG("kernel log:\n%s", log);
}

TEST_HARNESS_MAIN

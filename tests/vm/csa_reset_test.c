// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Full-device recovery (driver/csa_reset.c): one path for a fatal card
 * error (CSA_OP_DEBUG_CRASH: the firmware dies, CSA_IRQ_ERROR), a function
 * reset from the PCI core (sysfs "reset") and system suspend/resume
 * (pm_test "devices" with suspend-to-idle).  Each test has jobs in flight
 * on several hardware queues and contexts: the ones the card held fail
 * with -EIO (a reset) or complete (suspend drains the card first); jobs
 * still waiting in the scheduler run afterwards; new jobs on the same
 * contexts run (no context is banned); the sysfs "resets" counter counts
 * the recovery.  csa runs with job_timeout_ms=60000 here (reloaded, the
 * default restored afterwards), so that the hangs are certainly still
 * pending when the reset comes: no race with the job timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		60000

FIXTURE(reset) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
	int fd;
	uint32_t q[3];		/* contexts on hardware queues 0, 1, 2 of card 0 */
	uint32_t bo;
	volatile uint64_t *map;
	struct drm_csa_bind bind;
	char resets_path[CSA_VM_PATH_LEN * 2];
};

static const struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
static const struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };

FIXTURE_SETUP(reset)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	uint32_t so;
	int r;

	self->fd = -1;
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n);
	r = csa_vm_reload_module("job_timeout_ms=60000");
	ASSERT_EQ(0, r) TH_LOG("reload csa: %s", strerror(-r));
	self->fd = csa_vm_open_render(self->card[0].addr);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(-self->fd));
	ASSERT_LE(3u, self->card[0].queues) TH_LOG("card 0 needs 3 queues");
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, csa_vm_queue_create(self->fd, i, DRM_CSA_PRIORITY_NORMAL,
						 &self->q[i]));
	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 4096, &self->bo));
	self->map = csa_vm_bo_map(self->fd, self->bo, 4096);
	ASSERT_NE(NULL, self->map);
	memset((void *)self->map, 0, 4096);
	self->bind.handle = self->bo;
	self->bind.access = DRM_CSA_ACCESS_WRITE;
	snprintf(self->resets_path, sizeof(self->resets_path),
		 "/sys/bus/pci/devices/%.16s/resets", self->card[0].addr);

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[0], &dmaerr, NULL, 0, so));
	r = csa_vm_job_result(self->fd, so, WAIT_MS);
	if (r == -EINVAL)
		SKIP(return, "card without debug-ops");
	ASSERT_EQ(-EIO, r);
}

FIXTURE_TEARDOWN(reset)
{
	if (self->fd >= 0)
		close(self->fd);
	csa_vm_reload_module("");	/* the suites after this one expect the defaults */
}

static uint64_t resets(struct __test_metadata *_metadata, const char *path)
{
	uint64_t v = ~0ull;

	EXPECT_EQ(0, csa_vm_read_u64(path, &v)) TH_LOG("%s", path);
	return v;
}

/*
 * Hold every hardware queue of card 0 with a hang (contexts 0 and 1) and a
 * job queued behind it on another context of the same hardware queue, so
 * that a reset finds jobs on the card and jobs still waiting.  The
 * syncobjs: held[0..1] the hangs, behind[0..1] the jobs behind them.
 */
#define HOLD_QUEUES(held, behind, others) do { \
	for (int i = 0; i < 2; i++) { \
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(8 * i, 0x100 + i); \
		ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &held[i])); \
		ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &behind[i])); \
		ASSERT_EQ(0, csa_vm_queue_create(self->fd, i, DRM_CSA_PRIORITY_NORMAL, \
						 &others[i])); \
		ASSERT_EQ(0, csa_vm_job(self->fd, self->q[i], &hang, NULL, 0, held[i])); \
		ASSERT_EQ(0, csa_vm_job(self->fd, others[i], &wv, &self->bind, 1, \
					behind[i])); \
	} \
	ASSERT_EQ(0, wait_held(self->card[0].addr)) \
		TH_LOG("the hangs never reached the card"); \
} while (0)

/*
 * Wait until the hangs are on the card: hardware queues 0 and 1 execute a
 * descriptor (debugfs csa_queues, the card's CSA_Q_STATUS_BUSY).  Only
 * then is it certain that the reset, not a later run, meets them.
 */
static int wait_held(const char *addr)
{
	uint32_t busy = 0;
	int ret = 0;

	for (int i = 0; i < 3000; i++) {
		ret = csa_vm_debugfs_busy_queues(addr, &busy);
		if (ret || (busy & 3) == 3)
			break;
		usleep(10000);
	}
	return ret ? ret : (busy & 3) == 3 ? 0 : -ETIME;
}

/* After a reset: the held jobs failed with -EIO, every context works. */
static void expect_recovered(struct __test_metadata *_metadata,
			     FIXTURE_DATA(reset) *self, const uint32_t *held,
			     const uint32_t *behind, const uint32_t *others)
{
	uint32_t so;

	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(-EIO, csa_vm_job_result(self->fd, held[i], WAIT_MS))
			TH_LOG("hang on hardware queue %d", i);
		/* on the ring behind the hang: -EIO too; or it ran afterwards */
		int r = csa_vm_job_result(self->fd, behind[i], WAIT_MS);

		EXPECT_TRUE(r == 0 || r == -EIO) TH_LOG("job behind hang %d: %d", i, r);
		if (!r)
			EXPECT_EQ(0x100u + i, self->map[i]);
	}
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so));
	for (int i = 0; i < 3; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(64 + 8 * i, 0x200 + i);

		ASSERT_EQ(0, csa_vm_job(self->fd, self->q[i], &wv, &self->bind, 1, so))
			TH_LOG("context %d after the reset", i);
		ASSERT_EQ(0, csa_vm_job_result(self->fd, so, WAIT_MS)) TH_LOG("context %d", i);
		ASSERT_EQ(0x200u + i, self->map[8 + i]);
		if (i < 2) {
			ASSERT_EQ(0, csa_vm_job(self->fd, others[i], &nop, NULL, 0, so));
			ASSERT_EQ(0, csa_vm_job_result(self->fd, so, WAIT_MS));
		}
	}
}

/* The firmware crashes with jobs on every hardware queue. */
TEST_F_TIMEOUT(reset, firmware_crash_recovered, 120)
{
	struct drm_csa_cmd crash = { .opcode = CSA_OP_DEBUG_CRASH };
	uint32_t held[2], behind[2], others[2], so;
	uint64_t before = resets(_metadata, self->resets_path);

	HOLD_QUEUES(held, behind, others);
	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->q[2], &crash, NULL, 0, so));
	EXPECT_EQ(-EIO, csa_vm_job_result(self->fd, so, WAIT_MS)) TH_LOG("the crashing job");
	expect_recovered(_metadata, self, held, behind, others);
	EXPECT_EQ(before + 1, resets(_metadata, self->resets_path));
}

/* A function reset through sysfs, as a user or the PCI core does it. */
TEST_F_TIMEOUT(reset, pci_function_reset_recovered, 120)
{
	uint32_t held[2], behind[2], others[2];
	uint64_t before = resets(_metadata, self->resets_path);
	char path[CSA_VM_PATH_LEN * 2];
	int r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.16s/reset", self->card[0].addr);
	HOLD_QUEUES(held, behind, others);
	r = csa_vm_write_file(path, "1");
	ASSERT_EQ(0, r) TH_LOG("%s: %s (does the card offer a reset method?)", path,
			       strerror(-r));
	expect_recovered(_metadata, self, held, behind, others);
	EXPECT_EQ(before + 1, resets(_metadata, self->resets_path));
}

/*
 * System suspend (to idle; pm_test "devices" resumes after the device
 * callbacks) with jobs running: suspend lets the card finish them, resume
 * reloads the firmware; everything in flight completes OK.
 */
TEST_F_TIMEOUT(reset, suspend_resume_with_jobs_in_flight, 120)
{
	uint64_t clock_khz = 0, before = resets(_metadata, self->resets_path);
	struct drm_csa_cmd delay = { .opcode = CSA_OP_DEBUG_DELAY };
	uint32_t so[3];
	int r;

	ASSERT_EQ(0, csa_vm_get_param(self->fd, DRM_CSA_PARAM_CLOCK_KHZ, 0, 0, &clock_khz));
	delay.value = 200 * clock_khz;	/* 200 ms of card time */
	for (int i = 0; i < 3; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(8 * i, 0x300 + i);

		ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so[i]));
		ASSERT_EQ(0, csa_vm_job(self->fd, self->q[i], &delay, NULL, 0, 0));
		ASSERT_EQ(0, csa_vm_job(self->fd, self->q[i], &wv, &self->bind, 1, so[i]));
	}
	r = csa_vm_write_file("/sys/power/pm_test", "devices");
	ASSERT_EQ(0, r) TH_LOG("pm_test: %s", strerror(-r));
	csa_vm_write_file("/sys/module/suspend/parameters/pm_test_delay", "1");
	r = csa_vm_write_file("/sys/power/state", "freeze");
	csa_vm_write_file("/sys/power/pm_test", "none");
	ASSERT_EQ(0, r) TH_LOG("suspend: %s", strerror(-r));

	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, csa_vm_job_result(self->fd, so[i], WAIT_MS)) TH_LOG("queue %d", i);
		EXPECT_EQ(0x300u + i, self->map[i]);
	}
	for (int i = 0; i < 3; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(64 + 8 * i, 0x400 + i);

		ASSERT_EQ(0, csa_vm_job(self->fd, self->q[i], &wv, &self->bind, 1, so[i]));
		ASSERT_EQ(0, csa_vm_job_result(self->fd, so[i], WAIT_MS)) TH_LOG("queue %d", i);
		EXPECT_EQ(0x400u + i, self->map[8 + i]);
	}
	EXPECT_EQ(before + 1, resets(_metadata, self->resets_path));
}

TEST_HARNESS_MAIN

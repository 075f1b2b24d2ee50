// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Full-device recovery (driver/csa_reset.c): one path for a fatal card
 * error (CSA_OP_DEBUG_CRASH: the firmware dies, CSA_IRQ_ERROR), a function
 * reset from the PCI core (sysfs "reset"), PCI Express error recovery (AER,
 * errors injected with aer_inject) and system suspend/resume (pm_test
 * "devices" with suspend-to-idle).  Each test has jobs in flight
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
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		60000

/* One card under test: three contexts, one on each of hardware queues 0, 1, 2 (mod queues). */
struct rig {
	const char *addr;
	int fd;
	uint32_t q[3];
	uint32_t bo;
	volatile uint64_t *map;
	struct drm_csa_bind bind;
	char resets_path[CSA_VM_PATH_LEN * 2];
};

static const struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
static const struct drm_csa_cmd hang = { .opcode = CSA_OP_DEBUG_HANG };

/*
 * Reload csa with a long job timeout and set up @rig on @card; 1 if the
 * card has no debug ops (the caller skips), 0 on success.
 */
static int rig_setup(struct __test_metadata *_metadata, struct rig *rig,
		     const struct csa_vm_card *card)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	uint32_t so;
	int r;

	rig->addr = card->addr;
	r = csa_vm_reload_module("job_timeout_ms=60000");
	ASSERT_EQ(0, r) TH_LOG("reload csa: %s", strerror(-r));
	rig->fd = csa_vm_open_render(card->addr);
	ASSERT_LE(0, rig->fd) TH_LOG("open %s: %s", card->addr, strerror(-rig->fd));
	ASSERT_LE(2u, card->queues) TH_LOG("card %s needs 2 queues", card->addr);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, csa_vm_queue_create(rig->fd, i % card->queues,
						 DRM_CSA_PRIORITY_NORMAL, &rig->q[i]));
	ASSERT_EQ(0, csa_vm_bo_create(rig->fd, 4096, &rig->bo));
	rig->map = csa_vm_bo_map(rig->fd, rig->bo, 4096);
	ASSERT_NE(NULL, rig->map);
	memset((void *)rig->map, 0, 4096);
	rig->bind.handle = rig->bo;
	rig->bind.access = DRM_CSA_ACCESS_WRITE;
	snprintf(rig->resets_path, sizeof(rig->resets_path),
		 "/sys/bus/pci/devices/%.16s/resets", card->addr);

	ASSERT_EQ(0, csa_vm_syncobj_create(rig->fd, &so));
	ASSERT_EQ(0, csa_vm_job(rig->fd, rig->q[0], &dmaerr, NULL, 0, so));
	r = csa_vm_job_result(rig->fd, so, WAIT_MS);
	if (r == -EINVAL)
		return 1;
	ASSERT_EQ(-EIO, r);
	return 0;
}

static void rig_teardown(struct rig *rig)
{
	if (rig->fd >= 0)
		close(rig->fd);
	csa_vm_reload_module("");	/* the suites after this one expect the defaults */
}

static uint64_t resets(struct __test_metadata *_metadata, const char *path)
{
	uint64_t v = ~0ull;

	EXPECT_EQ(0, csa_vm_read_u64(path, &v)) TH_LOG("%s", path);
	return v;
}

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

/*
 * Hold hardware queues 0 and 1 with a hang (contexts 0 and 1) and a job
 * queued behind each on another context of the same hardware queue, so
 * that a reset finds jobs on the card and jobs still waiting.  The
 * syncobjs: held[0..1] the hangs, behind[0..1] the jobs behind them.
 */
static void hold_queues(struct __test_metadata *_metadata, struct rig *rig,
			uint32_t *held, uint32_t *behind, uint32_t *others)
{
	for (int i = 0; i < 2; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(8 * i, 0x100 + i);

		ASSERT_EQ(0, csa_vm_syncobj_create(rig->fd, &held[i]));
		ASSERT_EQ(0, csa_vm_syncobj_create(rig->fd, &behind[i]));
		ASSERT_EQ(0, csa_vm_queue_create(rig->fd, i, DRM_CSA_PRIORITY_NORMAL,
						 &others[i]));
		ASSERT_EQ(0, csa_vm_job(rig->fd, rig->q[i], &hang, NULL, 0, held[i]));
		ASSERT_EQ(0, csa_vm_job(rig->fd, others[i], &wv, &rig->bind, 1, behind[i]));
	}
	ASSERT_EQ(0, wait_held(rig->addr)) TH_LOG("the hangs never reached the card");
}

/* After a reset: the held jobs failed with -EIO, every context works. */
static void expect_recovered(struct __test_metadata *_metadata, struct rig *rig,
			     const uint32_t *held, const uint32_t *behind,
			     const uint32_t *others)
{
	uint32_t so;

	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(-EIO, csa_vm_job_result(rig->fd, held[i], WAIT_MS))
			TH_LOG("hang on hardware queue %d", i);
		/* on the ring behind the hang: -EIO too; or it ran afterwards */
		int r = csa_vm_job_result(rig->fd, behind[i], WAIT_MS);

		EXPECT_TRUE(r == 0 || r == -EIO) TH_LOG("job behind hang %d: %d", i, r);
		if (!r)
			EXPECT_EQ(0x100u + i, rig->map[i]);
	}
	ASSERT_EQ(0, csa_vm_syncobj_create(rig->fd, &so));
	for (int i = 0; i < 3; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(64 + 8 * i, 0x200 + i);

		ASSERT_EQ(0, csa_vm_job(rig->fd, rig->q[i], &wv, &rig->bind, 1, so))
			TH_LOG("context %d after the reset", i);
		ASSERT_EQ(0, csa_vm_job_result(rig->fd, so, WAIT_MS)) TH_LOG("context %d", i);
		ASSERT_EQ(0x200u + i, rig->map[8 + i]);
		if (i < 2) {
			ASSERT_EQ(0, csa_vm_job(rig->fd, others[i], &nop, NULL, 0, so));
			ASSERT_EQ(0, csa_vm_job_result(rig->fd, so, WAIT_MS));
		}
	}
}

FIXTURE(reset) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	struct rig rig;
};

/* Card 0, the one with three hardware queues. */
FIXTURE_SETUP(reset)
{
	int n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);

	self->rig.fd = -1;
	ASSERT_LT(0, n);
	ASSERT_LE(3u, self->card[0].queues) TH_LOG("card 0 needs 3 queues");
	if (rig_setup(_metadata, &self->rig, &self->card[0]))
		SKIP(return, "card without debug-ops");
}

FIXTURE_TEARDOWN(reset)
{
	rig_teardown(&self->rig);
}

/* The firmware crashes with jobs on every hardware queue. */
TEST_F_TIMEOUT(reset, firmware_crash_recovered, 120)
{
	struct drm_csa_cmd crash = { .opcode = CSA_OP_DEBUG_CRASH };
	uint32_t held[2], behind[2], others[2], so;
	uint64_t before = resets(_metadata, self->rig.resets_path);

	hold_queues(_metadata, &self->rig, held, behind, others);
	ASSERT_EQ(0, csa_vm_syncobj_create(self->rig.fd, &so));
	ASSERT_EQ(0, csa_vm_job(self->rig.fd, self->rig.q[2], &crash, NULL, 0, so));
	EXPECT_EQ(-EIO, csa_vm_job_result(self->rig.fd, so, WAIT_MS)) TH_LOG("the crashing job");
	expect_recovered(_metadata, &self->rig, held, behind, others);
	EXPECT_EQ(before + 1, resets(_metadata, self->rig.resets_path));
}

/* A function reset through sysfs, as a user or the PCI core does it. */
TEST_F_TIMEOUT(reset, pci_function_reset_recovered, 120)
{
	uint32_t held[2], behind[2], others[2];
	uint64_t before = resets(_metadata, self->rig.resets_path);
	char path[CSA_VM_PATH_LEN * 2];
	int r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.16s/reset", self->rig.addr);
	hold_queues(_metadata, &self->rig, held, behind, others);
	r = csa_vm_write_file(path, "1");
	ASSERT_EQ(0, r) TH_LOG("%s: %s (does the card offer a reset method?)", path,
			       strerror(-r));
	expect_recovered(_metadata, &self->rig, held, behind, others);
	EXPECT_EQ(before + 1, resets(_metadata, self->rig.resets_path));
}

/*
 * System suspend (to idle; pm_test "devices" resumes after the device
 * callbacks) with jobs running: suspend lets the card finish them, resume
 * reloads the firmware; everything in flight completes OK.
 */
TEST_F_TIMEOUT(reset, suspend_resume_with_jobs_in_flight, 120)
{
	uint64_t clock_khz = 0, before = resets(_metadata, self->rig.resets_path);
	struct drm_csa_cmd delay = { .opcode = CSA_OP_DEBUG_DELAY };
	uint32_t so[3];
	int r;

	ASSERT_EQ(0, csa_vm_get_param(self->rig.fd, DRM_CSA_PARAM_CLOCK_KHZ, 0, 0, &clock_khz));
	delay.value = 200 * clock_khz;	/* 200 ms of card time */
	for (int i = 0; i < 3; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(8 * i, 0x300 + i);

		ASSERT_EQ(0, csa_vm_syncobj_create(self->rig.fd, &so[i]));
		ASSERT_EQ(0, csa_vm_job(self->rig.fd, self->rig.q[i], &delay, NULL, 0, 0));
		ASSERT_EQ(0, csa_vm_job(self->rig.fd, self->rig.q[i], &wv, &self->rig.bind, 1, so[i]));
	}
	r = csa_vm_write_file("/sys/power/pm_test", "devices");
	ASSERT_EQ(0, r) TH_LOG("pm_test: %s", strerror(-r));
	csa_vm_write_file("/sys/module/suspend/parameters/pm_test_delay", "1");
	r = csa_vm_write_file("/sys/power/state", "freeze");
	csa_vm_write_file("/sys/power/pm_test", "none");
	ASSERT_EQ(0, r) TH_LOG("suspend: %s", strerror(-r));

	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, csa_vm_job_result(self->rig.fd, so[i], WAIT_MS)) TH_LOG("queue %d", i);
		EXPECT_EQ(0x300u + i, self->rig.map[i]);
	}
	for (int i = 0; i < 3; i++) {
		struct drm_csa_cmd wv = csa_vm_cmd_write_value(64 + 8 * i, 0x400 + i);

		ASSERT_EQ(0, csa_vm_job(self->rig.fd, self->rig.q[i], &wv, &self->rig.bind, 1, so[i]));
		ASSERT_EQ(0, csa_vm_job_result(self->rig.fd, so[i], WAIT_MS)) TH_LOG("queue %d", i);
		EXPECT_EQ(0x400u + i, self->rig.map[8 + i]);
	}
	EXPECT_EQ(before + 1, resets(_metadata, self->rig.resets_path));
}

/*
 * PCI Express error recovery (AER) on a card behind a root port: the AER
 * core reports an uncorrectable error of the card to its driver
 * (error_detected), resets the link for a fatal one, then slot_reset and
 * resume.  The error is injected with the kernel's aer_inject
 * (CONFIG_PCIEAER_INJECT, /dev/aer_inject), which fakes the card's and the
 * root port's AER registers and raises the root port's AER interrupt.
 */
struct aer_error_inj {		/* drivers/pci/pcie/aer_inject.c */
	uint8_t bus, dev, fn;
	uint32_t uncor_status, cor_status;
	uint32_t header_log[4];
	uint32_t domain;
};

#define AER_UNC_COMP_TIME	0x00004000	/* completion timeout */
#define AER_UNC_MALF_TLP	0x00040000	/* malformed TLP */

FIXTURE(aer) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	struct rig rig;
	uint32_t severity;	/* the card's PCI_ERR_UNCOR_SEVER */
	char port[PATH_MAX];	/* sysfs directory of its root port */
};

/*
 * The sysfs directory of the bridge above the PCI device @addr into @port;
 * 0 if it is a bridge (a root port here), -ENOENT on a root bus.
 */
static int upstream_port(const char *addr, char *port, size_t len)
{
	char path[CSA_VM_PATH_LEN * 2], *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.16s", addr);
	if (len < PATH_MAX || !realpath(path, port))
		return -ENOENT;
	slash = strrchr(port, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	slash = strrchr(port, '/');
	return slash && strncmp(slash + 1, "pci", 3) != 0 ? 0 : -ENOENT;
}

/* The AER capability's PCI_ERR_UNCOR_SEVER of @addr; -ENOENT without AER. */
static int64_t aer_severity(const char *addr)
{
	char path[CSA_VM_PATH_LEN * 2];
	uint32_t cfg[1024];
	unsigned int pos = 0x100;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.16s/config", addr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n != (int)sizeof(cfg))
		return -EIO;	/* no extended config space: not PCIe */
	for (int hops = 0; pos >= 0x100 && hops < 64; hops++) {
		uint32_t hdr = cfg[pos / 4];

		if ((hdr & 0xffff) == 0x0001)
			return cfg[pos / 4 + 3];
		pos = (hdr >> 20) & 0xffc;
	}
	return -ENOENT;
}

static int aer_inject(const char *addr, uint32_t uncor)
{
	struct aer_error_inj e = { .uncor_status = uncor };
	unsigned int dom, bus, dev, fn;
	int fd, ret = 0;

	if (sscanf(addr, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return -EINVAL;
	e.domain = dom;
	e.bus = bus;
	e.dev = dev;
	e.fn = fn;
	fd = open("/dev/aer_inject", O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		ret = -errno;
	close(fd);
	return ret;
}

/* The first card behind a PCIe root port, with AER. */
FIXTURE_SETUP(aer)
{
	int n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS), i;
	int64_t sev = -ENOENT;

	self->rig.fd = -1;
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		if (!upstream_port(self->card[i].addr, self->port, sizeof(self->port)))
			break;
	if (i == n)
		SKIP(return, "no card behind a PCIe root port (run-vm.sh --card-node)");
	if (access("/dev/aer_inject", W_OK))
		SKIP(return, "no /dev/aer_inject (aer_inject.ko, CONFIG_PCIEAER_INJECT)");
	sev = aer_severity(self->card[i].addr);
	ASSERT_LE(0, sev) TH_LOG("%s: no AER capability: %s", self->card[i].addr,
				 strerror((int)-sev));
	self->severity = sev;
	if (rig_setup(_metadata, &self->rig, &self->card[i]))
		SKIP(return, "card without debug-ops");
}

FIXTURE_TEARDOWN(aer)
{
	rig_teardown(&self->rig);
}

/*
 * Inject @error into the card while it holds jobs; the AER core must count
 * it at the root port (aer_rootport_total_err_@kind) and the driver
 * recover once.
 */
static void aer_recovery(struct __test_metadata *_metadata, FIXTURE_DATA(aer) *self,
			 uint32_t error, const char *kind)
{
	struct rig *rig = &self->rig;
	uint32_t held[2], behind[2], others[2];
	uint64_t before = resets(_metadata, rig->resets_path);
	uint64_t count = ~0ull, after = ~0ull;
	char stat[PATH_MAX + 64];
	int r;

	snprintf(stat, sizeof(stat), "%s/aer_rootport_total_err_%s", self->port, kind);
	r = csa_vm_read_u64(stat, &count);
	ASSERT_EQ(0, r) TH_LOG("%s: %s", stat, strerror(-r));
	hold_queues(_metadata, rig, held, behind, others);
	r = aer_inject(rig->addr, error);
	ASSERT_EQ(0, r) TH_LOG("aer_inject %s 0x%08x: %s", rig->addr, error, strerror(-r));
	expect_recovered(_metadata, rig, held, behind, others);
	EXPECT_EQ(before + 1, resets(_metadata, rig->resets_path))
		TH_LOG("the driver's recovery did not run once");
	EXPECT_EQ(0, csa_vm_read_u64(stat, &after));
	EXPECT_EQ(count + 1, after)
		TH_LOG("the root port's AER did not count one %s error", kind);
}

/* Non-fatal: the link stays up; error_detected stops, slot_reset restarts. */
TEST_F_TIMEOUT(aer, nonfatal_error_recovered, 120)
{
	ASSERT_EQ(0u, self->severity & AER_UNC_COMP_TIME)
		TH_LOG("completion timeout is fatal on this card (severity 0x%08x)",
		       self->severity);
	aer_recovery(_metadata, self, AER_UNC_COMP_TIME, "nonfatal");
}

/* Fatal: the root port resets the link (and the card) between the two. */
TEST_F_TIMEOUT(aer, fatal_error_recovered_after_link_reset, 120)
{
	ASSERT_NE(0u, self->severity & AER_UNC_MALF_TLP)
		TH_LOG("malformed TLP is not fatal on this card (severity 0x%08x)",
		       self->severity);
	aer_recovery(_metadata, self, AER_UNC_MALF_TLP, "fatal");
}

TEST_HARNESS_MAIN

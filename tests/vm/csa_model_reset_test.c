// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Device-recovery knobs of the virtual card (docs/hardware.md, "Reset"
 * and "Fatal state"):
 *  - every card offers the PCI core a function reset (reset_method "pm":
 *    the card's PM capability with NoSoftRst = 0), on the root bus and
 *    behind the expander bridge's root port alike, and writing 1 to
 *    /sys/bus/pci/devices/<card>/reset resets the card as at power-on
 *    (registers seen through the BAR0 mapping of sysfs resource0 while
 *    csa is unbound); the card binds again afterwards and runs jobs;
 *  - CSA_OP_DEBUG_CRASH (debug-ops) makes the card FATAL: the error
 *    interrupt reaches the driver with STATUS = FATAL (no FW_READY), whose
 *    recovery (soft reset, firmware reload) fails the crashing job with
 *    -EIO and brings both hardware queues back without a rebind
 *    (csa_reset_test checks the recovery itself in detail).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define WAIT_MS		30000
#define DRV		"/sys/bus/pci/drivers/csa"
#define PCI_COMMAND	0x04
#define PCI_COMMAND_MEMORY	0x2

static int sysfs_path(char *buf, size_t len, const char *addr,
		      const char *file)
{
	return snprintf(buf, len, "/sys/bus/pci/devices/%s/%s", addr, file);
}

static int bind_card(const char *addr, bool bind)
{
	return csa_vm_write_file(bind ? DRV "/bind" : DRV "/unbind", addr);
}

/* A NOP on hardware queue @hw of card @addr: 0 or the job's error. */
static int nop_job(const char *addr, uint32_t hw)
{
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	int fd = csa_vm_open_render(addr), r;
	uint32_t q, so;

	if (fd < 0)
		return fd;
	r = csa_vm_queue_create(fd, hw, DRM_CSA_PRIORITY_NORMAL, &q);
	if (!r)
		r = csa_vm_syncobj_create(fd, &so);
	if (!r)
		r = csa_vm_job(fd, q, &nop, NULL, 0, so);
	if (!r)
		r = csa_vm_job_result(fd, so, WAIT_MS);
	close(fd);
	return r;
}

/* Make sure the (unbound) card decodes memory, so BAR0 can be read. */
static int enable_memory(const char *addr)
{
	char path[96];
	uint16_t cmd;
	int fd, r = 0;

	sysfs_path(path, sizeof(path), addr, "config");
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, PCI_COMMAND) != 2)
		r = -EIO;
	else if (!(cmd & PCI_COMMAND_MEMORY)) {
		cmd |= PCI_COMMAND_MEMORY;
		if (pwrite(fd, &cmd, 2, PCI_COMMAND) != 2)
			r = -EIO;
	}
	close(fd);
	return r;
}

static uint32_t rd(volatile uint32_t *bar, uint32_t reg)
{
	return bar[reg / 4];
}

static void wr(volatile uint32_t *bar, uint32_t reg, uint32_t val)
{
	bar[reg / 4] = val;
}

FIXTURE(reset) {
	struct csa_vm_card cards[CSA_VM_MAX_CARDS];
	int n;
};

FIXTURE_SETUP(reset)
{
	self->n = csa_vm_cards(self->cards, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list: %d", self->n);
}

FIXTURE_TEARDOWN(reset)
{
	/*
	 * Whatever failed: leave every card bound and working for the next
	 * suites (a failed crash test leaves the card FATAL under the driver).
	 */
	for (int i = 0; i < self->n; i++) {
		if (!_metadata->passed)
			bind_card(self->cards[i].addr, false);
		if (csa_vm_bound(self->cards[i].addr) == 0)
			bind_card(self->cards[i].addr, true);
	}
}

TEST_F(reset, every_card_offers_the_pm_function_reset)
{
	for (int i = 0; i < self->n; i++) {
		char path[96], buf[128] = "";
		int fd;
		ssize_t len;

		sysfs_path(path, sizeof(path), self->cards[i].addr,
			   "reset_method");
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		ASSERT_LT(0, len);
		ksft_print_msg("%s reset_method: %s", self->cards[i].addr, buf);
		ASSERT_NE(NULL, strstr(buf, "pm"))
			TH_LOG("%s: no pm reset in '%s'", self->cards[i].addr, buf);
	}
}

TEST_F_TIMEOUT(reset, function_reset_is_a_power_on_reset, 120)
{
	for (int i = 0; i < self->n; i++) {
		const char *addr = self->cards[i].addr;
		volatile uint32_t *bar;
		char path[96];

		ASSERT_EQ(0, nop_job(addr, 0)) TH_LOG("%s before", addr);
		ASSERT_EQ(0, bind_card(addr, false));
		ASSERT_EQ(0, enable_memory(addr));
		bar = csa_vm_map_regs(addr);
		ASSERT_NE(NULL, bar) TH_LOG("%s: mmap resource0: %s", addr,
					   strerror(errno));
		ASSERT_EQ(CSA_ID_MAGIC, rd(bar, CSA_REG_ID));

		/* state a power-on reset must clear */
		wr(bar, CSA_REG_SCRATCH, 0x5ca7c400);
		wr(bar, CSA_REG_IRQ_MASK, CSA_IRQ_FW | CSA_IRQ_ERROR);
		wr(bar, CSA_REG_Q(0, CSA_Q_RING_LO), 0x10000);
		wr(bar, CSA_REG_Q(0, CSA_Q_RING_SIZE), 4);
		ASSERT_EQ(0x5ca7c400u, rd(bar, CSA_REG_SCRATCH));
		ASSERT_EQ(CSA_IRQ_FW | CSA_IRQ_ERROR,
			  rd(bar, CSA_REG_IRQ_MASK));
		ASSERT_EQ(4u, rd(bar, CSA_REG_Q(0, CSA_Q_RING_SIZE)));

		sysfs_path(path, sizeof(path), addr, "reset");
		ASSERT_EQ(0, csa_vm_write_file(path, "1"))
			TH_LOG("%s: function reset failed", addr);
		/* the PCI core restored BARs and command: BAR0 answers */
		ASSERT_EQ(CSA_ID_MAGIC, rd(bar, CSA_REG_ID));
		EXPECT_EQ(0u, rd(bar, CSA_REG_SCRATCH));
		EXPECT_EQ(0u, rd(bar, CSA_REG_IRQ_MASK));
		EXPECT_EQ(0u, rd(bar, CSA_REG_STATUS));
		EXPECT_EQ((uint32_t)CSA_FW_STATUS_NONE,
			  rd(bar, CSA_REG_FW_STATUS));
		EXPECT_EQ(0u, rd(bar, CSA_REG_Q(0, CSA_Q_RING_LO)));
		EXPECT_EQ(0u, rd(bar, CSA_REG_Q(0, CSA_Q_RING_SIZE)));
		EXPECT_EQ(0u, rd(bar, CSA_REG_Q(0, CSA_Q_STATUS)));
		munmap((void *)bar, CSA_BAR_REGS_SIZE);

		ASSERT_EQ(0, bind_card(addr, true)) TH_LOG("%s rebind", addr);
		ASSERT_EQ(0, nop_job(addr, 0)) TH_LOG("%s after", addr);
	}
}

TEST_F_TIMEOUT(reset, debug_crash_makes_the_card_fatal, 120)
{
	struct drm_csa_cmd crash = { .opcode = CSA_OP_DEBUG_CRASH };
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	const char *addr = self->cards[0].addr;
	char log[16384];
	uint32_t q[2], so[2];
	int fd, kmsg, r;

	fd = csa_vm_open_render(addr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_NORMAL, &q[0]));
	ASSERT_EQ(0, csa_vm_queue_create(fd, 1, DRM_CSA_PRIORITY_NORMAL, &q[1]));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so[0]));
	ASSERT_EQ(0, csa_vm_syncobj_create(fd, &so[1]));
	ASSERT_EQ(0, csa_vm_job(fd, q[0], &dmaerr, NULL, 0, so[0]));
	r = csa_vm_job_result(fd, so[0], WAIT_MS);
	if (r == -EINVAL) {
		close(fd);
		SKIP(return, "card without debug-ops");
	}
	ASSERT_EQ(-EIO, r);

	kmsg = csa_vm_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, csa_vm_job(fd, q[0], &crash, NULL, 0, so[0]));
	ASSERT_EQ(-EIO, csa_vm_job_result(fd, so[0], WAIT_MS));
	ASSERT_LE(0, csa_vm_kmsg_read(kmsg, log, sizeof(log)));
	close(kmsg);
	/* the driver's recovery prints STATUS: FATAL, no FW_READY */
	ASSERT_NE(NULL, strstr(log, "fatal error (status 0x00000002)"))
		TH_LOG("kernel log: %s", log);
	close(fd);
	/* recovered: both hardware queues run, no rebind */
	ASSERT_EQ(0, nop_job(addr, 0));
	ASSERT_EQ(0, nop_job(addr, 1));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every card QEMU was given enumerates on PCI with the CSA identity, is
 * bound to csa, has a node whose driver is "csa" (a compute accel node on
 * kernels with CONFIG_DRM_ACCEL, a render node elsewhere), has one MSI-X
 * vector per queue plus one, and libcsa enumerates exactly these cards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

#include "kselftest_harness.h"
#include "csa_hw.h"
#include "csa/csa.h"
#include "csa_vm.h"

#define ACCEL_MAJOR	261	/* include/drm/drm_accel.h */

FIXTURE(cards) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
};

FIXTURE_SETUP(cards)
{
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list from the VM runner: %s",
				     strerror(-self->n));
}

FIXTURE_TEARDOWN(cards)
{
}

TEST_F(cards, pci_identity)
{
	for (int i = 0; i < self->n; i++) {
		const char *a = self->card[i].addr;
		char path[128];
		uint64_t v;
		int ret;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", a);
		ret = csa_vm_read_u64(path, &v);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", path, strerror(-ret));
		EXPECT_EQ((uint64_t)CSA_PCI_VENDOR_ID, v) TH_LOG("%s: vendor 0x%llx", a,
						       (unsigned long long)v);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", a);
		ret = csa_vm_read_u64(path, &v);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", path, strerror(-ret));
		EXPECT_EQ((uint64_t)CSA_PCI_DEVICE_ID, v) TH_LOG("%s: device 0x%llx", a,
						       (unsigned long long)v);
	}
}

TEST_F(cards, driver_bound)
{
	for (int i = 0; i < self->n; i++) {
		EXPECT_EQ(1, csa_vm_bound(self->card[i].addr))
			TH_LOG("/sys/bus/pci/drivers/csa/%s missing: csa not bound",
			       self->card[i].addr);
	}
}

TEST_F(cards, render_node_names_csa)
{
	for (int i = 0; i < self->n; i++) {
		const char *a = self->card[i].addr;
		char node[CSA_VM_PATH_LEN];
		drmVersionPtr ver;
		struct stat st;
		int fd, ret;

		ret = csa_vm_render_node(a, node, sizeof(node));
		ASSERT_EQ(0, ret) TH_LOG("%s: no accel or render node in sysfs: %s", a,
					 strerror(-ret));
		ASSERT_EQ(0, stat(node, &st)) TH_LOG("%s: %s", node, strerror(errno));
		EXPECT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s is not a char device", node);
		if (csa_vm_is_accel(a)) {
			EXPECT_EQ(ACCEL_MAJOR, (int)major(st.st_rdev))
				TH_LOG("%s major %u is not the accel major", node,
				       major(st.st_rdev));
		} else {
			EXPECT_LE(128, (int)(minor(st.st_rdev)))
				TH_LOG("%s minor %u is not a render minor", node,
				       minor(st.st_rdev));
		}
		fd = open(node, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", node, strerror(errno));
		ver = drmGetVersion(fd);
		ASSERT_NE(NULL, ver) TH_LOG("drmGetVersion(%s): %s", node, strerror(errno));
		EXPECT_STREQ(CSA_DRIVER_NAME, ver->name);
		drmFreeVersion(ver);
		close(fd);
	}
}

/*
 * The node kind follows the kernel: an accel node, and no /dev/dri node at
 * all, where the kernel has the accel class (CONFIG_DRM_ACCEL); a render
 * node where it has not.
 */
TEST_F(cards, node_kind_follows_kernel)
{
	int kernel_accel = access("/sys/class/accel", F_OK) == 0;

	for (int i = 0; i < self->n; i++) {
		const char *a = self->card[i].addr;
		char node[CSA_VM_PATH_LEN], dir[128];

		ASSERT_EQ(0, csa_vm_render_node(a, node, sizeof(node)));
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/drm", a);
		if (kernel_accel) {
			EXPECT_EQ(0, strncmp(node, "/dev/accel/accel", 16))
				TH_LOG("%s: kernel has accel devices, card has %s", a, node);
			EXPECT_NE(0, access(dir, F_OK))
				TH_LOG("%s: an accel device with DRM nodes too", a);
		} else {
			EXPECT_EQ(0, strncmp(node, "/dev/dri/renderD", 16))
				TH_LOG("%s: kernel without accel devices, card has %s", a, node);
		}
	}
}

/*
 * Core ioctls a render node refuses are refused on an accel node too: the
 * accel core does not filter them, and 6.12's GET_UNIQUE oopses on a file
 * without a DRM master.
 */
TEST_F(cards, legacy_core_ioctls_refused)
{
	for (int i = 0; i < self->n; i++) {
		const char *a = self->card[i].addr;
		struct drm_unique u = { 0 };
		struct drm_auth auth = { 0 };
		int fd = csa_vm_open_render(a);

		ASSERT_LE(0, fd) TH_LOG("%s: open: %s", a, strerror(-fd));
		EXPECT_EQ(-1, ioctl(fd, DRM_IOCTL_GET_UNIQUE, &u));
		EXPECT_EQ(EACCES, errno) TH_LOG("%s: GET_UNIQUE: %s", a, strerror(errno));
		EXPECT_EQ(-1, ioctl(fd, DRM_IOCTL_GET_MAGIC, &auth));
		EXPECT_EQ(EACCES, errno) TH_LOG("%s: GET_MAGIC: %s", a, strerror(errno));
		close(fd);
	}
}

TEST_F(cards, msix_vectors)
{
	for (int i = 0; i < self->n; i++) {
		const struct csa_vm_card *c = &self->card[i];
		int n = csa_vm_msi_irqs(c->addr);

		EXPECT_EQ((int)CSA_MSIX_VECTORS(c->queues), n)
			TH_LOG("%s: %d MSI-X vectors, want 1 + %llu queues", c->addr,
			       n, (unsigned long long)c->queues);
	}
}

TEST_F(cards, libcsa_enumerates_every_card)
{
	struct csa_card found[CSA_VM_MAX_CARDS];
	int n = csa_enumerate(found, CSA_VM_MAX_CARDS);

	ASSERT_EQ(self->n, n) TH_LOG("csa_enumerate: %d (%s), QEMU has %d cards",
				     n, n < 0 ? csa_last_error() : "count", self->n);
	for (int i = 0; i < self->n; i++) {
		char node[CSA_VM_PATH_LEN] = "";
		int j;

		for (j = 0; j < n; j++)
			if (!strcmp(found[j].pci_address, self->card[i].addr))
				break;
		ASSERT_LT(j, n) TH_LOG("libcsa did not list %s", self->card[i].addr);
		csa_vm_render_node(self->card[i].addr, node, sizeof(node));
		EXPECT_STREQ(node, found[j].render_node);
		EXPECT_EQ(CSA_PCI_VENDOR_ID, found[j].pci_vendor);
		EXPECT_EQ(CSA_PCI_DEVICE_ID, found[j].pci_device);
	}
}

TEST_HARNESS_MAIN

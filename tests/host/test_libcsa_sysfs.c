// SPDX-License-Identifier: MIT
/*
 * libcsa internals that read the system: NUMA node, bound driver and
 * compute accel nodes from a fake sysfs tree, and PCI address formatting.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "internal.h"

#define ADDR "0000:00:04.0"

/* mkdir -p */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

FIXTURE(fake_sysfs) {
	char root[64];
};

FIXTURE_SETUP(fake_sysfs)
{
	char path[PATH_MAX];

	strcpy(self->root, "/tmp/test_libcsa_sysfs_XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(path, sizeof(path), "%s/bus/pci/devices/" ADDR, self->root);
	ASSERT_EQ(0, make_dirs(path));
	csa_sysfs_set_root(self->root);
}

FIXTURE_TEARDOWN(fake_sysfs)
{
	char cmd[128];

	csa_sysfs_set_root(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->root);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->root);
}

#define NUMA_FILE "bus/pci/devices/" ADDR "/numa_node"

TEST_F(fake_sysfs, numa_node_zero)
{
	int node = 42;

	ASSERT_EQ(0, write_file(self->root, NUMA_FILE, "0\n"));
	EXPECT_EQ(0, csa_sysfs_numa_node(ADDR, &node));
	EXPECT_EQ(0, node);
}

TEST_F(fake_sysfs, numa_node_positive_without_newline)
{
	int node = 42;

	ASSERT_EQ(0, write_file(self->root, NUMA_FILE, "3"));
	EXPECT_EQ(0, csa_sysfs_numa_node(ADDR, &node));
	EXPECT_EQ(3, node);
}

TEST_F(fake_sysfs, numa_node_none)
{
	int node = 42;

	ASSERT_EQ(0, write_file(self->root, NUMA_FILE, "-1\n"));
	EXPECT_EQ(0, csa_sysfs_numa_node(ADDR, &node));
	EXPECT_EQ(-1, node);
}

TEST_F(fake_sysfs, numa_node_missing_file_is_none)
{
	int node = 42;

	EXPECT_EQ(0, csa_sysfs_numa_node(ADDR, &node));
	EXPECT_EQ(-1, node);
	node = 42;
	EXPECT_EQ(0, csa_sysfs_numa_node("0000:ff:1f.7", &node));
	EXPECT_EQ(-1, node);
}

TEST_F(fake_sysfs, numa_node_malformed)
{
	static const char *const bad[] = {
		"", "\n", "abc\n", "1x\n", "-2\n", "1 2\n", "99999999999999999999\n",
	};
	size_t i;
	int node;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		node = 42;
		ASSERT_EQ(0, write_file(self->root, NUMA_FILE, bad[i]));
		EXPECT_EQ(-EINVAL, csa_sysfs_numa_node(ADDR, &node))
			TH_LOG("accepted \"%s\"", bad[i]);
		EXPECT_EQ(42, node);
		EXPECT_NE(NULL, strstr(csa_last_error(), "malformed NUMA node"));
	}
}

TEST_F(fake_sysfs, drm_driver_from_link)
{
	char dir[PATH_MAX], link[PATH_MAX], name[16];

	snprintf(dir, sizeof(dir), "%s/class/drm/renderD128", self->root);
	ASSERT_EQ(0, make_dirs(dir));
	snprintf(link, sizeof(link), "%s/class/drm/renderD128/device",
		 self->root);
	ASSERT_EQ(0, symlink("../../../bus/pci/devices/" ADDR, link));
	snprintf(link, sizeof(link), "%s/bus/pci/devices/" ADDR "/driver",
		 self->root);
	ASSERT_EQ(0, symlink("../../../../bus/pci/drivers/csa", link));

	ASSERT_EQ(0, csa_sysfs_drm_driver("renderD128", name, sizeof(name)));
	EXPECT_STREQ("csa", name);
	EXPECT_EQ(-ENAMETOOLONG, csa_sysfs_drm_driver("renderD128", name, 3));
	EXPECT_EQ(-ENOENT, csa_sysfs_drm_driver("renderD129", name, sizeof(name)));
}

/*
 * A fake accel node @name whose parent is PCI device @addr bound to
 * @driver, with vendor ID text @vendor.
 */
static int make_accel(const char *root, const char *name, const char *addr,
		      const char *driver, const char *vendor)
{
	char path[PATH_MAX], target[PATH_MAX];

	snprintf(path, sizeof(path), "%s/class/accel/%s", root, name);
	if (make_dirs(path))
		return -1;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, addr);
	if (make_dirs(path))
		return -1;
	snprintf(path, sizeof(path), "%s/class/accel/%s/device", root, name);
	snprintf(target, sizeof(target), "../../../bus/pci/devices/%s", addr);
	if (symlink(target, path))
		return -1;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root, addr);
	snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
	if (symlink(target, path))
		return -1;
	snprintf(path, sizeof(path), "bus/pci/devices/%s/vendor", addr);
	if (write_file(root, path, vendor))
		return -1;
	snprintf(path, sizeof(path), "bus/pci/devices/%s/device", addr);
	return write_file(root, path, "0x0001\n");
}

TEST_F(fake_sysfs, accel_node_pci)
{
	struct csa_sysfs_pci pci;

	ASSERT_EQ(0, make_accel(self->root, "accel3", ADDR, "csa", "0x1de5\n"));
	ASSERT_EQ(0, csa_sysfs_node_pci("class/accel/accel3", &pci));
	EXPECT_STREQ("csa", pci.driver);
	EXPECT_STREQ(ADDR, pci.address);
	EXPECT_EQ(0x1de5, pci.vendor);
	EXPECT_EQ(0x0001, pci.device);
	EXPECT_EQ(-ENOENT, csa_sysfs_node_pci("class/accel/accel4", &pci));
}

TEST_F(fake_sysfs, accel_node_pci_refuses_bad_trees)
{
	struct csa_sysfs_pci pci;
	char path[PATH_MAX];

	/* a parent that is not a PCI device */
	ASSERT_EQ(0, make_accel(self->root, "accel1", "platform-npu", "csa", "0x1de5\n"));
	EXPECT_EQ(-ENODEV, csa_sysfs_node_pci("class/accel/accel1", &pci));
	/* a vendor ID that is not one */
	ASSERT_EQ(0, make_accel(self->root, "accel2", "0000:00:05.0", "csa", "0x1de5z\n"));
	EXPECT_EQ(-EINVAL, csa_sysfs_node_pci("class/accel/accel2", &pci));
	ASSERT_EQ(0, write_file(self->root, "bus/pci/devices/0000:00:05.0/vendor",
				"0x10000\n"));
	EXPECT_EQ(-EINVAL, csa_sysfs_node_pci("class/accel/accel2", &pci));
	/* an unbound device */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:05.0/driver", self->root);
	ASSERT_EQ(0, unlink(path));
	EXPECT_EQ(-ENOENT, csa_sysfs_node_pci("class/accel/accel2", &pci));
}

TEST_F(fake_sysfs, enumerate_accel_lists_csa_cards_only)
{
	struct csa_card *cards = NULL;
	int count = 0;

	ASSERT_EQ(0, make_accel(self->root, "accel0", "0000:00:03.0", "ivpu", "0x8086\n"));
	ASSERT_EQ(0, make_accel(self->root, "accel3", ADDR, "csa", "0x1de5\n"));
	/* a directory of another kind in the class: ignored */
	ASSERT_EQ(0, write_file(self->root, "class/accel/uevent", ""));
	ASSERT_EQ(0, csa_enumerate_accel(&cards, &count));
	ASSERT_EQ(1, count);
	EXPECT_STREQ("/dev/accel/accel3", cards[0].render_node);
	EXPECT_STREQ(ADDR, cards[0].pci_address);
	EXPECT_EQ(0x1de5, cards[0].pci_vendor);
	free(cards);
}

TEST_F(fake_sysfs, enumerate_accel_without_accel_class)
{
	struct csa_card *cards = NULL;
	int count = 0;

	/* a 6.1 kernel, or one without CONFIG_DRM_ACCEL: no cards, no error */
	EXPECT_EQ(0, csa_enumerate_accel(&cards, &count));
	EXPECT_EQ(0, count);
	EXPECT_EQ(NULL, cards);
}

TEST_F(fake_sysfs, is_accel_by_subsystem)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/dev/char/261:3", self->root);
	ASSERT_EQ(0, make_dirs(path));
	strcat(path, "/subsystem");
	ASSERT_EQ(0, symlink("../../../class/accel", path));
	snprintf(path, sizeof(path), "%s/dev/char/226:128", self->root);
	ASSERT_EQ(0, make_dirs(path));
	strcat(path, "/subsystem");
	ASSERT_EQ(0, symlink("../../../class/drm", path));
	EXPECT_TRUE(csa_sysfs_is_accel(261, 3));
	EXPECT_FALSE(csa_sysfs_is_accel(226, 128));
	EXPECT_FALSE(csa_sysfs_is_accel(261, 4));
}

TEST(sysfs_root_default)
{
	EXPECT_STREQ("/sys", csa_sysfs_root());
	csa_sysfs_set_root("/tmp/x");
	EXPECT_STREQ("/tmp/x", csa_sysfs_root());
	csa_sysfs_set_root(NULL);
	EXPECT_STREQ("/sys", csa_sysfs_root());
}

TEST(pci_address_format)
{
	char buf[CSA_PCI_ADDRESS_LEN];

	ASSERT_EQ(0, csa_format_pci_address(buf, sizeof(buf), 0, 0, 4, 0));
	EXPECT_STREQ("0000:00:04.0", buf);
	ASSERT_EQ(0, csa_format_pci_address(buf, sizeof(buf), 0xabcd, 0xef, 0x1f, 7));
	EXPECT_STREQ("abcd:ef:1f.7", buf);
	ASSERT_EQ(0, csa_format_pci_address(buf, sizeof(buf), 1, 2, 3, 4));
	EXPECT_STREQ("0001:02:03.4", buf);
}

TEST(pci_address_buffer_too_small)
{
	char buf[12];	/* "0000:00:04.0" needs 13 */

	EXPECT_EQ(-ENOSPC, csa_format_pci_address(buf, sizeof(buf), 0, 0, 4, 0));
	EXPECT_NE(NULL, strstr(csa_last_error(), "too small"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: MIT
/*
 * libcsa internals that read the system: NUMA node and bound driver from a
 * fake sysfs tree, and PCI address formatting.
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

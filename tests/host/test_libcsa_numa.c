// SPDX-License-Identifier: MIT
/*
 * libcsa NUMA placement without a card: the CSA_NUMA variable, the
 * per-device override, and host memory from csa_host_alloc().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <numaif.h>

#include "kselftest_harness.h"

#include "internal.h"

TEST(unset_or_auto_uses_the_card_node)
{
	int node = 42;

	ASSERT_EQ(0, csa_numa_choose(NULL, 1, 3, &node));
	EXPECT_EQ(1, node);
	ASSERT_EQ(0, csa_numa_choose("", 2, 3, &node));
	EXPECT_EQ(2, node);
	ASSERT_EQ(0, csa_numa_choose("auto", 0, 3, &node));
	EXPECT_EQ(0, node);
}

TEST(card_without_node_means_no_placement)
{
	int node = 42;

	ASSERT_EQ(0, csa_numa_choose(NULL, -1, 3, &node));
	EXPECT_EQ(CSA_NUMA_OFF, node);
}

TEST(card_node_beyond_the_system_means_no_placement)
{
	int node = 42;

	/* e.g. a kernel without NUMA support (max node -1) */
	ASSERT_EQ(0, csa_numa_choose("auto", 1, -1, &node));
	EXPECT_EQ(CSA_NUMA_OFF, node);
}

TEST(off_and_none_disable_placement)
{
	int node = 42;

	ASSERT_EQ(0, csa_numa_choose("off", 1, 3, &node));
	EXPECT_EQ(CSA_NUMA_OFF, node);
	node = 42;
	ASSERT_EQ(0, csa_numa_choose("none", 1, 3, &node));
	EXPECT_EQ(CSA_NUMA_OFF, node);
}

TEST(a_number_overrides_the_card_node)
{
	int node = 42;

	ASSERT_EQ(0, csa_numa_choose("3", 1, 3, &node));
	EXPECT_EQ(3, node);
	ASSERT_EQ(0, csa_numa_choose("0", -1, 3, &node));
	EXPECT_EQ(0, node);
}

TEST(malformed_values_are_einval_with_a_message)
{
	static const char *const bad[] = { "on", "1x", "-1", " 1", "0x1",
					   "99999999999999999999" };
	int node = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, csa_numa_choose(bad[i], 1, 3, &node))
			TH_LOG("CSA_NUMA=\"%s\" was accepted", bad[i]);
		EXPECT_NE(NULL, strstr(csa_last_error(), "CSA_NUMA"))
			TH_LOG("message: %s", csa_last_error());
		EXPECT_EQ(42, node) TH_LOG("node changed by CSA_NUMA=\"%s\"", bad[i]);
	}
}

TEST(node_the_system_lacks_is_einval)
{
	int node = 42;

	EXPECT_EQ(-EINVAL, csa_numa_choose("4", 1, 3, &node));
	EXPECT_NE(NULL, strstr(csa_last_error(), "fewer nodes"))
		TH_LOG("message: %s", csa_last_error());
	EXPECT_EQ(-EINVAL, csa_numa_choose("0", 1, -1, &node));
	EXPECT_NE(NULL, strstr(csa_last_error(), "no NUMA support"))
		TH_LOG("message: %s", csa_last_error());
}

/* A device struct good enough for the calls that need no ioctl. */
static void fake_device(struct csa_device *dev, int card_node)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	strcpy(dev->render_node, "/dev/dri/renderD-fake");
	dev->card_node = card_node;
	dev->numa_node = CSA_NUMA_OFF;
}

TEST(set_numa_node_validates_and_applies)
{
	struct csa_device dev;
	int max = csa_numa_max_node();

	fake_device(&dev, -1);
	EXPECT_EQ(-EINVAL, csa_set_numa_node(&dev, 100000));
	EXPECT_EQ(-EINVAL, csa_set_numa_node(&dev, -5));
	EXPECT_EQ(CSA_NUMA_OFF, csa_numa_node(&dev));
	if (max >= 0) {
		ASSERT_EQ(0, csa_set_numa_node(&dev, max));
		EXPECT_EQ(max, csa_numa_node(&dev));
	}
	ASSERT_EQ(0, csa_set_numa_node(&dev, CSA_NUMA_OFF));
	EXPECT_EQ(CSA_NUMA_OFF, csa_numa_node(&dev));
	/* AUTO with a card that has no node: off */
	ASSERT_EQ(0, csa_set_numa_node(&dev, CSA_NUMA_AUTO));
	EXPECT_EQ(CSA_NUMA_OFF, csa_numa_node(&dev));
	if (max >= 0) {
		dev.card_node = 0;
		ASSERT_EQ(0, csa_set_numa_node(&dev, CSA_NUMA_AUTO));
		EXPECT_EQ(0, csa_numa_node(&dev));
	}
}

TEST(host_alloc_is_page_aligned_and_zeroed)
{
	long page = sysconf(_SC_PAGESIZE);
	struct csa_device dev;
	unsigned char *p = NULL;

	fake_device(&dev, -1);
	if (csa_numa_max_node() >= 0)
		dev.numa_node = 0;	/* mbind path on a NUMA-capable host */
	ASSERT_EQ(0, csa_host_alloc(&dev, 3 * page + 1, (void **)&p))
		TH_LOG("csa_host_alloc: %s", csa_last_error());
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, (long)((uintptr_t)p % page));
	long nonzero = -1;

	for (long i = 0; i < 4 * page && nonzero < 0; i++)
		if (p[i])
			nonzero = i;
	EXPECT_EQ(-1, nonzero) TH_LOG("byte %ld of fresh memory is not zero", nonzero);
	memset(p, 0xa5, 4 * page);	/* the whole rounded size is usable */
	csa_host_free(p, 3 * page + 1);
	csa_host_free(NULL, 0);
}

TEST(host_alloc_rejects_bad_arguments)
{
	struct csa_device dev;
	void *p = (void *)1;

	fake_device(&dev, -1);
	EXPECT_EQ(-EINVAL, csa_host_alloc(&dev, 0, &p));
	EXPECT_EQ(-EINVAL, csa_host_alloc(&dev, 4096, NULL));
	EXPECT_EQ(-ENOMEM, csa_host_alloc(&dev, SIZE_MAX, &p));
	EXPECT_EQ(NULL, p);
}

TEST(numa_scope_restores_the_thread_policy)
{
	struct csa_numa_scope scope;
	unsigned long before[16] = { 0 }, after[16] = { 0 };
	int mode_before = -1, mode_after = -2;

	if (csa_numa_max_node() < 0)
		SKIP(return, "the host kernel has no NUMA support");
	ASSERT_EQ(0, get_mempolicy(&mode_before, before, 1024, NULL, 0));
	csa_numa_enter(0, &scope);
	EXPECT_TRUE(scope.active);
	csa_numa_leave(&scope);
	ASSERT_EQ(0, get_mempolicy(&mode_after, after, 1024, NULL, 0));
	EXPECT_EQ(mode_before, mode_after);
	EXPECT_EQ(0, memcmp(before, after, sizeof(before)));
}

TEST_HARNESS_MAIN

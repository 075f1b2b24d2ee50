// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * NUMA placement through libcsa in a VM with two nodes (run-vm.sh --numa)
 * and a card behind a PCIe expander bridge on node 1 (--card-node).  The
 * card list the runner wrote says each card's node ("numa-node=N", -1 for
 * cards on the root bus).  Checks: the card's node as sysfs and libcsa
 * report it; csa_host_alloc() and csa_bo_create() memory lands on the
 * card's node although the test thread's own policy says node 0; with
 * placement off (csa_set_numa_node, CSA_NUMA=off, CSA_BO_NO_NUMA) pages go
 * where the thread's policy puts them at first touch.  Host pages' nodes
 * come from move_pages(2); buffer objects' from the nodes' shmem counters
 * (see expect_bo_on()).
 */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa/csa.h"
#include "csa_vm.h"
#include "csa_lib_util.h"

#define PAGES 16

/* Node of each of @n pages at @addr into @nodes (move_pages); 0 or -errno. */
static int page_nodes(void *addr, int n, int *nodes)
{
	long page = sysconf(_SC_PAGESIZE);
	void *pages[PAGES];

	for (int i = 0; i < n; i++)
		pages[i] = (char *)addr + i * page;
	if (move_pages(0, n, pages, NULL, nodes, 0))
		return -errno;
	for (int i = 0; i < n; i++)
		if (nodes[i] < 0)
			return nodes[i];	/* page not present or not movable */
	return 0;
}

/* Index of the first of @n nodes that is not @want, -1 if none. */
static int first_not_on(const int *nodes, int n, int want)
{
	for (int i = 0; i < n; i++)
		if (nodes[i] != want)
			return i;
	return -1;
}

/* Binds the calling thread's allocations to @node (MPOL_BIND). */
static int bind_thread(int node)
{
	unsigned long mask = 1ul << node;

	return set_mempolicy(MPOL_BIND, &mask, sizeof(mask) * 8) ? -errno : 0;
}

static void touch(void *p, size_t len)
{
	memset(p, 0x3c, len);
}

FIXTURE(numa) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
	int bridged;		/* index of the card on node 1, -1 none */
	char node_path[CSA_VM_PATH_LEN];
	struct csa_device *dev;
	long page;
	char skip[160];	/* why the suite cannot run, "" if it can */
};

FIXTURE_SETUP(numa)
{
	self->skip[0] = '\0';
	self->page = sysconf(_SC_PAGESIZE);
	self->dev = NULL;
	self->bridged = -1;
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list from the VM runner: %s",
				     strerror(-self->n));
	if (numa_available() < 0 || numa_max_node() < 1) {
		snprintf(self->skip, sizeof(self->skip),
			 "the VM has one NUMA node: run-vm.sh --numa gives it two");
		return;
	}
	for (int i = 0; i < self->n; i++)
		if (self->card[i].numa_node == 1)
			self->bridged = i;
	if (self->bridged < 0) {
		snprintf(self->skip, sizeof(self->skip),
			 "no card behind an expander bridge on node 1 (run-vm.sh --card-node I=1)");
		return;
	}
	ASSERT_EQ(0, csa_vm_render_node(self->card[self->bridged].addr,
					self->node_path, sizeof(self->node_path)))
		TH_LOG("%s has no render node", self->card[self->bridged].addr);
	unsetenv("CSA_NUMA");
	ASSERT_EQ(0, csa_open_path(self->node_path, &self->dev))
		TH_LOG("csa_open_path(%s): %s", self->node_path, csa_last_error());
	/* the test's own policy says node 0: placement must override it */
	ASSERT_EQ(0, bind_thread(0)) TH_LOG("set_mempolicy(node 0): %s", strerror(errno));
}

FIXTURE_TEARDOWN(numa)
{
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	csa_close(self->dev);
}

TEST_F(numa, every_card_reports_its_listed_node)
{
	for (int i = 0; i < self->n; i++) {
		const char *addr = self->card[i].addr;
		int want = self->card[i].numa_node;
		char path[128], node[CSA_VM_PATH_LEN];
		struct csa_device *dev;
		struct csa_info info;
		uint64_t sysfs;
		int ret;

	SKIP_IF_UNABLE();
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", addr);
		ret = csa_vm_read_u64(path, &sysfs);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", path, strerror(-ret));
		if (want >= 0)
			EXPECT_EQ(want, (int)sysfs)
				TH_LOG("%s: sysfs numa_node %d, QEMU put it on node %d",
				       addr, (int)sysfs, want);
		ASSERT_EQ(0, csa_vm_render_node(addr, node, sizeof(node)));
		ASSERT_EQ(0, csa_open_path(node, &dev)) TH_LOG("%s", csa_last_error());
		ret = csa_query(dev, &info);
		csa_close(dev);
		ASSERT_EQ(0, ret) TH_LOG("csa_query: %s", csa_last_error());
		EXPECT_EQ((int)sysfs, info.numa_node)
			TH_LOG("%s: csa_query says node %d, sysfs %d", addr,
			       info.numa_node, (int)sysfs);
	}
}

TEST_F(numa, placement_follows_the_card_and_the_overrides)
{
	struct csa_device *dev;

	SKIP_IF_UNABLE();
	EXPECT_EQ(1, csa_numa_node(self->dev));
	setenv("CSA_NUMA", "off", 1);
	ASSERT_EQ(0, csa_open_path(self->node_path, &dev)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(CSA_NUMA_OFF, csa_numa_node(dev)) TH_LOG("CSA_NUMA=off ignored");
	csa_close(dev);
	setenv("CSA_NUMA", "0", 1);
	ASSERT_EQ(0, csa_open_path(self->node_path, &dev)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, csa_numa_node(dev)) TH_LOG("CSA_NUMA=0 ignored");
	csa_close(dev);
	setenv("CSA_NUMA", "7", 1);
	EXPECT_EQ(-EINVAL, csa_open_path(self->node_path, &dev))
		TH_LOG("CSA_NUMA=7 on a two-node VM was accepted");
	unsetenv("CSA_NUMA");
	EXPECT_EQ(-EINVAL, csa_set_numa_node(self->dev, 2));
	EXPECT_EQ(0, csa_set_numa_node(self->dev, 0));
	EXPECT_EQ(0, csa_numa_node(self->dev));
	EXPECT_EQ(0, csa_set_numa_node(self->dev, CSA_NUMA_AUTO));
	EXPECT_EQ(1, csa_numa_node(self->dev));
}

/*
 * Touches the PAGES pages at @p (the test thread is bound to node 0) and
 * expects every one on node @want.
 */
static void expect_pages_on(struct __test_metadata *_metadata, void *p,
			    long page, int want, const char *what)
{
	int nodes[PAGES], bad, ret;

	touch(p, PAGES * page);
	ret = page_nodes(p, PAGES, nodes);
	ASSERT_EQ(0, ret) TH_LOG("%s: move_pages: %s", what, strerror(-ret));
	bad = first_not_on(nodes, PAGES, want);
	EXPECT_EQ(-1, bad) TH_LOG("%s: page %d on node %d, want node %d",
				  what, bad, bad < 0 ? 0 : nodes[bad], want);
}

TEST_F(numa, host_memory_lands_on_the_card_node)
{
	void *p;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_host_alloc(self->dev, PAGES * self->page, &p))
		TH_LOG("%s", csa_last_error());
	expect_pages_on(_metadata, p, self->page, 1, "csa_host_alloc, card on node 1");
	csa_host_free(p, PAGES * self->page);
}

TEST_F(numa, host_memory_without_placement_follows_first_touch)
{
	void *p;

	SKIP_IF_UNABLE();
	ASSERT_EQ(0, csa_set_numa_node(self->dev, CSA_NUMA_OFF));
	ASSERT_EQ(0, csa_host_alloc(self->dev, PAGES * self->page, &p))
		TH_LOG("%s", csa_last_error());
	expect_pages_on(_metadata, p, self->page, 0, "csa_host_alloc, placement off");
	csa_host_free(p, PAGES * self->page);
}

/* Whether the driver can create buffers (else the BO tests skip). */
static bool have_bos(struct csa_device *dev)
{
	struct csa_info info;

	if (csa_query(dev, &info))
		return false;
	return info.features & DRM_CSA_FEATURE_BO;
}

/* "Node N Shmem: X kB" of /sys/devices/system/node/nodeN/meminfo, or -errno. */
static long node_shmem_kb(int node)
{
	char path[96], line[160];
	long kb = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int n;
		long v;

		if (sscanf(line, "Node %d Shmem: %ld kB", &n, &v) == 2)
			kb = v;
	}
	fclose(f);
	return kb;
}

/*
 * A buffer object's pages are GEM shmem pages.  The driver maps them with
 * PFN mappings, which move_pages(2) and /proc/self/pagemap cannot see, so
 * the node comes from the per-node shmem counters instead: creating,
 * mapping and touching BO_MIB MiB must raise "Shmem" of node @want by about
 * that much and leave the other node nearly unchanged.
 */
#define BO_MIB 32

static void expect_bo_on(struct __test_metadata *_metadata, struct csa_device *dev,
			 uint32_t flags, int want, const char *what)
{
	const long size_kb = BO_MIB << 10;
	long before[2], after[2], grew[2];
	struct csa_bo *bo;
	void *p;

	for (int n = 0; n < 2; n++) {
		before[n] = node_shmem_kb(n);
		ASSERT_LE(0, before[n]) TH_LOG("node %d meminfo: %s", n, strerror(-before[n]));
	}
	ASSERT_EQ(0, csa_bo_create(dev, (uint64_t)BO_MIB << 20, flags, &bo))
		TH_LOG("%s: %s", what, csa_last_error());
	ASSERT_EQ(0, csa_bo_map(bo, &p)) TH_LOG("%s", csa_last_error());
	touch(p, (size_t)BO_MIB << 20);
	for (int n = 0; n < 2; n++) {
		after[n] = node_shmem_kb(n);
		grew[n] = after[n] - before[n];
	}
	csa_bo_free(bo);
	EXPECT_LE(size_kb * 9 / 10, grew[want])
		TH_LOG("%s: node %d shmem grew by %ld kB for a %ld kB BO (other node: %ld kB)",
		       what, want, grew[want], size_kb, grew[!want]);
	EXPECT_GT(size_kb / 10, grew[!want])
		TH_LOG("%s: node %d shmem grew by %ld kB, want the BO on node %d",
		       what, !want, grew[!want], want);
}

TEST_F(numa, buffer_object_lands_on_the_card_node)
{
	SKIP_IF_UNABLE();
	if (!have_bos(self->dev))
		SKIP(return, "the driver lacks DRM_CSA_FEATURE_BO (BO_CREATE not landed)");
	expect_bo_on(_metadata, self->dev, 0, 1, "csa_bo_create, card on node 1");
}

TEST_F(numa, buffer_object_opt_out_follows_first_touch)
{
	SKIP_IF_UNABLE();
	if (!have_bos(self->dev))
		SKIP(return, "the driver lacks DRM_CSA_FEATURE_BO (BO_CREATE not landed)");
	/* the test thread is bound to node 0 */
	expect_bo_on(_metadata, self->dev, CSA_BO_NO_NUMA, 0, "csa_bo_create(CSA_BO_NO_NUMA)");
}

TEST_HARNESS_MAIN

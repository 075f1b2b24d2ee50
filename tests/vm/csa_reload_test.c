// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Module unload and reload: rmmod csa removes every render node and the
 * driver's sysfs directory; loading it again brings every card back with
 * working queries.  The module is left loaded for later suites.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_vm.h"

FIXTURE(reload) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
};

FIXTURE_SETUP(reload)
{
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list from the VM runner: %s",
				     strerror(-self->n));
}

FIXTURE_TEARDOWN(reload)
{
	/* whatever happened, leave csa loaded for the suites after this one */
	if (access("/sys/module/csa", F_OK))
		csa_vm_load_module();
}

static void expect_all_cards_answer(struct __test_metadata *_metadata,
				    const struct csa_vm_card *card, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t serial = ~0ull;
		int fd = csa_vm_open_render(card[i].addr);
		int ret;

		ASSERT_LE(0, fd) TH_LOG("%s: no render node after reload: %s",
					card[i].addr, strerror(-fd));
		ret = csa_vm_get_param(fd, DRM_CSA_PARAM_SERIAL, 0, 0, &serial);
		close(fd);
		EXPECT_EQ(0, ret) TH_LOG("%s: query after reload: %s", card[i].addr,
					 strerror(-ret));
		EXPECT_EQ(card[i].serial, serial) TH_LOG("%s: serial 0x%llx",
							 card[i].addr,
							 (unsigned long long)serial);
	}
}

TEST_F(reload, unload_removes_nodes_and_reload_restores_them)
{
	char node[CSA_VM_MAX_CARDS][CSA_VM_PATH_LEN];
	int ret;

	for (int i = 0; i < self->n; i++) {
		ret = csa_vm_render_node(self->card[i].addr, node[i], sizeof(node[i]));
		ASSERT_EQ(0, ret) TH_LOG("%s: no render node before unload",
					 self->card[i].addr);
	}
	ret = csa_vm_unload_module();
	ASSERT_EQ(0, ret) TH_LOG("delete_module(csa): %s", strerror(-ret));
	EXPECT_NE(0, access("/sys/module/csa", F_OK)) TH_LOG("/sys/module/csa still there");
	EXPECT_NE(0, access("/sys/bus/pci/drivers/csa", F_OK))
		TH_LOG("/sys/bus/pci/drivers/csa still there after rmmod");
	for (int i = 0; i < self->n; i++) {
		EXPECT_NE(0, access(node[i], F_OK))
			TH_LOG("%s of %s still exists after rmmod", node[i],
			       self->card[i].addr);
		EXPECT_EQ(0, csa_vm_bound(self->card[i].addr));
	}

	ret = csa_vm_load_module();
	ASSERT_EQ(0, ret) TH_LOG("finit_module(%s): %s", csa_vm_ko_path(),
				 strerror(-ret));
	for (int i = 0; i < self->n; i++) {
		EXPECT_EQ(1, csa_vm_bound(self->card[i].addr))
			TH_LOG("%s not bound after reload", self->card[i].addr);
	}
	expect_all_cards_answer(_metadata, self->card, self->n);
}

TEST_F(reload, repeated_reload_cycles)
{
	for (int cycle = 0; cycle < 3; cycle++) {
		int ret = csa_vm_unload_module();

		ASSERT_EQ(0, ret) TH_LOG("cycle %d: delete_module: %s", cycle,
					 strerror(-ret));
		ret = csa_vm_load_module();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: finit_module: %s", cycle,
					 strerror(-ret));
	}
	expect_all_cards_answer(_metadata, self->card, self->n);
}

TEST_F(reload, unload_refused_while_node_open)
{
	int fd = csa_vm_open_render(self->card[0].addr);
	int ret;

	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(-fd));
	/* an open file holds a module reference: O_NONBLOCK rmmod must refuse */
	ret = csa_vm_unload_module();
	close(fd);
	EXPECT_EQ(-EWOULDBLOCK, ret) TH_LOG("delete_module with an open node: %d (%s)",
					    ret, strerror(-ret));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every GET_PARAM value of every card equals what QEMU was told (the VM
 * runner's card list: model defaults overridden per card) or what the
 * firmware image in /lib/firmware/csa says, both through the raw ioctl and
 * through libcsa.  Cards with different properties must answer with their
 * own values: a value not passed through correctly fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_hw.h"
#include "csa/csa.h"
#include "csa_vm.h"

struct expect {
	uint32_t param;
	uint64_t value;
};

FIXTURE(query) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
	struct csa_fw_header fw;
};

FIXTURE_SETUP(query)
{
	char path[128];
	ssize_t len;
	int fd;

	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list from the VM runner: %s",
				     strerror(-self->n));
	snprintf(path, sizeof(path), "%s/csa-fw.bin", csa_vm_fw_dir());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	len = read(fd, &self->fw, sizeof(self->fw));
	close(fd);
	ASSERT_EQ((ssize_t)sizeof(self->fw), len) TH_LOG("%s: short header", path);
	ASSERT_EQ(CSA_FW_MAGIC, self->fw.magic);
}

FIXTURE_TEARDOWN(query)
{
}

/* Everything a card must report, in GET_PARAM terms. */
static int expected(const struct csa_vm_card *c, const struct csa_fw_header *fw,
		    struct expect *e)
{
	int n = 0;

	e[n++] = (struct expect){ DRM_CSA_PARAM_UAPI_VERSION,
		CSA_UAPI_VERSION_MAJOR << 16 | CSA_UAPI_VERSION_MINOR };
	e[n++] = (struct expect){ DRM_CSA_PARAM_FEATURES,
		DRM_CSA_FEATURE_BO | DRM_CSA_FEATURE_USERPTR |
		DRM_CSA_FEATURE_QUEUES };
	e[n++] = (struct expect){ DRM_CSA_PARAM_PCI_ID,
		(uint64_t)CSA_PCI_VENDOR_ID << 16 | CSA_PCI_DEVICE_ID };
	e[n++] = (struct expect){ DRM_CSA_PARAM_HW_VERSION,
		CSA_HW_VERSION_MAJOR << 16 | CSA_HW_VERSION_MINOR };
	e[n++] = (struct expect){ DRM_CSA_PARAM_FW_VERSION, fw->fw_version };
	e[n++] = (struct expect){ DRM_CSA_PARAM_FW_ABI, fw->abi_version };
	e[n++] = (struct expect){ DRM_CSA_PARAM_NUM_QUEUES, c->queues };
	e[n++] = (struct expect){ DRM_CSA_PARAM_DP_LANES, c->lanes };
	e[n++] = (struct expect){ DRM_CSA_PARAM_MAX_K, c->max_k };
	e[n++] = (struct expect){ DRM_CSA_PARAM_MAX_DIM, c->max_dim };
	e[n++] = (struct expect){ DRM_CSA_PARAM_MAX_TENSOR, c->max_tensor };
	e[n++] = (struct expect){ DRM_CSA_PARAM_CLOCK_KHZ, c->clock_khz };
	e[n++] = (struct expect){ DRM_CSA_PARAM_SERIAL, c->serial };
	return n;
}

TEST_F(query, raw_ioctl_values_match_model)
{
	for (int i = 0; i < self->n; i++) {
		const struct csa_vm_card *c = &self->card[i];
		struct expect e[16];
		int ne = expected(c, &self->fw, e);
		int fd = csa_vm_open_render(c->addr);

		ASSERT_LE(0, fd) TH_LOG("%s: open render node: %s", c->addr,
					strerror(-fd));
		for (int k = 0; k < ne; k++) {
			uint64_t v = ~0ull;
			int ret = csa_vm_get_param(fd, e[k].param, 0, 0, &v);

			EXPECT_EQ(0, ret) TH_LOG("%s: param %u (%s): %s", c->addr,
						 e[k].param, csa_param_name(e[k].param),
						 strerror(-ret));
			EXPECT_EQ(e[k].value, v)
				TH_LOG("%s: param %u (%s) = 0x%llx, want 0x%llx", c->addr,
				       e[k].param, csa_param_name(e[k].param),
				       (unsigned long long)v,
				       (unsigned long long)e[k].value);
		}
		close(fd);
	}
}

TEST_F(query, libcsa_query_matches_model)
{
	for (int i = 0; i < self->n; i++) {
		const struct csa_vm_card *c = &self->card[i];
		struct csa_device *dev = NULL;
		struct csa_info info;
		char node[CSA_VM_PATH_LEN];
		int ret = csa_vm_render_node(c->addr, node, sizeof(node));

		ASSERT_EQ(0, ret) TH_LOG("%s: no render node: %s", c->addr,
					 strerror(-ret));
		ret = csa_open_path(node, &dev);
		ASSERT_EQ(0, ret) TH_LOG("csa_open_path(%s): %s", node, csa_last_error());
		ret = csa_query(dev, &info);
		csa_close(dev);
		ASSERT_EQ(0, ret) TH_LOG("csa_query(%s): %s", node, csa_last_error());
		EXPECT_EQ(c->queues, info.num_queues) TH_LOG("%s queues", c->addr);
		EXPECT_EQ(c->lanes, info.dp_lanes) TH_LOG("%s lanes", c->addr);
		EXPECT_EQ(c->max_k, info.max_k) TH_LOG("%s max-k", c->addr);
		EXPECT_EQ(c->max_dim, info.max_dim) TH_LOG("%s max-dim", c->addr);
		EXPECT_EQ(c->max_tensor, info.max_tensor) TH_LOG("%s max-tensor", c->addr);
		EXPECT_EQ(c->clock_khz, info.clock_khz) TH_LOG("%s clock-khz", c->addr);
		EXPECT_EQ(c->serial, info.serial) TH_LOG("%s serial", c->addr);
		EXPECT_EQ(self->fw.fw_version, info.fw_version) TH_LOG("%s fw", c->addr);
		EXPECT_EQ(self->fw.abi_version, info.fw_abi) TH_LOG("%s abi", c->addr);
		EXPECT_STREQ(c->addr, info.pci_address);
		EXPECT_STREQ(node, info.render_node);
		EXPECT_STREQ(CSA_DRIVER_NAME, info.driver_name);
	}
}

/* Two cards with different properties bind independently, each its own. */
TEST_F(query, two_cards_answer_their_own_values)
{
	char node[2][CSA_VM_PATH_LEN];
	uint64_t serial[2], queues[2];

	ASSERT_LE(2, self->n) TH_LOG("the VM runner must start two cards, has %d",
				     self->n);
	ASSERT_NE(self->card[0].serial, self->card[1].serial)
		TH_LOG("the VM runner gave both cards serial 0x%llx",
		       (unsigned long long)self->card[0].serial);
	for (int i = 0; i < 2; i++) {
		int fd, ret;

		EXPECT_EQ(1, csa_vm_bound(self->card[i].addr))
			TH_LOG("%s not bound", self->card[i].addr);
		ret = csa_vm_render_node(self->card[i].addr, node[i], sizeof(node[i]));
		ASSERT_EQ(0, ret) TH_LOG("%s: no render node", self->card[i].addr);
		fd = csa_vm_open_render(self->card[i].addr);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", node[i], strerror(-fd));
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_SERIAL, 0, 0, &serial[i]));
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_NUM_QUEUES, 0, 0,
					      &queues[i]));
		close(fd);
		EXPECT_EQ(self->card[i].serial, serial[i])
			TH_LOG("%s (%s) answers serial 0x%llx, want 0x%llx",
			       self->card[i].addr, node[i],
			       (unsigned long long)serial[i],
			       (unsigned long long)self->card[i].serial);
		EXPECT_EQ(self->card[i].queues, queues[i])
			TH_LOG("%s answers %llu queues", node[i],
			       (unsigned long long)queues[i]);
	}
	EXPECT_STRNE(node[0], node[1]);
}

TEST_HARNESS_MAIN

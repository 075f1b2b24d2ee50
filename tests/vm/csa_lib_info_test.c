// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csa-info in the VM, end to end: the uapi 1.1 limits and the decoded
 * feature bits appear in text and JSON and agree with GET_PARAM, and each
 * card's NUMA node and buffer placement match what the VM runner put in
 * /etc/csa-vm/cards (numa-node=N; -1 on the root bus).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa/csa.h"
#include "csa_vm.h"
#include "csa_lib_util.h"

static const char *info_path(void)
{
	const char *p = getenv("CSA_INFO");

	return p && *p ? p : "/opt/csa/bin/csa-info";
}

static char output[65536];

/* Runs csa-info with @args; its stdout into output[], returns the wait status. */
static int run_info(const char *args)
{
	return csa_lib_run(info_path(), args, 1, output, sizeof(output));
}

FIXTURE(info) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
};

FIXTURE_SETUP(info)
{
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list from the VM runner: %s",
				     strerror(-self->n));
	ASSERT_EQ(0, access(info_path(), X_OK))
		TH_LOG("%s is not in the VM image: %s", info_path(), strerror(errno));
}

FIXTURE_TEARDOWN(info)
{
}

TEST_F(info, json_has_limits_features_and_numa_of_every_card)
{
	for (int i = 0; i < self->n; i++) {
		const char *addr = self->card[i].addr;
		char node[CSA_VM_PATH_LEN], args[128], want[96];
		uint64_t features = 0, max_binds = 0, timeout = 0, max_bo = 0;
		int fd, status, listed = self->card[i].numa_node;

		ASSERT_EQ(0, csa_vm_render_node(addr, node, sizeof(node)));
		fd = csa_vm_open_render(addr);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_FEATURES, 0, 0, &features));
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_MAX_BINDS, 0, 0, &max_binds));
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_MAX_BO_SIZE, 0, 0, &max_bo));
		ASSERT_EQ(0, csa_vm_get_param(fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, 0, 0, &timeout));
		close(fd);

		snprintf(args, sizeof(args), "--json --device %s", node);
		status = run_info(args);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("csa-info %s: status %#x:\n%s", args, status, output);
		snprintf(want, sizeof(want), "\"max_binds\": %llu", (unsigned long long)max_binds);
		EXPECT_NE(NULL, strstr(output, want)) TH_LOG("no %s in:\n%s", want, output);
		snprintf(want, sizeof(want), "\"max_bo_size\": %llu", (unsigned long long)max_bo);
		EXPECT_NE(NULL, strstr(output, want)) TH_LOG("no %s in:\n%s", want, output);
		snprintf(want, sizeof(want), "\"job_timeout_ms\": %llu", (unsigned long long)timeout);
		EXPECT_NE(NULL, strstr(output, want)) TH_LOG("no %s in:\n%s", want, output);
		for (unsigned int bit = 0; bit < 64; bit++) {
			if (!(features & (1ull << bit)) || !csa_feature_name(bit))
				continue;
			snprintf(want, sizeof(want), "\"%s\"", csa_feature_name(bit));
			EXPECT_NE(NULL, strstr(output, want))
				TH_LOG("feature %s missing from feature_names:\n%s", want, output);
		}
		if (listed >= 0) {
			snprintf(want, sizeof(want), "\"numa_node\": %d", listed);
			EXPECT_NE(NULL, strstr(output, want)) TH_LOG("%s: no %s in:\n%s", addr, want, output);
			snprintf(want, sizeof(want), "\"numa_placement\": %d", listed);
			EXPECT_NE(NULL, strstr(output, want)) TH_LOG("%s: no %s in:\n%s", addr, want, output);
		}
	}
}

TEST_F(info, text_shows_features_by_name_and_limits)
{
	int status = run_info("");

	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("csa-info: status %#x:\n%s", status, output);
	EXPECT_NE(NULL, strstr(output, "(BO USERPTR QUEUES)"))
		TH_LOG("features not decoded:\n%s", output);
	EXPECT_NE(NULL, strstr(output, "max binds")) TH_LOG("no limits:\n%s", output);
	EXPECT_NE(NULL, strstr(output, "job timeout")) TH_LOG("no limits:\n%s", output);
	EXPECT_NE(NULL, strstr(output, "buffer placement")) TH_LOG("no placement:\n%s", output);
}

TEST_F(info, csa_numa_off_shows_no_placement)
{
	int status;

	setenv("CSA_NUMA", "off", 1);
	status = run_info("--json");
	unsetenv("CSA_NUMA");
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("CSA_NUMA=off csa-info --json: status %#x:\n%s", status, output);
	EXPECT_EQ(NULL, strstr(output, "\"numa_placement\": 0"))
		TH_LOG("placement with CSA_NUMA=off:\n%s", output);
	EXPECT_EQ(NULL, strstr(output, "\"numa_placement\": 1"))
		TH_LOG("placement with CSA_NUMA=off:\n%s", output);
	EXPECT_NE(NULL, strstr(output, "\"numa_placement\": -1"))
		TH_LOG("no numa_placement -1 with CSA_NUMA=off:\n%s", output);
}

/*
 * --cdi: a CDI spec naming every card's node with its device numbers, its
 * sysfs directory, each card by index and address and "all" (the schema is
 * checked on the host: tests/host/test_cdi.c).
 */
TEST_F(info, cdi_spec_names_every_card)
{
	int status = run_info("--cdi");

	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("csa-info --cdi: status %#x:\n%s", status, output);
	EXPECT_NE(NULL, strstr(output, "\"cdiVersion\": \"0.5.0\"")) TH_LOG("%s", output);
	EXPECT_NE(NULL, strstr(output, "\"kind\": \"csa.example.org/card\"")) TH_LOG("%s", output);
	EXPECT_NE(NULL, strstr(output, "\"name\": \"all\"")) TH_LOG("%s", output);
	for (int i = 0; i < self->n; i++) {
		char node[CSA_VM_PATH_LEN], want[160], sysdir[CSA_VM_PATH_LEN + 32];
		char real[4096];
		struct stat st;

		ASSERT_EQ(0, csa_vm_render_node(self->card[i].addr, node, sizeof(node)));
		ASSERT_EQ(0, stat(node, &st));
		snprintf(want, sizeof(want), "\"path\": \"%s\",\n            \"type\": \"c\",\n"
			 "            \"major\": %u,\n            \"minor\": %u", node,
			 major(st.st_rdev), minor(st.st_rdev));
		EXPECT_NE(NULL, strstr(output, want)) TH_LOG("no %s in:\n%s", want, output);
		snprintf(want, sizeof(want), "\"name\": \"%s\"", self->card[i].addr);
		EXPECT_NE(NULL, strstr(output, want)) TH_LOG("no %s in:\n%s", want, output);
		snprintf(sysdir, sizeof(sysdir), "/sys/bus/pci/devices/%s", self->card[i].addr);
		ASSERT_NE(NULL, realpath(sysdir, real));
		snprintf(want, sizeof(want), "\"hostPath\": \"%.100s\"", real);
		EXPECT_NE(NULL, strstr(output, want)) TH_LOG("no %s in:\n%s", want, output);
	}
}

TEST_F(info, cdi_refuses_a_bad_kind_and_other_options)
{
	int status = run_info("--cdi --cdi-kind not-a-kind");

	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) TH_LOG("status %#x", status);
	status = run_info("--cdi --json");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) TH_LOG("status %#x", status);
}

TEST_HARNESS_MAIN

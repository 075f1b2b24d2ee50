// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csa-bench smoke test: --quick (text and --json) runs against every card
 * and exits 0; --quick --datapath runs the datapath jobs (linear layer and
 * the reference network, three variants each) on the first card, whose
 * outputs csa-bench itself checks against the CPU reference (a layer whose
 * K is above the card's max_k is reported as skipped).  No timing is checked: it is a benchmark, and TCG timings
 * mean nothing.  Rows the driver cannot run yet are reported as skipped by
 * csa-bench itself, which still exits 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_vm.h"
#include "csa_lib_util.h"

static const char *bench_path(void)
{
	const char *p = getenv("CSA_BENCH");

	return p && *p ? p : "/opt/csa/bin/csa-bench";
}

/* Runs csa-bench with @args, output into @buf; *status = wait status. */
static int run_bench(const char *args, char *buf, size_t len, int *status)
{
	*status = csa_lib_run(bench_path(), args, 0, buf, len);
	return *status < 0 ? *status : 0;
}

static char output[65536];

FIXTURE(bench) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n;
};

FIXTURE_SETUP(bench)
{
	self->n = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->n) TH_LOG("no card list from the VM runner: %s",
				     strerror(-self->n));
	ASSERT_EQ(0, access(bench_path(), X_OK))
		TH_LOG("%s is not in the VM image: %s", bench_path(), strerror(errno));
}

FIXTURE_TEARDOWN(bench)
{
}

TEST_F_TIMEOUT(bench, quick_run_on_every_card_exits_0, 120)
{
	for (int i = 0; i < self->n; i++) {
		char node[CSA_VM_PATH_LEN], args[128];
		int status = -1;

		ASSERT_EQ(0, csa_vm_render_node(self->card[i].addr, node, sizeof(node)));
		snprintf(args, sizeof(args), "--quick --device %s", node);
		ASSERT_EQ(0, run_bench(args, output, sizeof(output), &status));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("csa-bench %s: status %#x, output:\n%s", args, status, output);
		EXPECT_NE(NULL, strstr(output, "null ioctl"))
			TH_LOG("no null-ioctl row in:\n%s", output);
		EXPECT_NE(NULL, strstr(output, "copy size"))
			TH_LOG("no copy table in:\n%s", output);
	}
}

TEST_F(bench, quick_json_is_one_document)
{
	int status = -1;

	ASSERT_EQ(0, run_bench("--quick --json", output, sizeof(output), &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("csa-bench --quick --json: status %#x, output:\n%s", status, output);
	EXPECT_EQ('{', output[0]) TH_LOG("output does not start a JSON object:\n%s", output);
	EXPECT_NE(NULL, strstr(output, "\"results\": ["))
		TH_LOG("no results array in:\n%s", output);
}

TEST_F_TIMEOUT(bench, quick_datapath_table, 120)
{
	static const char *const rows[] = {
		"datapath on the card", "dense (K=1)", "sparse weights, dense input",
		"sparse-sparse (Select)",
		"network: dense / sparse-sparse: MACs ",
		"\nlinear ", "tuned dense int8 / sparse-sparse: time",
		"CSC sparse weights x sparse input", "model throughput", "  1 card:",
	};
	char model[256], args[300];
	int status = -1;

	csa_vm_data_path("gsc.csa", model, sizeof(model));
	if (access(model, R_OK))
		SKIP(return, "no packed reference model in the VM image");
	snprintf(args, sizeof(args), "--quick --datapath --model %s", model);
	ASSERT_EQ(0, run_bench(args, output, sizeof(output), &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("csa-bench %s: status %#x, output:\n%s", args, status, output);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const char *row = rows[r];

		EXPECT_NE(NULL, strstr(output, row))
			TH_LOG("no '%s' in:\n%s", row, output);
	}
}

/* No model path is guessed: without --model only the linear layer runs. */
TEST_F_TIMEOUT(bench, quick_datapath_without_model_skips_the_network, 120)
{
	int status = -1;

	ASSERT_EQ(0, run_bench("--quick --datapath", output, sizeof(output), &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x, output:\n%s", status, output);
	EXPECT_NE(NULL, strstr(output, "\nlinear ")) TH_LOG("no linear rows in:\n%s", output);
	EXPECT_EQ(NULL, strstr(output, "network dense"))
		TH_LOG("network rows without --model:\n%s", output);
	EXPECT_NE(NULL, strstr(output, "no --model")) TH_LOG("no note in:\n%s", output);
}

TEST_F(bench, datapath_with_json_is_a_usage_error)
{
	int status = -1;

	ASSERT_EQ(0, run_bench("--datapath --json", output, sizeof(output), &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2)
		TH_LOG("status %#x, output:\n%s", status, output);
}

TEST_F(bench, bad_option_is_a_usage_error)
{
	int status = -1;

	ASSERT_EQ(0, run_bench("--no-such-option", output, sizeof(output), &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2)
		TH_LOG("status %#x, output:\n%s", status, output);
}

TEST_HARNESS_MAIN

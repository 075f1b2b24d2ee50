// SPDX-License-Identifier: MIT
/*
 * csa-info's command line contract on a host without a card: exit status
 * 0 for --help, 2 for usage errors, 1 for no card / not a card, and what
 * goes to stdout and stderr.  CSA_INFO is the binary's path (from make).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include <csa/csa.h>

#ifndef CSA_INFO
#error "build with -DCSA_INFO=\"path/to/csa-info\""
#endif

struct run {
	int status;
	char out[4096];
	char err[4096];
};

static void read_all(int fd, char *buf, size_t size)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size && (n = read(fd, buf + used, size - 1 - used)) > 0)
		used += n;
	buf[used] = '\0';
}

/* Runs csa-info with @argv (NULL-terminated, without argv[0]). */
static int run_csa_info(struct run *r, const char *const *args)
{
	char *argv[8] = { CSA_INFO };
	int out[2], err[2], status, i;
	pid_t pid;

	for (i = 0; args[i] && i < 6; i++)
		argv[i + 1] = (char *)args[i];
	if (pipe(out) || pipe(err))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(CSA_INFO, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	/* Outputs are small: reading one pipe after the other cannot block. */
	read_all(out[0], r->out, sizeof(r->out));
	read_all(err[0], r->err, sizeof(r->err));
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	r->status = WEXITSTATUS(status);
	return 0;
}

#define RUN(r, ...) ({						\
	static const char *const _args[] = { __VA_ARGS__, NULL };	\
	run_csa_info(r, _args);					\
})

TEST(help_exits_0_with_usage_on_stdout)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "--help"));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "Usage: csa-info"));
	EXPECT_STREQ("", r.err);
	ASSERT_EQ(0, RUN(&r, "-h"));
	EXPECT_EQ(0, r.status);
}

TEST(bad_option_exits_2)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "--bogus"));
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "Usage: csa-info"));
	EXPECT_STREQ("", r.out);
}

TEST(missing_device_argument_exits_2)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "--device"));
	EXPECT_EQ(2, r.status);
}

TEST(extra_argument_exits_2)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "extra"));
	EXPECT_EQ(2, r.status);
	EXPECT_NE(NULL, strstr(r.err, "unexpected argument \"extra\""));
}

TEST(huge_index_exits_2)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "-d", "99999999999"));
	EXPECT_EQ(2, r.status);
}

TEST(no_card_exits_1)
{
	struct run r;

	if (csa_enumerate(NULL, 0) != 0)
		SKIP(return, "this host has CSA cards");
	ASSERT_EQ(0, RUN(&r, (const char *)NULL));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "no CSA card found"));
	EXPECT_STREQ("", r.out);
}

TEST(no_card_json_is_empty_document)
{
	struct run r;

	if (csa_enumerate(NULL, 0) != 0)
		SKIP(return, "this host has CSA cards");
	ASSERT_EQ(0, RUN(&r, "--json"));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "no CSA card found"));
	EXPECT_NE(NULL, strstr(r.out, "\"cards\": []"));
}

TEST(index_beyond_cards_exits_1)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "-d", "999"));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "999"));
}

TEST(non_drm_path_exits_1)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "--device", "/dev/null"));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/dev/null is not a DRM device node"));
}

TEST(missing_path_json_reports_error)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, "--json", "-d", "/nonexistent/renderD200"));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\"error\": \"cannot open /nonexistent/renderD200"));
}

TEST_HARNESS_MAIN

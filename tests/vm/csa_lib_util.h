/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers of the libcsa VM suites (csa_lib_*_test.c, csa_numa_test.c):
 * the skip convention, opening every card, running a tool of the VM image
 * with its output captured.  Header-only:
 * tests/tests.mk links each suite with tests/vm/csa_vm.c alone.
 */
#ifndef CSA_LIB_UTIL_H
#define CSA_LIB_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa/csa.h"
#include "csa_vm.h"

/*
 * The 6.1 harness runs a test's body even when its setup skipped: the setup
 * records why in self->skip, and each test starts with this.
 */
#define SKIP_IF_UNABLE() do {						\
	if (self->skip[0])						\
		SKIP(return, "%s", self->skip);			\
} while (0)

/*
 * Open every card of the VM's card list with libcsa (its render node) and
 * query it, in list order, into @dev and @info (CSA_VM_MAX_CARDS each).
 * Returns the number of cards, or -errno with @why (@len bytes) saying
 * which card failed and why; nothing stays open then.
 */
static inline int csa_lib_open_cards(struct csa_device **dev,
				     struct csa_info *info,
				     char *why, size_t len)
{
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	char node[CSA_VM_PATH_LEN];
	int n = csa_vm_cards(card, CSA_VM_MAX_CARDS), i, ret = 0;

	if (n <= 0) {
		snprintf(why, len, "no card list from the VM runner: %s",
			 strerror(n ? -n : ENODEV));
		return n ? n : -ENODEV;
	}
	for (i = 0; i < n; i++) {
		ret = csa_vm_render_node(card[i].addr, node, sizeof(node));
		if (ret) {
			snprintf(why, len, "%.*s has no render node: %s",
				 CSA_VM_ADDR_LEN, card[i].addr, strerror(-ret));
			break;
		}
		ret = csa_open_path(node, &dev[i]);
		if (!ret) {
			ret = csa_query(dev[i], &info[i]);
			if (ret)
				csa_close(dev[i]);
		}
		if (ret) {
			snprintf(why, len, "open and query %.*s: %.100s",
				 CSA_VM_ADDR_LEN, card[i].addr, csa_last_error());
			break;
		}
	}
	if (!ret)
		return n;
	while (i--)
		csa_close(dev[i]);
	return ret;
}

/*
 * Runs "@tool @args" through the shell with stdout (and stderr unless
 * @quiet) into @buf (NUL terminated, truncated to @len).  Returns the
 * wait status of pclose(), or -errno if it could not start.
 */
static inline int csa_lib_run(const char *tool, const char *args, int quiet,
			      char *buf, size_t len)
{
	char cmd[1024];	/* a tool path and arguments of up to a few hundred bytes */
	size_t used = 0, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s %s", tool, args,
		 quiet ? "2>/dev/null" : "2>&1");
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (used + 1 < len && (n = fread(buf + used, 1, len - 1 - used, p)))
		used += n;
	buf[used] = 0;
	while (fgetc(p) != EOF)		/* drain what did not fit */
		;
	return pclose(p);
}

#endif /* CSA_LIB_UTIL_H */

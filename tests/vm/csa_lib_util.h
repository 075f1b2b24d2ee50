/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers of the libcsa VM suites (csa_lib_*_test.c, csa_numa_test.c):
 * running a tool of the VM image with its output captured.  Header-only:
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
 * Open the card at PCI address @addr with libcsa (its render node) and
 * query it.  0, or -errno with csa_last_error() saying why.
 */
static inline int csa_lib_open_card(const char *addr, struct csa_device **dev,
				    struct csa_info *info)
{
	char node[CSA_VM_PATH_LEN];
	int ret = csa_vm_render_node(addr, node, sizeof(node));

	if (ret)
		return ret;
	ret = csa_open_path(node, dev);
	if (ret)
		return ret;
	ret = csa_query(*dev, info);
	if (ret) {
		csa_close(*dev);
		*dev = NULL;
	}
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
	char cmd[512];
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

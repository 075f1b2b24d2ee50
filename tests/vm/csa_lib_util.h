/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers of the libcsa VM suites (csa_lib_*_test.c, csa_numa_test.c):
 * the NUMA node the VM runner gave a card, and running a tool of the VM
 * image with its output captured.  Header-only: tests/tests.mk links each
 * suite with tests/vm/csa_vm.c alone.
 */
#ifndef CSA_LIB_UTIL_H
#define CSA_LIB_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * "numa-node=N" of the card at @addr in the runner's card list
 * ($CSA_CARDS_FILE, default /etc/csa-vm/cards): N (-1 on the root bus), or
 * -2 when the list does not say.
 */
static inline int csa_lib_listed_node(const char *addr)
{
	const char *path = getenv("CSA_CARDS_FILE");
	size_t len = strlen(addr);
	char line[512], *p;
	int node = -2;
	FILE *f = fopen(path && *path ? path : "/etc/csa-vm/cards", "re");

	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, addr, len) || line[len] != ' ')
			continue;
		p = strstr(line, " numa-node=");
		if (p)
			node = atoi(p + strlen(" numa-node="));
	}
	fclose(f);
	return node;
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

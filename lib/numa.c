// SPDX-License-Identifier: MIT
/*
 * NUMA placement: which node a device's buffers go to, and putting pages
 * there before their first touch.
 *
 * GEM shmem pages are allocated by the kernel in the context of the thread
 * that maps (or first faults, or first submits) the buffer, with that
 * thread's memory policy: a policy set on the mapping afterwards (mbind)
 * does not reach shmem.  So buffer objects are mapped while the calling
 * thread prefers the node (csa_numa_enter/leave); anonymous host memory
 * gets an mbind() before it is touched.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <numa.h>
#include <numaif.h>

#include "internal.h"

int csa_numa_max_node(void)
{
	static int max_node = -2;

	if (max_node == -2)
		max_node = numa_available() < 0 ? -1 : numa_max_node();
	return max_node;
}

int csa_numa_choose(const char *env, int card_node, int max_node, int *node)
{
	char *end;
	long val;

	if (!env || !*env || !strcmp(env, "auto")) {
		*node = card_node >= 0 && card_node <= max_node ? card_node
								 : CSA_NUMA_OFF;
		return 0;
	}
	if (!strcmp(env, "off") || !strcmp(env, "none")) {
		*node = CSA_NUMA_OFF;
		return 0;
	}
	errno = 0;
	val = strtol(env, &end, 10);
	/* digits only: strtol would also take blanks and signs */
	if (!isdigit((unsigned char)env[0]) || *end || errno || val > INT_MAX)
		return csa_error(EINVAL, "CSA_NUMA=\"%s\": expected off, auto or a node number",
				 env);
	if (val > max_node)
		return csa_error(EINVAL, "CSA_NUMA=%ld: the system has %s", val,
				 max_node < 0 ? "no NUMA support" : "fewer nodes");
	*node = (int)val;
	return 0;
}

CSA_EXPORT int csa_set_numa_node(struct csa_device *dev, int node)
{
	int max_node = csa_numa_max_node();

	if (node == CSA_NUMA_AUTO)
		return csa_numa_choose(NULL, dev->card_node, max_node,
				       &dev->numa_node);
	if (node == CSA_NUMA_OFF) {
		dev->numa_node = CSA_NUMA_OFF;
		return 0;
	}
	if (node < 0 || node > max_node)
		return csa_error(EINVAL, "NUMA node %d does not exist (highest: %d)",
				 node, max_node);
	dev->numa_node = node;
	return 0;
}

CSA_EXPORT int csa_numa_node(const struct csa_device *dev)
{
	return dev->numa_node;
}

/* the node masks of get_mempolicy/set_mempolicy/mbind, in bits */
#define MASK_BITS	(CSA_NUMA_MASK_LONGS * sizeof(unsigned long) * CHAR_BIT)

/* @mask holds @node alone; false for a node outside the mask. */
static bool node_mask(int node, unsigned long mask[CSA_NUMA_MASK_LONGS])
{
	const unsigned long per_long = sizeof(unsigned long) * CHAR_BIT;

	if (node < 0 || (unsigned long)node >= MASK_BITS)
		return false;
	memset(mask, 0, CSA_NUMA_MASK_LONGS * sizeof(unsigned long));
	mask[node / per_long] = 1ul << (node % per_long);
	return true;
}

void csa_numa_enter(int node, struct csa_numa_scope *scope)
{
	unsigned long want[CSA_NUMA_MASK_LONGS];

	scope->active = false;
	if (!node_mask(node, want))
		return;
	if (get_mempolicy(&scope->mode, scope->mask, MASK_BITS, NULL, 0))
		return;		/* no NUMA support: nothing to place */
	if (set_mempolicy(MPOL_PREFERRED, want, MASK_BITS))
		return;
	scope->active = true;
}

void csa_numa_leave(struct csa_numa_scope *scope)
{
	if (!scope->active)
		return;
	/* The policy read before is valid to set again. */
	set_mempolicy(scope->mode, scope->mask, MASK_BITS);
	scope->active = false;
}

int csa_numa_bind_range(int node, void *addr, size_t len)
{
	unsigned long want[CSA_NUMA_MASK_LONGS];

	if (!node_mask(node, want))
		return 0;
	if (mbind(addr, len, MPOL_PREFERRED, want, MASK_BITS, 0))
		return csa_error(errno, "mbind to NUMA node %d: %s", node,
				 strerror(errno));
	return 0;
}

CSA_EXPORT int csa_host_alloc(struct csa_device *dev, size_t size, void **ptrp)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;
	int ret;

	if (!ptrp || !size)
		return csa_error(EINVAL, "csa_host_alloc: size must be > 0 and ptrp not NULL");
	*ptrp = NULL;
	if (size > SIZE_MAX - page)
		return csa_error(ENOMEM, "csa_host_alloc: %zu bytes is too large", size);
	size = (size + page - 1) & ~(page - 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return csa_error(errno, "csa_host_alloc: mmap of %zu bytes: %s",
				 size, strerror(errno));
	/* Before the first touch, so every page is allocated on the node. */
	ret = csa_numa_bind_range(dev->numa_node, p, size);
	if (ret && ret != -ENOSYS) {
		munmap(p, size);
		return ret;
	}
	*ptrp = p;
	return 0;
}

CSA_EXPORT void csa_host_free(void *ptr, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (!ptr)
		return;
	munmap(ptr, (size + page - 1) & ~(page - 1));
}

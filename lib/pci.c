// SPDX-License-Identifier: MIT
/* PCI address text in the kernel's sysfs form. */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

int csa_format_pci_address(char *buf, size_t len, unsigned int domain,
			   unsigned int bus, unsigned int dev,
			   unsigned int func)
{
	int n;

	/* Same spelling as /sys/bus/pci/devices/<address>, so it can be
	 * used as a sysfs path component.
	 */
	n = snprintf(buf, len, "%04x:%02x:%02x.%x", domain, bus, dev, func);
	if (n < 0 || (size_t)n >= len)
		return csa_error(ENOSPC, "PCI address buffer of %zu bytes is too small",
				 len);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * pcim_iomap_region() (6.11) maps one BAR; it replaces pcim_iomap_regions()
 * + pcim_iomap_table(), which later kernels deprecate and remove.
 */
#include <linux/pci.h>

void __iomem *csa_probe_iomap(struct pci_dev *pdev);

void __iomem *csa_probe_iomap(struct pci_dev *pdev)
{
	return pcim_iomap_region(pdev, 0, "csa");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * DMA resources that must not outlive the device binding.
 *
 * Buffer objects and queued jobs can outlive the PCI device: an open file
 * keeps them after unbind or hot removal.  Their DMA mappings and coherent
 * tables belong to the device, though, and the DMA API requires them gone
 * when the driver lets go of it.  Every such resource is made through
 * csa_dma_setup() and registered here; csa_dma_release_all() at remove
 * releases whatever is left, and the owner's own release later finds it
 * already done.  One mutex serialises setup, release and the unbind, so a
 * resource is never set up on an unbound device nor released twice.
 */
#include <linux/error-injection.h>

#include "csa_drv.h"

/**
 * csa_dma_setup() - create a DMA resource and register it
 * @csa: the device
 * @res: the resource's registration, embedded in its owner, its node
 *       initialised (INIT_LIST_HEAD) when the owner was created
 * @setup: makes the mapping or allocation, 0 or a negative errno
 * @release: undoes it; called once, from csa_dma_release() or at unbind
 *
 * Sleeps.  Return: 0, -EEXIST when @res is set up already (a racing
 * caller did it), -ENODEV when the device is gone, or @setup's error.
 */
int csa_dma_setup(struct csa_device *csa, struct csa_dma_res *res,
		  int (*setup)(struct csa_dma_res *res),
		  void (*release)(struct csa_dma_res *res))
{
	int ret;

	mutex_lock(&csa->dma_lock);
	if (csa->dma_gone) {
		ret = -ENODEV;
	} else if (!list_empty(&res->node)) {
		ret = -EEXIST;
	} else {
		res->release = release;
		ret = setup(res);
		if (!ret)
			list_add_tail(&res->node, &csa->dma_list);
	}
	mutex_unlock(&csa->dma_lock);
	return ret;
}

/* Every DMA mapping and allocation of the driver fails here on request. */
ALLOW_ERROR_INJECTION(csa_dma_setup, ERRNO);

/**
 * csa_dma_release() - release a resource unless the unbind did already
 * @csa: the device
 * @res: a registration that csa_dma_setup() initialised (set up or not)
 *
 * Sleeps.
 */
void csa_dma_release(struct csa_device *csa, struct csa_dma_res *res)
{
	mutex_lock(&csa->dma_lock);
	if (!list_empty(&res->node)) {
		res->release(res);
		list_del_init(&res->node);
	}
	mutex_unlock(&csa->dma_lock);
}

/**
 * csa_dma_release_all() - release every resource at remove
 * @csa: the device, unplugged, its queues stopped (nothing uses DMA)
 */
void csa_dma_release_all(struct csa_device *csa)
{
	struct csa_dma_res *res, *tmp;

	mutex_lock(&csa->dma_lock);
	csa->dma_gone = true;
	list_for_each_entry_safe(res, tmp, &csa->dma_list, node) {
		res->release(res);
		list_del_init(&res->node);
	}
	mutex_unlock(&csa->dma_lock);
}

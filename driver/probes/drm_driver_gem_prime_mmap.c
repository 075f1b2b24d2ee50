// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf mmap of a GEM object goes through &drm_driver.gem_prime_mmap on
 * 6.1; later kernels dropped the hook and call drm_gem_prime_mmap() directly.
 */
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>

static const struct drm_driver csa_probe_driver = {
	.gem_prime_mmap = drm_gem_prime_mmap,
};

const struct drm_driver *csa_probe_gem_prime_mmap(void);

const struct drm_driver *csa_probe_gem_prime_mmap(void)
{
	return &csa_probe_driver;
}

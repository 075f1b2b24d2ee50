// SPDX-License-Identifier: GPL-2.0
/*
 * Drivers must set &drm_driver.prime_handle_to_fd/prime_fd_to_handle to the
 * GEM helpers for PRIME to work on 6.1; later kernels made them the core's
 * default and stopped exporting the helpers.
 */
#include <drm/drm_drv.h>
#include <drm/drm_prime.h>

static const struct drm_driver csa_probe_driver = {
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
};

const struct drm_driver *csa_probe_prime_fd_hooks(void);

const struct drm_driver *csa_probe_prime_fd_hooks(void)
{
	return &csa_probe_driver;
}

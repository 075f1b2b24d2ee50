// SPDX-License-Identifier: GPL-2.0
/*
 * Compute accel devices (/dev/accel/accel*) exist since 6.2, and only in
 * kernels built with CONFIG_DRM_ACCEL (built into drm.ko, =y or =m with
 * it); elsewhere csa stays a render node.
 */
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>

#if !IS_ENABLED(CONFIG_DRM_ACCEL)
#error "kernel built without CONFIG_DRM_ACCEL"
#endif

DEFINE_DRM_ACCEL_FOPS(csa_probe_fops);

static const struct drm_driver csa_probe_driver = {
	.driver_features	= DRIVER_GEM | DRIVER_COMPUTE_ACCEL,
	.fops			= &csa_probe_fops,
};

const struct drm_driver *csa_probe_accel(void);

const struct drm_driver *csa_probe_accel(void)
{
	return &csa_probe_driver;
}

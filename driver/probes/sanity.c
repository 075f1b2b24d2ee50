// SPDX-License-Identifier: GPL-2.0
/* Must always compile: proves the probe compiler flags are usable. */
#include <linux/module.h>
#include <drm/drm_drv.h>

int csa_probe_sanity(void);

int csa_probe_sanity(void)
{
	return DRIVER_GEM | DRIVER_RENDER;
}

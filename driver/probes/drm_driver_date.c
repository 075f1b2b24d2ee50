// SPDX-License-Identifier: GPL-2.0
/* struct drm_driver lost its .date field in 6.14. */
#include <drm/drm_drv.h>

static const struct drm_driver csa_probe_driver = {
	.date = "20250101",
};

const struct drm_driver *csa_probe_date(void);

const struct drm_driver *csa_probe_date(void)
{
	return &csa_probe_driver;
}

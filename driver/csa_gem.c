// SPDX-License-Identifier: GPL-2.0
/*
 * CSA buffer objects.  Not implemented yet: every ioctl reports
 * -EOPNOTSUPP and DRM_CSA_FEATURE_BO stays clear.
 */
#include <linux/err.h>
#include <drm/drm_file.h>

#include "csa_drv.h"

int csa_gem_init(struct csa_device *csa)
{
	return 0;
}

struct drm_gem_object *csa_gem_create_object(struct drm_device *drm, size_t size)
{
	return ERR_PTR(-EOPNOTSUPP);
}

int csa_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int csa_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int csa_ioctl_bo_userptr(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int csa_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

void csa_gem_debugfs_init(struct drm_minor *minor)
{
}

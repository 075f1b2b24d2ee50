// SPDX-License-Identifier: GPL-2.0
/*
 * CSA command queues.  Not implemented yet: the queue ioctls report
 * -EOPNOTSUPP and DRM_CSA_FEATURE_QUEUES stays clear.
 */
#include <drm/drm_file.h>

#include "csa_drv.h"

int csa_queues_init(struct csa_device *csa)
{
	return 0;
}

void csa_queues_fini(struct csa_device *csa)
{
}

int csa_file_open(struct drm_device *drm, struct drm_file *file)
{
	return 0;
}

void csa_file_postclose(struct drm_device *drm, struct drm_file *file)
{
}

int csa_ioctl_queue_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int csa_ioctl_queue_destroy(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

int csa_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	return -EOPNOTSUPP;
}

// SPDX-License-Identifier: MIT
/*
 * libdrm conventions: drmSyncobjWait and drmSyncobjTimelineWait return
 * -errno; the other drmSyncobj* functions return -1 and set errno.
 *
 * Fences: DRM syncobjs, binary (point 0) or timeline (points > 0).  Waits
 * take absolute CLOCK_MONOTONIC deadlines; a fence point becomes a
 * poll()-able sync_file, whose status carries the job's error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sync_file.h>
#include <xf86drm.h>

#include "internal.h"

CSA_EXPORT int csa_fence_create(struct csa_device *dev, uint32_t flags,
				struct csa_fence **fencep)
{
	const uint32_t known = CSA_FENCE_TIMELINE | CSA_FENCE_SIGNALED;
	struct csa_fence *f;
	uint32_t handle;

	if (!dev || !fencep)
		return csa_error(EINVAL, "csa_fence_create: dev and fencep must not be NULL");
	*fencep = NULL;
	if (flags & ~known)
		return csa_error(EINVAL, "csa_fence_create: unknown flags %#x",
				 flags & ~known);
	if ((flags & CSA_FENCE_TIMELINE) && (flags & CSA_FENCE_SIGNALED))
		return csa_error(EINVAL, "csa_fence_create: a timeline fence cannot be created signaled (signal point 1 instead)");
	if (flags & CSA_FENCE_TIMELINE) {
		uint64_t cap = 0;

		if (drmGetCap(dev->fd, DRM_CAP_SYNCOBJ_TIMELINE, &cap) || !cap)
			return csa_error(EOPNOTSUPP, "%s: the driver has no timeline syncobjs",
					 dev->render_node);
	}
	if (drmSyncobjCreate(dev->fd, (flags & CSA_FENCE_SIGNALED) ?
			     DRM_SYNCOBJ_CREATE_SIGNALED : 0, &handle))
		return csa_ioctl_error(dev, errno, "SYNCOBJ_CREATE");
	f = calloc(1, sizeof(*f));
	if (!f) {
		drmSyncobjDestroy(dev->fd, handle);
		return csa_error(ENOMEM, "out of memory for a fence");
	}
	f->dev = dev;
	f->handle = handle;
	f->timeline = flags & CSA_FENCE_TIMELINE;
	*fencep = f;
	return 0;
}

CSA_EXPORT void csa_fence_destroy(struct csa_fence *fence)
{
	if (!fence)
		return;
	drmSyncobjDestroy(fence->dev->fd, fence->handle);
	free(fence);
}

CSA_EXPORT uint32_t csa_fence_handle(const struct csa_fence *fence)
{
	return fence->handle;
}

CSA_EXPORT bool csa_fence_is_timeline(const struct csa_fence *fence)
{
	return fence->timeline;
}

/* Point 0 names the binary fence, points > 0 timeline points. */
static int check_point(const struct csa_fence *fence, uint64_t point,
		       const char *fn)
{
	if (!fence)
		return csa_error(EINVAL, "%s: fence must not be NULL", fn);
	if (fence->timeline && !point)
		return csa_error(EINVAL, "%s: a timeline fence needs a point > 0", fn);
	if (!fence->timeline && point)
		return csa_error(EINVAL, "%s: point %llu given for a binary fence (use 0)",
				 fn, (unsigned long long)point);
	return 0;
}

CSA_EXPORT int csa_fence_wait(struct csa_fence *fence, uint64_t point,
			      int64_t deadline_ns)
{
	const uint32_t flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	int fd, ret;

	ret = check_point(fence, point, "csa_fence_wait");
	if (ret)
		return ret;
	fd = fence->dev->fd;
	/* The kernel turns the deadline into jiffies and may give up a
	 * fraction of a jiffy early: wait again until it has really passed.
	 */
	do {
		if (fence->timeline)
			ret = drmSyncobjTimelineWait(fd, &fence->handle, &point, 1,
						     deadline_ns, flags, NULL);
		else
			ret = drmSyncobjWait(fd, &fence->handle, 1, deadline_ns,
					     flags, NULL);
	} while ((ret == -ETIME || ret == -ETIMEDOUT) && csa_now_ns() < deadline_ns);
	if (!ret)
		return 0;
	/* the wait functions of libdrm return -errno, the others -1 */
	if (ret == -ETIME || ret == -ETIMEDOUT)
		return csa_error(ETIME, "%s: fence %u point %llu not signaled by the deadline",
				 fence->dev->render_node, fence->handle,
				 (unsigned long long)point);
	return csa_ioctl_error(fence->dev, -ret, "SYNCOBJ_WAIT");
}

CSA_EXPORT int csa_fence_signal(struct csa_fence *fence, uint64_t point)
{
	int ret = check_point(fence, point, "csa_fence_signal");

	if (ret)
		return ret;
	if (fence->timeline)
		ret = drmSyncobjTimelineSignal(fence->dev->fd, &fence->handle,
					       &point, 1);
	else
		ret = drmSyncobjSignal(fence->dev->fd, &fence->handle, 1);
	return ret ? csa_ioctl_error(fence->dev, errno, "SYNCOBJ_SIGNAL") : 0;
}

CSA_EXPORT int csa_fence_reset(struct csa_fence *fence)
{
	int ret = check_point(fence, 0, "csa_fence_reset");

	if (ret)
		return ret;
	ret = drmSyncobjReset(fence->dev->fd, &fence->handle, 1);
	return ret ? csa_ioctl_error(fence->dev, errno, "SYNCOBJ_RESET") : 0;
}

CSA_EXPORT int csa_fence_query(struct csa_fence *fence, uint64_t *point)
{
	int ret;

	if (!fence || !point)
		return csa_error(EINVAL, "csa_fence_query: fence and point must not be NULL");
	if (!fence->timeline)
		return csa_error(EINVAL, "csa_fence_query: not a timeline fence");
	ret = drmSyncobjQuery(fence->dev->fd, &fence->handle, point, 1);
	return ret ? csa_ioctl_error(fence->dev, errno, "SYNCOBJ_QUERY") : 0;
}

/*
 * A sync_file of a binary syncobj directly; of a timeline point through a
 * temporary binary syncobj the point's fence is transferred into.
 */
CSA_EXPORT int csa_fence_sync_file(struct csa_fence *fence, uint64_t point,
				   int *fdp)
{
	struct csa_device *dev;
	uint32_t tmp;
	int ret;

	if (!fdp)
		return csa_error(EINVAL, "csa_fence_sync_file: fdp must not be NULL");
	*fdp = -1;
	ret = check_point(fence, point, "csa_fence_sync_file");
	if (ret)
		return ret;
	dev = fence->dev;
	if (!fence->timeline) {
		ret = drmSyncobjExportSyncFile(dev->fd, fence->handle, fdp);
		return ret ? csa_ioctl_error(dev, errno, "SYNCOBJ_EXPORT_SYNC_FILE") : 0;
	}
	if (drmSyncobjCreate(dev->fd, 0, &tmp))
		return csa_ioctl_error(dev, errno, "SYNCOBJ_CREATE");
	ret = drmSyncobjTransfer(dev->fd, tmp, 0, fence->handle, point, 0);
	if (ret)
		ret = csa_ioctl_error(dev, errno, "SYNCOBJ_TRANSFER (has the point a job yet?)");
	else if (drmSyncobjExportSyncFile(dev->fd, tmp, fdp))
		ret = csa_ioctl_error(dev, errno, "SYNCOBJ_EXPORT_SYNC_FILE");
	drmSyncobjDestroy(dev->fd, tmp);
	return ret;
}

CSA_EXPORT int csa_sync_file_status(int fd, int *job_error)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info))
		return csa_error(errno, "SYNC_IOC_FILE_INFO on fd %d: %s", fd,
				 strerror(errno));
	if (info.status == 0)
		return 0;
	if (job_error)
		*job_error = info.status < 0 ? info.status : 0;
	return 1;
}

CSA_EXPORT int csa_fence_status(struct csa_fence *fence, uint64_t point,
				int *job_error)
{
	int fd, ret;

	ret = csa_fence_sync_file(fence, point, &fd);
	if (ret)
		return ret;
	ret = csa_sync_file_status(fd, job_error);
	close(fd);
	return ret;
}

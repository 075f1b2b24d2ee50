// SPDX-License-Identifier: MIT
/*
 * Buffer objects: create, wrap user memory, PRIME import/export, map,
 * wait for CPU access, info, free.  One struct csa_bo per GEM handle of a
 * device: a handle that comes back from an import is the same object.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "internal.h"

static int bo_info_ioctl(const struct csa_device *dev, uint32_t handle,
			 struct drm_csa_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	if (drmIoctl(dev->fd, DRM_IOCTL_CSA_BO_INFO, info))
		return csa_ioctl_error(dev, errno, "BO_INFO");
	return 0;
}

static void gem_close(const struct csa_device *dev, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	drmIoctl(dev->fd, DRM_IOCTL_GEM_CLOSE, &args);
}

/* Wraps a new handle of @dev; on failure the handle is closed. */
static int bo_new(struct csa_device *dev, uint32_t handle, struct csa_bo **bop)
{
	struct drm_csa_bo_info info;
	struct csa_bo *bo;
	int ret;

	ret = bo_info_ioctl(dev, handle, &info);
	if (ret) {
		gem_close(dev, handle);
		return ret;
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo) {
		gem_close(dev, handle);
		return csa_error(ENOMEM, "out of memory for a buffer object");
	}
	bo->dev = dev;
	bo->handle = handle;
	bo->size = info.size;
	bo->mmap_offset = info.mmap_offset;
	bo->bo_flags = info.bo_flags;
	bo->refs = 1;
	bo->next = dev->bos;
	dev->bos = bo;
	*bop = bo;
	return 0;
}

static int bo_mmap(struct csa_bo *bo)
{
	void *p;

	if (!bo->mmap_offset)
		return csa_error(EOPNOTSUPP, "%s: buffer %u has no mmap offset (not mappable through the device)",
				 bo->dev->render_node, bo->handle);
	p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 bo->dev->fd, (off_t)bo->mmap_offset);
	if (p == MAP_FAILED)
		return csa_error(errno, "%s: mmap of buffer %u (%llu bytes): %s",
				 bo->dev->render_node, bo->handle,
				 (unsigned long long)bo->size, strerror(errno));
	bo->map = p;
	bo->own_map = true;
	return 0;
}

/* Maps @bo while the thread prefers @node: the kernel allocates the pages
 * of a shmem object in the mapping thread's context (at mmap or at the
 * populating faults), under that thread's policy.
 */
static int bo_mmap_on_node(struct csa_bo *bo, int node)
{
	struct csa_numa_scope scope;
	int ret;

	csa_numa_enter(node, &scope);
	ret = bo_mmap(bo);
	csa_numa_leave(&scope);
	return ret;
}

CSA_EXPORT int csa_bo_create(struct csa_device *dev, uint64_t size,
			     uint32_t flags, struct csa_bo **bop)
{
	struct drm_csa_bo_create args = { .size = size };
	struct csa_bo *bo;
	int ret;

	if (!dev || !bop)
		return csa_error(EINVAL, "csa_bo_create: dev and bop must not be NULL");
	*bop = NULL;
	if (!size)
		return csa_error(EINVAL, "csa_bo_create: size must be > 0");
	if (flags & ~CSA_BO_NO_NUMA)
		return csa_error(EINVAL, "csa_bo_create: unknown flags %#x",
				 flags & ~CSA_BO_NO_NUMA);
	if (drmIoctl(dev->fd, DRM_IOCTL_CSA_BO_CREATE, &args)) {
		int err = errno;

		if (err == E2BIG)
			return csa_error(err, "%s: BO_CREATE of %llu bytes: larger than the card's MAX_BO_SIZE",
					 dev->render_node, (unsigned long long)size);
		return csa_ioctl_error(dev, err, "BO_CREATE");
	}
	ret = bo_new(dev, args.handle, &bo);
	if (ret)
		return ret;
	if (dev->numa_node >= 0 && !(flags & CSA_BO_NO_NUMA)) {
		ret = bo_mmap_on_node(bo, dev->numa_node);
		if (ret) {
			csa_bo_free(bo);
			return ret;
		}
	}
	*bop = bo;
	return 0;
}

CSA_EXPORT int csa_bo_userptr(struct csa_device *dev, void *ptr,
			      uint64_t size, uint32_t flags,
			      struct csa_bo **bop)
{
	struct drm_csa_bo_userptr args = {
		.user_ptr = (uintptr_t)ptr,
		.size = size,
	};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct csa_bo *bo;
	int ret;

	if (!dev || !bop)
		return csa_error(EINVAL, "csa_bo_userptr: dev and bop must not be NULL");
	*bop = NULL;
	if (!ptr || ((uintptr_t)ptr & (page - 1)))
		return csa_error(EINVAL, "csa_bo_userptr: address %p is not page aligned",
				 ptr);
	if (!size || (size & (page - 1)))
		return csa_error(EINVAL, "csa_bo_userptr: size %llu is not a positive multiple of the page size",
				 (unsigned long long)size);
	if (flags & ~CSA_USERPTR_READ_ONLY)
		return csa_error(EINVAL, "csa_bo_userptr: unknown flags %#x",
				 flags & ~CSA_USERPTR_READ_ONLY);
	if (flags & CSA_USERPTR_READ_ONLY)
		args.flags |= DRM_CSA_USERPTR_READ_ONLY;
	if (drmIoctl(dev->fd, DRM_IOCTL_CSA_BO_USERPTR, &args))
		return csa_ioctl_error(dev, errno, "BO_USERPTR");
	ret = bo_new(dev, args.handle, &bo);
	if (ret)
		return ret;
	bo->map = ptr;		/* the caller's memory is the mapping */
	*bop = bo;
	return 0;
}

CSA_EXPORT int csa_bo_import(struct csa_device *dev, int fd,
			     struct csa_bo **bop)
{
	uint32_t handle;
	struct csa_bo *bo;

	if (!dev || !bop)
		return csa_error(EINVAL, "csa_bo_import: dev and bop must not be NULL");
	*bop = NULL;
	if (fd < 0)
		return csa_error(EBADF, "csa_bo_import: invalid file descriptor %d", fd);
	if (drmPrimeFDToHandle(dev->fd, fd, &handle))
		return csa_ioctl_error(dev, errno, "PRIME_FD_TO_HANDLE");
	/* The same dma-buf on the same file gives the same handle. */
	for (bo = dev->bos; bo; bo = bo->next) {
		if (bo->handle == handle) {
			bo->refs++;
			*bop = bo;
			return 0;
		}
	}
	return bo_new(dev, handle, bop);
}

CSA_EXPORT int csa_bo_export(struct csa_bo *bo, int *fdp)
{
	int fd;

	if (!bo || !fdp)
		return csa_error(EINVAL, "csa_bo_export: bo and fdp must not be NULL");
	*fdp = -1;
	if (drmPrimeHandleToFD(bo->dev->fd, bo->handle, DRM_CLOEXEC | DRM_RDWR, &fd))
		return csa_ioctl_error(bo->dev, errno, "PRIME_HANDLE_TO_FD");
	*fdp = fd;
	return 0;
}

CSA_EXPORT int csa_bo_map(struct csa_bo *bo, void **ptrp)
{
	int ret;

	if (!bo || !ptrp)
		return csa_error(EINVAL, "csa_bo_map: bo and ptrp must not be NULL");
	*ptrp = NULL;
	if (!bo->map) {
		ret = bo_mmap(bo);
		if (ret)
			return ret;
	}
	*ptrp = bo->map;
	return 0;
}

CSA_EXPORT int csa_bo_wait(struct csa_bo *bo, uint32_t flags,
			   int64_t deadline_ns)
{
	struct drm_csa_bo_wait args = { .timeout_ns = deadline_ns };

	if (!bo)
		return csa_error(EINVAL, "csa_bo_wait: bo must not be NULL");
	if (flags & ~CSA_WAIT_READ)
		return csa_error(EINVAL, "csa_bo_wait: unknown flags %#x",
				 flags & ~CSA_WAIT_READ);
	args.handle = bo->handle;
	if (flags & CSA_WAIT_READ)
		args.flags |= DRM_CSA_BO_WAIT_READ;
	if (drmIoctl(bo->dev->fd, DRM_IOCTL_CSA_BO_WAIT, &args)) {
		int err = errno;

		if (err == ETIMEDOUT || err == ETIME)
			return csa_error(ETIMEDOUT, "%s: buffer %u is still in use by jobs at the deadline",
					 bo->dev->render_node, bo->handle);
		return csa_ioctl_error(bo->dev, err, "BO_WAIT");
	}
	return 0;
}

CSA_EXPORT int csa_bo_wait_timeout(struct csa_bo *bo, uint32_t flags,
				   int64_t timeout_ns)
{
	return csa_bo_wait(bo, flags, csa_deadline_after(timeout_ns));
}

CSA_EXPORT int csa_bo_info(const struct csa_bo *bo, struct csa_bo_info *info)
{
	struct drm_csa_bo_info args;
	int ret;

	if (!bo || !info)
		return csa_error(EINVAL, "csa_bo_info: bo and info must not be NULL");
	ret = bo_info_ioctl(bo->dev, bo->handle, &args);
	if (ret)
		return ret;
	info->size = args.size;
	info->mmap_offset = args.mmap_offset;
	info->handle = args.handle;
	info->flags = args.bo_flags;
	return 0;
}

CSA_EXPORT uint32_t csa_bo_handle(const struct csa_bo *bo)
{
	return bo->handle;
}

CSA_EXPORT uint64_t csa_bo_size(const struct csa_bo *bo)
{
	return bo->size;
}

static void bo_unlink(struct csa_bo *bo)
{
	struct csa_bo **p;

	for (p = &bo->dev->bos; *p; p = &(*p)->next) {
		if (*p == bo) {
			*p = bo->next;
			return;
		}
	}
}

static void bo_destroy(struct csa_bo *bo, bool close_handle)
{
	if (bo->own_map)
		munmap(bo->map, bo->size);
	if (close_handle)
		gem_close(bo->dev, bo->handle);
	free(bo);
}

CSA_EXPORT void csa_bo_free(struct csa_bo *bo)
{
	if (!bo || --bo->refs)
		return;
	bo_unlink(bo);
	bo_destroy(bo, true);
}

void csa_bo_release_all(struct csa_device *dev)
{
	while (dev->bos) {
		struct csa_bo *bo = dev->bos;

		dev->bos = bo->next;
		bo_destroy(bo, false);	/* closing the fd closes the handles */
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * CSA userptr buffer objects: the caller's own memory, pinned with
 * FOLL_LONGTERM for the object's whole life and DMA-mapped once at
 * creation.  The pages are charged to the caller's RLIMIT_MEMLOCK through
 * mm->pinned_vm, the way RDMA (ib_umem) does it.  They cannot be mmapped
 * through the DRM fd (no fake offset: use the original memory) nor exported
 * as a dma-buf.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>

#include "csa_drm.h"
#include "csa_drv.h"
#include "csa_gem.h"

struct csa_userptr {
	struct drm_gem_object base;
	struct page **pages;
	unsigned long npages;
	struct sg_table *sgt;		/* mapped for base.dev->dev */
	struct mm_struct *mm;		/* whose pinned_vm is charged */
	enum dma_data_direction dir;
	bool read_only;
};

static const struct drm_gem_object_funcs csa_userptr_funcs;

static struct csa_userptr *to_csa_userptr(struct drm_gem_object *obj)
{
	return container_of(obj, struct csa_userptr, base);
}

/**
 * csa_bo_is_userptr() - was this object made by BO_USERPTR?
 * @obj: a GEM object of a csa device
 *
 * Return: true for userptr objects.
 */
bool csa_bo_is_userptr(struct drm_gem_object *obj)
{
	return obj->funcs == &csa_userptr_funcs;
}

/**
 * csa_userptr_sgt() - the mapped table of a userptr object
 * @obj: a userptr object
 *
 * Return: the table mapped at creation, valid until the object is freed.
 */
struct sg_table *csa_userptr_sgt(struct drm_gem_object *obj)
{
	return to_csa_userptr(obj)->sgt;
}

/**
 * csa_userptr_is_read_only() - created with DRM_CSA_USERPTR_READ_ONLY?
 * @obj: a userptr object
 *
 * Return: true when the card may only read the object.
 */
bool csa_userptr_is_read_only(struct drm_gem_object *obj)
{
	return to_csa_userptr(obj)->read_only;
}

/**
 * csa_userptr_sync() - hand a userptr object's memory to the CPU or the card
 * @obj: a userptr object
 * @for_cpu: true after the card is done, false before it starts
 */
void csa_userptr_sync(struct drm_gem_object *obj, bool for_cpu)
{
	struct csa_userptr *bo = to_csa_userptr(obj);

	if (for_cpu)
		dma_sync_sgtable_for_cpu(obj->dev->dev, bo->sgt, bo->dir);
	else
		dma_sync_sgtable_for_device(obj->dev->dev, bo->sgt, bo->dir);
}

/* Charge @npages to current's RLIMIT_MEMLOCK (unless CAP_IPC_LOCK). */
static int csa_userptr_account(struct mm_struct *mm, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned;

	pinned = atomic64_add_return(npages, &mm->pinned_vm);
	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

static int csa_userptr_pin(struct csa_userptr *bo, unsigned long start)
{
	unsigned int gup_flags = FOLL_LONGTERM | (bo->read_only ? 0 : FOLL_WRITE);
	unsigned long pinned = 0;
	int ret;

	bo->pages = kvmalloc_array(bo->npages, sizeof(*bo->pages),
				   GFP_KERNEL_ACCOUNT);
	if (!bo->pages)
		return -ENOMEM;

	while (pinned < bo->npages) {
		ret = pin_user_pages_fast(start + (pinned << PAGE_SHIFT),
					  bo->npages - pinned, gup_flags,
					  bo->pages + pinned);
		if (ret <= 0) {
			/* 0: a hole gup would not report; both mean not mapped */
			ret = ret ? ret : -EFAULT;
			goto err_unpin;
		}
		pinned += ret;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_unpin;
		}
	}
	return 0;

err_unpin:
	unpin_user_pages(bo->pages, pinned);
	kvfree(bo->pages);
	bo->pages = NULL;
	return ret;
}

static int csa_userptr_map(struct csa_userptr *bo)
{
	struct drm_device *drm = bo->base.dev;
	struct sg_table *sgt;
	int ret;

	sgt = drm_prime_pages_to_sg(drm, bo->pages, bo->npages);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	ret = dma_map_sgtable(drm->dev, sgt, bo->dir, 0);
	if (ret) {
		sg_free_table(sgt);
		kfree(sgt);
		return ret;
	}
	bo->sgt = sgt;
	return 0;
}

static void csa_userptr_free(struct drm_gem_object *obj)
{
	struct csa_userptr *bo = to_csa_userptr(obj);

	csa_gem_count(obj->dev, obj->size, false);
	dma_unmap_sgtable(obj->dev->dev, bo->sgt, bo->dir, 0);
	sg_free_table(bo->sgt);
	kfree(bo->sgt);
	unpin_user_pages_dirty_lock(bo->pages, bo->npages, !bo->read_only);
	kvfree(bo->pages);
	atomic64_sub(bo->npages, &bo->mm->pinned_vm);
	mmdrop(bo->mm);
	drm_gem_object_release(obj);
	kfree(bo);
}

/* Userptr pages belong to a process: not shareable as a dma-buf. */
static struct dma_buf *csa_userptr_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EINVAL);
}

static const struct drm_gem_object_funcs csa_userptr_funcs = {
	.free = csa_userptr_free,
	.export = csa_userptr_export,
};

static int csa_userptr_check(const struct drm_csa_bo_userptr *args, u64 max)
{
	if (args->flags & ~DRM_CSA_USERPTR_READ_ONLY)
		return -EINVAL;
	if (!args->size)
		return -EINVAL;
	if (!PAGE_ALIGNED(args->user_ptr) || !PAGE_ALIGNED(args->size))
		return -EINVAL;
	if (args->user_ptr + args->size < args->user_ptr)
		return -EINVAL;		/* wraps around */
	if (args->size > max)
		return -E2BIG;
	return 0;
}

/**
 * csa_ioctl_bo_userptr() - DRM_IOCTL_CSA_BO_USERPTR
 * @drm: DRM device
 * @data: &struct drm_csa_bo_userptr
 * @file: the caller's file, which gets the handle
 *
 * Charges, pins and DMA-maps the whole range before the handle exists;
 * every failure undoes what was done so far.
 *
 * Return: 0 or a negative errno (docs/uapi.md, "Buffers").
 */
int csa_ioctl_bo_userptr(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_bo_userptr *args = data;
	struct csa_userptr *bo;
	u32 handle;
	int idx, ret;

	ret = csa_userptr_check(args, to_csa(drm)->max_bo_size);
	if (ret)
		return ret;
	if (!access_ok(u64_to_user_ptr(args->user_ptr), args->size))
		return -EFAULT;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo) {
		ret = -ENOMEM;
		goto out;
	}
	bo->read_only = args->flags & DRM_CSA_USERPTR_READ_ONLY;
	bo->dir = bo->read_only ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
	bo->npages = args->size >> PAGE_SHIFT;
	bo->base.funcs = &csa_userptr_funcs;
	drm_gem_private_object_init(drm, &bo->base, args->size);

	bo->mm = current->mm;
	mmgrab(bo->mm);
	ret = csa_userptr_account(bo->mm, bo->npages);
	if (ret)
		goto err_mm;
	ret = csa_userptr_pin(bo, args->user_ptr);
	if (ret)
		goto err_unaccount;
	ret = csa_userptr_map(bo);
	if (ret)
		goto err_unpin;

	/* from here on csa_userptr_free() undoes everything */
	csa_gem_count(drm, bo->base.size, true);
	ret = drm_gem_handle_create(file, &bo->base, &handle);
	/* the handle holds the only reference now (or the object is gone) */
	drm_gem_object_put(&bo->base);
	if (!ret)
		args->handle = handle;
	drm_dev_exit(idx);
	return ret;

err_unpin:
	unpin_user_pages(bo->pages, bo->npages);
	kvfree(bo->pages);
err_unaccount:
	atomic64_sub(bo->npages, &bo->mm->pinned_vm);
err_mm:
	mmdrop(bo->mm);
	drm_gem_object_release(&bo->base);
	kfree(bo);
out:
	drm_dev_exit(idx);
	return ret;
}

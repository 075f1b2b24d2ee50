// SPDX-License-Identifier: GPL-2.0
/*
 * CSA userptr buffer objects: the caller's own memory, pinned with
 * FOLL_LONGTERM for the object's whole life and DMA-mapped once at
 * creation.  The pages count against RLIMIT_MEMLOCK of the caller's *user*
 * (user_struct.locked_vm, as io_uring does), not of its mm: the object can
 * outlive the process in a shared file, and a charge that vanished with
 * the process would let forked children pin without limit.  mm->pinned_vm
 * shows them as VmPin of the creator.  They cannot be mmapped
 * through the DRM fd (no fake offset: use the original memory) nor exported
 * as a dma-buf.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/user.h>
#include <linux/cred.h>
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
	struct sg_table *sgt;		/* mapped for base.dev->dev (@dma) */
	struct csa_segtab *segtab;	/* the card's table of @sgt (@dma) */
	struct csa_dma_res dma;		/* the mapping, undone at unbind */
	struct mm_struct *mm;		/* whose pinned_vm shows the pages */
	struct user_struct *user;	/* whose locked_vm is charged, or NULL */
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
 * csa_userptr_segtab() - the card's segment table of a userptr object
 * @obj: a userptr object
 *
 * Return: the table built at creation, valid until the object is freed
 * or the device unbound; ERR_PTR(-ENODEV) after the unbind.
 */
const struct csa_segtab *csa_userptr_segtab(struct drm_gem_object *obj)
{
	struct csa_segtab *tab = READ_ONCE(to_csa_userptr(obj)->segtab);

	return tab ? tab : ERR_PTR(-ENODEV);
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
	struct sg_table *sgt = READ_ONCE(bo->sgt);

	if (!sgt)	/* unmapped at unbind */
		return;
	if (for_cpu)
		dma_sync_sgtable_for_cpu(obj->dev->dev, sgt, bo->dir);
	else
		dma_sync_sgtable_for_device(obj->dev->dev, sgt, bo->dir);
}

/*
 * Charge the object's pages to current's user against RLIMIT_MEMLOCK
 * (unless CAP_IPC_LOCK) until the object is freed; show them in the
 * creator's VmPin.
 */
static int csa_userptr_account(struct csa_userptr *bo)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user = current_user();
	long cur = atomic_long_read(&user->locked_vm);

	if (!capable(CAP_IPC_LOCK)) {
		do {
			if (bo->npages > limit || cur > limit - bo->npages)
				return -ENOMEM;
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
						  cur + bo->npages));
		bo->user = get_uid(user);
	}
	atomic64_add(bo->npages, &bo->mm->pinned_vm);
	return 0;
}

static void csa_userptr_unaccount(struct csa_userptr *bo)
{
	atomic64_sub(bo->npages, &bo->mm->pinned_vm);
	if (bo->user) {
		atomic_long_sub(bo->npages, &bo->user->locked_vm);
		free_uid(bo->user);
	}
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

static int csa_userptr_map(struct csa_dma_res *res)
{
	struct csa_userptr *bo = container_of(res, struct csa_userptr, dma);
	struct drm_device *drm = bo->base.dev;
	struct sg_table *sgt;
	int ret;

	sgt = drm_prime_pages_to_sg(drm, bo->pages, bo->npages);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	/*
	 * The driver syncs explicitly when a job starts and ends
	 * (csa_userptr_sync()), so the map and unmap skip theirs; this also
	 * tells DMA-API debug that two objects over the same pages (allowed,
	 * see docs/uapi.md) are the driver's business.
	 */
	ret = dma_map_sgtable(drm->dev, sgt, bo->dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_free;
	bo->segtab = csa_segtab_build(drm->dev, sgt);
	if (IS_ERR(bo->segtab)) {
		ret = PTR_ERR(bo->segtab);
		bo->segtab = NULL;
		dma_unmap_sgtable(drm->dev, sgt, bo->dir, DMA_ATTR_SKIP_CPU_SYNC);
		goto err_free;
	}
	bo->sgt = sgt;
	return 0;

err_free:
	sg_free_table(sgt);
	kfree(sgt);
	return ret;
}

/* The pages stay pinned: they are the user's, not the device's. */
static void csa_userptr_unmap(struct csa_dma_res *res)
{
	struct csa_userptr *bo = container_of(res, struct csa_userptr, dma);
	struct sg_table *sgt = bo->sgt;

	csa_segtab_free(bo->base.dev->dev, bo->segtab);
	WRITE_ONCE(bo->segtab, NULL);
	WRITE_ONCE(bo->sgt, NULL);
	dma_unmap_sgtable(bo->base.dev->dev, sgt, bo->dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
}

static void csa_userptr_free(struct drm_gem_object *obj)
{
	struct csa_userptr *bo = to_csa_userptr(obj);

	csa_gem_count(obj, false);
	csa_dma_release(to_csa(obj->dev), &bo->dma);
	unpin_user_pages_dirty_lock(bo->pages, bo->npages, !bo->read_only);
	kvfree(bo->pages);
	csa_userptr_unaccount(bo);
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
	INIT_LIST_HEAD(&bo->dma.node);
	drm_gem_private_object_init(drm, &bo->base, args->size);

	bo->mm = current->mm;
	mmgrab(bo->mm);
	ret = csa_userptr_account(bo);
	if (ret)
		goto err_mm;
	ret = csa_userptr_pin(bo, args->user_ptr);
	if (ret)
		goto err_unaccount;
	ret = csa_dma_setup(to_csa(drm), &bo->dma, csa_userptr_map,
			    csa_userptr_unmap);
	if (ret)
		goto err_unpin;

	/* from here on csa_userptr_free() undoes everything */
	csa_gem_count(&bo->base, true);
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
	csa_userptr_unaccount(bo);
err_mm:
	mmdrop(bo->mm);
	drm_gem_object_release(&bo->base);
	kfree(bo);
out:
	drm_dev_exit(idx);
	return ret;
}

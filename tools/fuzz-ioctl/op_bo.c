// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Buffer objects: BO_CREATE, BO_INFO, BO_USERPTR (over the arena only),
 * BO_WAIT, GEM_CLOSE, and mmap/munmap of BOs through the fd.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "csa_drm.h"
#include "fuzz.h"

#define BIG	(16ull << 20)	/* larger BOs are closed right away */

static uint64_t bo_size_any(struct fz_worker *w, const struct fz_card *c)
{
	uint32_t r = fz_below(&w->rng, 100);

	if (r < 70)
		return 1 + fz_below(&w->rng, 64 << 10);
	if (r < 92)
		return 4096ull * (1 + fz_below(&w->rng, 64));
	if (r < 94)
		return 1 + fz_below(&w->rng, fz_pct(&w->rng, 80) ? 1u << 20 : BIG);
	if (r < 97)
		return fz_interesting(&w->rng, 64);
	if (r < 99)
		return c->max_bo_size + fz_below(&w->rng, 3) - 1;
	return c->max_bo_size + 4096ull * fz_below(&w->rng, 4);
}

/*
 * A size: mostly small, up to 16 MiB, or invalid.  Nothing between 16 MiB
 * and the limit: another thread may bind such a BO by a junk handle in
 * the moment it exists, and a job allocates all its pages (the VM has
 * 1 GiB).
 */
static uint64_t bo_size(struct fz_worker *w, const struct fz_card *c)
{
	uint64_t s = bo_size_any(w, c);

	return s > BIG && s <= c->max_bo_size ? c->max_bo_size + 1 : s;
}

void fz_op_bo_create(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bo_create c = {
		.size = bo_size(w, &w->ctx->card[f->card]),
	};

	if (fz_one_in(&w->rng, 25))
		c.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("size %llu flags 0x%x", (unsigned long long)c.size, c.flags);
	if (!fz_ioctl(FZ_BO_CREATE, f->fd, DRM_IOCTL_CSA_BO_CREATE,
		      fz_arg(w, &c, sizeof(c))) && c.handle) {
		if (c.size > BIG ||
		    !fz_bo_add(f, &((struct fz_bo){ c.handle, 0, c.size }))) {
			struct drm_gem_close g = { .handle = c.handle };

			fz_note("handle %u (%llu bytes)", c.handle,
				(unsigned long long)c.size);
			fz_ioctl(FZ_GEM_CLOSE, f->fd, DRM_IOCTL_GEM_CLOSE, &g);
		}
	}
	fz_file_put(f);
}

void fz_op_bo_info(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bo_info i = { .handle = fz_handle(w, f) };

	if (fz_one_in(&w->rng, 25))
		i.flags = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 25))
		i.pad = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("handle %u flags 0x%x pad 0x%x", i.handle, i.flags, i.pad);
	fz_ioctl(FZ_BO_INFO, f->fd, DRM_IOCTL_CSA_BO_INFO, fz_arg(w, &i, sizeof(i)));
	fz_file_put(f);
}

/*
 * A userptr range.  Writable ranges lie only in the arena's read-write
 * part, so whatever a job writes lands there; READ_ONLY objects (the card
 * never writes them) may also cover the read-only part, the hole, the
 * guard pages, BO mappings (VM_PFNMAP: -EFAULT) or a bad pointer.
 */
static void userptr_range(struct fz_worker *w, struct drm_csa_bo_userptr *u)
{
	struct fz_ctx *ctx = w->ctx;
	uint64_t a = (uint64_t)(uintptr_t)ctx->arena;
	uint32_t r = fz_below(&w->rng, 100);
	uint64_t pages = 1 + fz_below(&w->rng, fz_pct(&w->rng, 90) ? 16 : 256);

	u->flags = fz_pct(&w->rng, 30) ? DRM_CSA_USERPTR_READ_ONLY : 0;
	u->size = pages * 4096;
	/* first half below the hole, read-write */
	u->user_ptr = a + 4096ull * fz_below(&w->rng, FZ_ARENA / 2 / 4096 - 256);
	if (r < 70)
		return;
	if (r < 78) {	/* read-only part: -EFAULT unless READ_ONLY */
		u->user_ptr = a + FZ_ARENA / 8 * 7 + 4096ull * fz_below(&w->rng, 64);
		u->size = 4096ull * (1 + fz_below(&w->rng, 64));
		return;
	}
	if (r < 83) {	/* over the hole or past the end: -EFAULT */
		u->user_ptr = fz_pct(&w->rng, 50) ? (uint64_t)(uintptr_t)ctx->hole - 4096 :
			      a + FZ_ARENA - 4096;
		u->size = 3 * 4096;
		return;
	}
	if (r < 88) {	/* unaligned pointer or size */
		if (fz_pct(&w->rng, 50))
			u->user_ptr += 1 + fz_below(&w->rng, 4095);
		else
			u->size += 1 + fz_below(&w->rng, 4095);
		return;
	}
	if (r < 93) {	/* zero, wrapping, too large */
		u->size = fz_interesting(&w->rng, 64);
		if (fz_pct(&w->rng, 30))
			u->size = w->ctx->card[0].max_bo_size + 4096;
		u->flags = DRM_CSA_USERPTR_READ_ONLY;
		return;
	}
	u->flags = DRM_CSA_USERPTR_READ_ONLY | (fz_one_in(&w->rng, 3) ?
		   (uint32_t)fz_interesting(&w->rng, 32) : 0);
	if (r < 96) {
		pthread_mutex_lock(&ctx->maps_lock);
		if (ctx->nmaps) {
			struct fz_map *m = &ctx->maps[fz_below(&w->rng, ctx->nmaps)];

			u->user_ptr = (uint64_t)(uintptr_t)m->p;
			u->size = m->len & ~4095ull;
		}
		pthread_mutex_unlock(&ctx->maps_lock);
		return;
	}
	u->user_ptr = fz_bad_ptr(w) & ~4095ull;
}

void fz_op_bo_userptr(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bo_userptr u = { 0 };

	userptr_range(w, &u);
	fz_note("ptr arena%+lld size %llu flags 0x%x",
		(long long)(u.user_ptr - (uint64_t)(uintptr_t)w->ctx->arena),
		(unsigned long long)u.size, u.flags);
	if (!fz_ioctl(FZ_BO_USERPTR, f->fd, DRM_IOCTL_CSA_BO_USERPTR,
		      fz_arg(w, &u, sizeof(u))) && u.handle)
		fz_bo_add(f, &((struct fz_bo){ u.handle, FZ_BOF_USERPTR |
			  (u.flags & DRM_CSA_USERPTR_READ_ONLY ? FZ_BOF_RO : 0), u.size }));
	fz_file_put(f);
}

void fz_op_bo_wait(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bo_wait b = {
		.handle = fz_handle(w, f),
		.flags = fz_pct(&w->rng, 40) ? DRM_CSA_BO_WAIT_READ : 0,
		.timeout_ns = fz_deadline(w),
	};

	if (fz_one_in(&w->rng, 25))
		b.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("handle %u flags 0x%x deadline %+lld ns", b.handle, b.flags,
		(long long)(b.timeout_ns - fz_now_ns()));
	fz_ioctl(FZ_BO_WAIT, f->fd, DRM_IOCTL_CSA_BO_WAIT, fz_arg(w, &b, sizeof(b)));
	fz_file_put(f);
}

void fz_op_gem_close(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_gem_close g = { .handle = fz_handle(w, f) };

	if (fz_one_in(&w->rng, 25))
		g.pad = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("handle %u pad 0x%x", g.handle, g.pad);
	if (!fz_ioctl(FZ_GEM_CLOSE, f->fd, DRM_IOCTL_GEM_CLOSE, fz_arg(w, &g, sizeof(g))))
		fz_bo_forget(f, g.handle);
	fz_file_put(f);
}

/* Touch a fresh mapping: write a pattern, read it back. */
static void touch(struct fz_worker *w, uint8_t *p, size_t len, bool write)
{
	size_t off = fz_below(&w->rng, (uint32_t)len), n = len - off;
	volatile uint8_t sink;

	if (n > 4096)
		n = 4096;
	if (write)
		memset(p + off, (int)fz_below(&w->rng, 256), n);
	sink = p[off];
	(void)sink;
}

void fz_op_mmap(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bo_info i = { 0 };
	struct fz_bo bo;
	uint64_t len, off;
	int prot = PROT_READ | (fz_pct(&w->rng, 85) ? PROT_WRITE : 0);
	int flags = fz_pct(&w->rng, 95) ? MAP_SHARED : MAP_PRIVATE;
	uint8_t *p;

	if (fz_bo_pick(w, f, &bo))
		goto out;
	i.handle = bo.handle;
	fz_note("handle %u", bo.handle);
	if (fz_ioctl(FZ_BO_INFO, f->fd, DRM_IOCTL_CSA_BO_INFO, &i))
		goto out;
	len = i.size;
	off = i.mmap_offset;
	switch (fz_below(&w->rng, 12)) {
	case 0: len += 4096; break;			/* too long: EINVAL */
	case 1: off += 4096ull * (1 + fz_below(&w->rng, 4)); len = 4096; break;
	case 2: off = 4096ull * fz_below(&w->rng, 1u << 20); break;
	case 3: len = 4096; break;
	default: break;
	}
	if (!len)
		len = 4096;
	p = mmap(NULL, len, prot, flags, f->fd, (off_t)off);
	fz_note("handle %u offset 0x%llx len %llu prot %d %s", bo.handle,
		(unsigned long long)off, (unsigned long long)len, prot,
		flags == MAP_SHARED ? "shared" : "private");
	fz_record(FZ_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		goto out;
	if (len <= i.size)
		touch(w, p, len, prot & PROT_WRITE);
	if (fz_pct(&w->rng, 30))
		munmap(p, len);
	else
		fz_map_add(w->ctx, p, len);
out:
	fz_file_put(f);
}

void fz_op_munmap(struct fz_worker *w)
{
	struct fz_ctx *ctx = w->ctx;
	struct fz_map m = { NULL, 0 };

	pthread_mutex_lock(&ctx->maps_lock);
	if (ctx->nmaps) {
		unsigned int i = fz_below(&w->rng, ctx->nmaps);

		m = ctx->maps[i];
		ctx->maps[i] = ctx->maps[--ctx->nmaps];
	}
	pthread_mutex_unlock(&ctx->maps_lock);
	if (m.p)
		munmap(m.p, m.len);
}

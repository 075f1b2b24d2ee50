// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * DRM syncobjs: create/destroy, wait (binary and timeline, deadlines at
 * most 50 ms ahead), signal/reset/timeline signal, query, transfer, and
 * export/import as syncobj fds and sync_files (with SYNC_IOC_FILE_INFO).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/sync_file.h>

#include "drm.h"
#include "fuzz.h"

/* Array capacities in the worker's scratch: handles, then points. */
#define NH	1024
#define PTS_OFF	(NH * 4)

static bool sync_add(struct fz_file *f, uint32_t h, bool fenced)
{
	return fz_table_add(f, FZ_TABLE(f, sync), FZ_MAX_SYNCS,
			    &((struct fz_sync){ h, fenced, 0 }));
}

/*
 * @n handles (and points) in scratch; returns the pointer for the
 * handles array: scratch, or a bad pointer now and then.  A huge count
 * (--huge-counts) always comes with a bad pointer.
 */
static uint32_t fill_handles(struct fz_worker *w, struct fz_file *f,
			     __u64 *handles, __u64 *points, bool timeline)
{
	uint32_t *h = (uint32_t *)w->scratch;
	uint64_t *p = (uint64_t *)(w->scratch + PTS_OFF);
	uint32_t n = fz_pct(&w->rng, 80) ? 1 + fz_below(&w->rng, 4) :
		     fz_below(&w->rng, 65);

	for (uint32_t i = 0; i < n; i++) {
		struct fz_sync s;

		if (!fz_one_in(&w->rng, 10) && !fz_sync_pick(w, f, &s)) {
			h[i] = s.handle;
			p[i] = timeline ? (fz_pct(&w->rng, 70) ? s.point :
				s.point + fz_below(&w->rng, 3)) : 0;
		} else {
			h[i] = fz_sync_handle(w, f);
			p[i] = fz_interesting(&w->rng, 64);
		}
	}
	*handles = (uint64_t)(uintptr_t)h;
	if (points)
		*points = (uint64_t)(uintptr_t)p;
	if (fz_one_in(&w->rng, 40))
		*handles = fz_bad_ptr(w);
	if (points && fz_one_in(&w->rng, 40))
		*points = fz_bad_ptr(w);
	if (w->ctx->cfg.huge_counts && fz_one_in(&w->rng, 200)) {
		n = (uint32_t)fz_interesting(&w->rng, 32) | NH;
		*handles = fz_bad_ptr(w);
	}
	return n;
}

void fz_op_syncobj_create(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_syncobj_create c = {
		.flags = fz_pct(&w->rng, 30) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0,
	};

	if (fz_one_in(&w->rng, 25))
		c.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("flags 0x%x", c.flags);
	if (!fz_ioctl(FZ_SYNCOBJ_CREATE, f->fd, DRM_IOCTL_SYNCOBJ_CREATE,
		      fz_arg(w, &c, sizeof(c))) && c.handle) {
		if (!sync_add(f, c.handle, c.flags & DRM_SYNCOBJ_CREATE_SIGNALED)) {
			struct drm_syncobj_destroy d = { .handle = c.handle };

			fz_note("handle %u (table full)", c.handle);
			fz_ioctl(FZ_SYNCOBJ_DESTROY, f->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		}
	}
	fz_file_put(f);
}

void fz_op_syncobj_destroy(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_syncobj_destroy d = { .handle = fz_sync_handle(w, f) };

	if (fz_one_in(&w->rng, 25))
		d.pad = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("handle %u pad 0x%x", d.handle, d.pad);
	if (!fz_ioctl(FZ_SYNCOBJ_DESTROY, f->fd, DRM_IOCTL_SYNCOBJ_DESTROY,
		      fz_arg(w, &d, sizeof(d))))
		fz_table_forget(f, FZ_TABLE(f, sync), d.handle);
	fz_file_put(f);
}

static uint32_t wait_flags(struct fz_worker *w)
{
	uint32_t fl = fz_below(&w->rng, 8);	/* WAIT_ALL, FOR_SUBMIT, AVAILABLE */

	if (fz_one_in(&w->rng, 25))
		fl = (uint32_t)fz_interesting(&w->rng, 32);
	return fl;
}

void fz_op_syncobj_wait(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);

	if (fz_pct(&w->rng, 50)) {
		struct drm_syncobj_wait a = { .flags = wait_flags(w) };

		a.count_handles = fill_handles(w, f, &a.handles, NULL, false);
		a.timeout_nsec = fz_deadline(w);
		if (fz_one_in(&w->rng, 25))
			a.pad = (uint32_t)fz_interesting(&w->rng, 32);
		fz_note("%u handles flags 0x%x deadline %+lld ns", a.count_handles,
			a.flags, (long long)(a.timeout_nsec - fz_now_ns()));
		fz_ioctl(FZ_SYNCOBJ_WAIT, f->fd, DRM_IOCTL_SYNCOBJ_WAIT,
			 fz_arg(w, &a, sizeof(a)));
	} else {
		struct drm_syncobj_timeline_wait a = { .flags = wait_flags(w) };

		a.count_handles = fill_handles(w, f, &a.handles, &a.points, true);
		a.timeout_nsec = fz_deadline(w);
		if (fz_one_in(&w->rng, 25))
			a.pad = (uint32_t)fz_interesting(&w->rng, 32);
		fz_note("%u handles flags 0x%x deadline %+lld ns", a.count_handles,
			a.flags, (long long)(a.timeout_nsec - fz_now_ns()));
		fz_ioctl(FZ_SYNCOBJ_TIMELINE_WAIT, f->fd,
			 DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, fz_arg(w, &a, sizeof(a)));
	}
	fz_file_put(f);
}

/* SIGNAL, RESET (binary arrays) and TIMELINE_SIGNAL (with points). */
void fz_op_syncobj_signal(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	uint32_t kind = fz_below(&w->rng, 3);

	if (kind < 2) {
		struct drm_syncobj_array a = { 0 };

		a.count_handles = fill_handles(w, f, &a.handles, NULL, false);
		if (fz_one_in(&w->rng, 25))
			a.pad = (uint32_t)fz_interesting(&w->rng, 32);
		fz_note("%u handles", a.count_handles);
		fz_ioctl(kind ? FZ_SYNCOBJ_RESET : FZ_SYNCOBJ_SIGNAL, f->fd,
			 kind ? DRM_IOCTL_SYNCOBJ_RESET : DRM_IOCTL_SYNCOBJ_SIGNAL,
			 fz_arg(w, &a, sizeof(a)));
	} else {
		struct drm_syncobj_timeline_array a = { 0 };
		uint64_t *p = (uint64_t *)(w->scratch + PTS_OFF);

		a.count_handles = fill_handles(w, f, &a.handles, &a.points, true);
		for (uint32_t i = 0; i < a.count_handles && i < NH; i++)
			if (fz_pct(&w->rng, 80))
				p[i] += 1;	/* the next point */
		if (fz_one_in(&w->rng, 25))
			a.flags = (uint32_t)fz_interesting(&w->rng, 32);
		fz_note("%u handles flags 0x%x", a.count_handles, a.flags);
		fz_ioctl(FZ_SYNCOBJ_TIMELINE_SIGNAL, f->fd,
			 DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, fz_arg(w, &a, sizeof(a)));
	}
	fz_file_put(f);
}

void fz_op_syncobj_query(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_syncobj_timeline_array a = {
		.flags = fz_pct(&w->rng, 30) ? DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED : 0,
	};

	a.count_handles = fill_handles(w, f, &a.handles, &a.points, true);
	if (a.count_handles > NH)	/* the kernel writes points[] */
		a.points = fz_bad_ptr(w);
	if (fz_one_in(&w->rng, 25))
		a.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("%u handles flags 0x%x", a.count_handles, a.flags);
	fz_ioctl(FZ_SYNCOBJ_QUERY, f->fd, DRM_IOCTL_SYNCOBJ_QUERY,
		 fz_arg(w, &a, sizeof(a)));
	fz_file_put(f);
}

void fz_op_syncobj_transfer(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct fz_sync s = { 0 };
	struct drm_syncobj_transfer t = {
		.src_handle = fz_sync_handle(w, f),
		.dst_handle = fz_sync_handle(w, f),
	};

	/* WAIT_FOR_SUBMIT on a fenceless source blocks for 5 s (DRM core) */
	if (fz_one_in(&w->rng, 1000))
		t.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	if (!fz_sync_pick(w, f, &s) && fz_pct(&w->rng, 50))
		t.src_point = s.point;
	if (fz_pct(&w->rng, 50) && !fz_sync_pick(w, f, &s))
		t.dst_point = s.point + 1;
	if (fz_one_in(&w->rng, 25))
		t.flags = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 25))
		t.pad = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("%u:%llu -> %u:%llu flags 0x%x", t.src_handle,
		(unsigned long long)t.src_point, t.dst_handle,
		(unsigned long long)t.dst_point, t.flags);
	fz_ioctl(FZ_SYNCOBJ_TRANSFER, f->fd, DRM_IOCTL_SYNCOBJ_TRANSFER,
		 fz_arg(w, &t, sizeof(t)));
	fz_file_put(f);
}

/* Status of a sync_file: 1 signalled, 0 pending, < 0 the fence error. */
static void sync_file_info(int fd)
{
	struct sync_file_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = fz_ioctl(FZ_SYNC_FILE_INFO, fd, SYNC_IOC_FILE_INFO, &info);
	if (!ret && info.status < 0)
		fz_record(FZ_FENCE, info.status);
	else if (!ret && info.status == 1)
		fz_record(FZ_FENCE, 0);
}

/*
 * HANDLE_TO_FD as a syncobj fd or a sync_file, then FD_TO_HANDLE into
 * this or another file (maybe of the other card), or importing the
 * sync_file into an existing syncobj; the fd is closed again.
 */
void fz_op_syncobj_fd(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w), *g;
	bool sync_file = fz_pct(&w->rng, 50);
	struct drm_syncobj_handle e = {
		.handle = fz_sync_handle(w, f), .fd = -1,
		.flags = sync_file ? DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE : 0,
	};
	struct drm_syncobj_handle i = { 0 };

	if (fz_one_in(&w->rng, 25))
		e.flags = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 25))
		e.pad = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("handle %u flags 0x%x", e.handle, e.flags);
	if (fz_ioctl(FZ_SYNCOBJ_HANDLE_TO_FD, f->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
		     fz_arg(w, &e, sizeof(e))) || e.fd < 0) {
		if (fz_one_in(&w->rng, 4)) {	/* import junk */
			i.fd = fz_pct(&w->rng, 50) ? f->fd : -1;
			i.flags = (uint32_t)fz_below(&w->rng, 2);
			i.handle = fz_sync_handle(w, f);
			fz_note("fd %d flags 0x%x", i.fd, i.flags);
			fz_ioctl(FZ_SYNCOBJ_FD_TO_HANDLE, f->fd,
				 DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &i);
		}
		fz_file_put(f);
		return;
	}
	if (e.flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		sync_file_info(e.fd);
	fz_file_put(f);
	g = fz_file_get_other(w, NULL);
	i.fd = e.fd;
	if (sync_file) {
		i.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
		i.handle = fz_sync_handle(w, g);
	}
	if (fz_one_in(&w->rng, 25))
		i.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("fd %d flags 0x%x handle %u", i.fd, i.flags, i.handle);
	if (!fz_ioctl(FZ_SYNCOBJ_FD_TO_HANDLE, g->fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
		      fz_arg(w, &i, sizeof(i))) && !(i.flags & 1) && i.handle) {
		if (!sync_add(g, i.handle, true)) {
			struct drm_syncobj_destroy d = { .handle = i.handle };

			fz_ioctl(FZ_SYNCOBJ_DESTROY, g->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		}
	}
	fz_file_put(g);
	close(e.fd);
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * (call, errno) counters shared with forked children, and the per-thread
 * trace ring of the last calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "stats.h"

#define FZ_TRACE_LEN	64
#define FZ_NOTE_LEN	112

struct fz_trace {
	int id;
	uint64_t n;
	struct {
		uint8_t call;
		int16_t err;
		char note[FZ_NOTE_LEN];
	} e[FZ_TRACE_LEN];
};

static const char *const names[FZ_NCALLS] = {
	[FZ_GET_PARAM] = "CSA_GET_PARAM", [FZ_BO_CREATE] = "CSA_BO_CREATE",
	[FZ_BO_INFO] = "CSA_BO_INFO", [FZ_BO_USERPTR] = "CSA_BO_USERPTR",
	[FZ_BO_WAIT] = "CSA_BO_WAIT", [FZ_QUEUE_CREATE] = "CSA_QUEUE_CREATE",
	[FZ_QUEUE_DESTROY] = "CSA_QUEUE_DESTROY", [FZ_SUBMIT] = "CSA_SUBMIT",
	[FZ_GEM_CLOSE] = "GEM_CLOSE",
	[FZ_PRIME_HANDLE_TO_FD] = "PRIME_HANDLE_TO_FD",
	[FZ_PRIME_FD_TO_HANDLE] = "PRIME_FD_TO_HANDLE",
	[FZ_SYNCOBJ_CREATE] = "SYNCOBJ_CREATE",
	[FZ_SYNCOBJ_DESTROY] = "SYNCOBJ_DESTROY",
	[FZ_SYNCOBJ_WAIT] = "SYNCOBJ_WAIT",
	[FZ_SYNCOBJ_TIMELINE_WAIT] = "SYNCOBJ_TIMELINE_WAIT",
	[FZ_SYNCOBJ_SIGNAL] = "SYNCOBJ_SIGNAL",
	[FZ_SYNCOBJ_TIMELINE_SIGNAL] = "SYNCOBJ_TIMELINE_SIGNAL",
	[FZ_SYNCOBJ_RESET] = "SYNCOBJ_RESET",
	[FZ_SYNCOBJ_QUERY] = "SYNCOBJ_QUERY",
	[FZ_SYNCOBJ_TRANSFER] = "SYNCOBJ_TRANSFER",
	[FZ_SYNCOBJ_HANDLE_TO_FD] = "SYNCOBJ_HANDLE_TO_FD",
	[FZ_SYNCOBJ_FD_TO_HANDLE] = "SYNCOBJ_FD_TO_HANDLE",
	[FZ_VERSION] = "VERSION", [FZ_GET_CAP] = "GET_CAP",
	[FZ_RAW_IOCTL] = "raw ioctl", [FZ_MMAP] = "mmap",
	[FZ_SYNC_FILE_INFO] = "SYNC_IOC_FILE_INFO", [FZ_FENCE] = "job fence",
	[FZ_OPEN] = "open", [FZ_CLOSE] = "close", [FZ_KILL] = "child SIGKILLed",
};

static uint64_t (*counts)[FZ_MAX_ERRNO + 1];
static __thread struct fz_trace *cur;
static __thread char note[FZ_NOTE_LEN];
bool fz_trace_all;

int fz_stats_init(void)
{
	void *p = mmap(NULL, sizeof(*counts) * FZ_NCALLS, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	counts = p;
	return 0;
}

const char *fz_call_name(enum fz_call c)
{
	return c < FZ_NCALLS ? names[c] : "?";
}

void fz_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
}

void fz_record(enum fz_call c, int err)
{
	unsigned int e = err < 0 ? (unsigned int)-err : (unsigned int)err;

	if (e > FZ_MAX_ERRNO)
		e = FZ_MAX_ERRNO;
	__atomic_fetch_add(&counts[c][e], 1, __ATOMIC_RELAXED);
	if (fz_trace_all)
		fprintf(stderr, "fz[%d] %s %s -> %d %s\n", cur ? cur->id : -1,
			names[c], note, err, err ? strerror(-err) : "");
	if (cur) {
		unsigned int i = cur->n++ % FZ_TRACE_LEN;

		cur->e[i].call = (uint8_t)c;
		cur->e[i].err = (int16_t)err;
		memcpy(cur->e[i].note, note, sizeof(note));
	}
	note[0] = 0;
}

int fz_ioctl(enum fz_call c, int fd, unsigned long req, void *arg)
{
	int ret, tries = 0;

	do
		ret = ioctl(fd, req, arg) ? -errno : 0;
	while (ret == -EINTR && ++tries < 16);
	fz_record(c, ret);
	return ret;
}

struct fz_trace *fz_trace_new(int id)
{
	struct fz_trace *t = calloc(1, sizeof(*t));

	if (t)
		t->id = id;
	return t;
}

void fz_trace_use(struct fz_trace *t)
{
	cur = t;
}

void fz_trace_free(struct fz_trace *t)
{
	free(t);
}

void fz_trace_print(const struct fz_trace *t, FILE *f, unsigned int last)
{
	uint64_t from;

	if (!t)
		return;
	if (last > FZ_TRACE_LEN)
		last = FZ_TRACE_LEN;
	from = t->n > last ? t->n - last : 0;
	fprintf(f, "# thread %d: last %llu of %llu calls\n", t->id,
		(unsigned long long)(t->n - from), (unsigned long long)t->n);
	for (uint64_t k = from; k < t->n; k++) {
		unsigned int i = k % FZ_TRACE_LEN;

		fprintf(f, "#   t%d #%llu %s %s -> %d\n", t->id,
			(unsigned long long)k, names[t->e[i].call], t->e[i].note,
			t->e[i].err);
	}
}

uint64_t fz_stats_calls(void)
{
	uint64_t n = 0;

	for (int c = 0; c < FZ_NCALLS; c++) {
		if (c == FZ_FENCE || c == FZ_KILL)
			continue;
		for (int e = 0; e <= FZ_MAX_ERRNO; e++)
			n += __atomic_load_n(&counts[c][e], __ATOMIC_RELAXED);
	}
	return n;
}

unsigned int fz_stats_paths(void)
{
	unsigned int n = 0;

	for (int c = 0; c < FZ_NCALLS; c++)
		for (int e = 0; e <= FZ_MAX_ERRNO; e++)
			n += __atomic_load_n(&counts[c][e], __ATOMIC_RELAXED) != 0;
	return n;
}

static const char *errno_name(int e)
{
	static const char *const n[] = {
		[0] = "0", [EPERM] = "EPERM", [ENOENT] = "ENOENT",
		[ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
		[E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF",
		[EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
		[EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
		[ENODEV] = "ENODEV", [EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC",
		[ENOTTY] = "ENOTTY", [ERANGE] = "ERANGE", [ETIME] = "ETIME",
		[EOVERFLOW] = "EOVERFLOW", [EBADFD] = "EBADFD",
		[EOPNOTSUPP] = "EOPNOTSUPP", [ETIMEDOUT] = "ETIMEDOUT",
		[ECANCELED] = "ECANCELED", [ENOSYS] = "ENOSYS",
		[EDEADLK] = "EDEADLK", [ENXIO] = "ENXIO",
	};

	if (e >= 0 && e < (int)(sizeof(n) / sizeof(n[0])) && n[e])
		return n[e];
	return NULL;
}

void fz_stats_print(FILE *f)
{
	fprintf(f, "# %-24s %-12s %12s\n", "call", "result", "count");
	for (int c = 0; c < FZ_NCALLS; c++) {
		for (int e = 0; e <= FZ_MAX_ERRNO; e++) {
			uint64_t v = __atomic_load_n(&counts[c][e], __ATOMIC_RELAXED);
			const char *en = errno_name(e);
			char num[16];

			if (!v)
				continue;
			if (!en) {
				snprintf(num, sizeof(num), "errno %d", e);
				en = num;
			}
			fprintf(f, "# %-24s %-12s %12llu\n", names[c],
				c == FZ_FENCE && !e ? "signalled" : c == FZ_KILL ? "-" : en,
				(unsigned long long)v);
		}
	}
	fprintf(f, "# %llu calls, %u distinct (call, errno) paths\n",
		(unsigned long long)fz_stats_calls(), fz_stats_paths());
}

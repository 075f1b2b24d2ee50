/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Every call the fuzzer makes goes through fz_ioctl()/fz_record(): counted
 * per (call, errno) in memory shared with forked children, and kept in a
 * per-thread ring of the last calls (printed when a seed fails, the
 * reproducing sequence) or printed as it happens with --trace.
 */
#ifndef FZ_STATS_H
#define FZ_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum fz_call {
	FZ_GET_PARAM, FZ_BO_CREATE, FZ_BO_INFO, FZ_BO_USERPTR, FZ_BO_WAIT,
	FZ_QUEUE_CREATE, FZ_QUEUE_DESTROY, FZ_SUBMIT,
	FZ_GEM_CLOSE, FZ_PRIME_HANDLE_TO_FD, FZ_PRIME_FD_TO_HANDLE,
	FZ_SYNCOBJ_CREATE, FZ_SYNCOBJ_DESTROY, FZ_SYNCOBJ_WAIT,
	FZ_SYNCOBJ_TIMELINE_WAIT, FZ_SYNCOBJ_SIGNAL, FZ_SYNCOBJ_TIMELINE_SIGNAL,
	FZ_SYNCOBJ_RESET, FZ_SYNCOBJ_QUERY, FZ_SYNCOBJ_TRANSFER,
	FZ_SYNCOBJ_HANDLE_TO_FD, FZ_SYNCOBJ_FD_TO_HANDLE,
	FZ_VERSION, FZ_GET_CAP, FZ_RAW_IOCTL, FZ_MMAP, FZ_SYNC_FILE_INFO,
	FZ_FENCE,	/* not a call: the error a job's fence signalled with */
	FZ_OPEN, FZ_CLOSE,
	FZ_KILL,	/* not a call: a child killed with SIGKILL */
	FZ_NCALLS
};

#define FZ_MAX_ERRNO	256	/* errnos above count as this */

/* The shared counters (mmap MAP_SHARED before any fork). */
int fz_stats_init(void);

/* Name of a call for tables and traces. */
const char *fz_call_name(enum fz_call c);

/*
 * ioctl(2) with EINTR retried (a few times); counted as @c; returns 0 or
 * -errno.  fz_record() counts a result obtained otherwise (@err 0 or
 * -errno).
 */
int fz_ioctl(enum fz_call c, int fd, unsigned long req, void *arg);
void fz_record(enum fz_call c, int err);

/* Short free text attached to the thread's next recorded call. */
void fz_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The calling thread's trace ring (NULL: none) and its id for traces. */
struct fz_trace;
struct fz_trace *fz_trace_new(int id);
void fz_trace_use(struct fz_trace *t);
void fz_trace_print(const struct fz_trace *t, FILE *f, unsigned int last);
void fz_trace_free(struct fz_trace *t);
extern bool fz_trace_all;	/* --trace: print every call to stderr */

/* Totals over everything counted so far. */
uint64_t fz_stats_calls(void);
unsigned int fz_stats_paths(void);

/* The (call, errno) table: calls per path, TAP comment lines. */
void fz_stats_print(FILE *f);

#endif /* FZ_STATS_H */

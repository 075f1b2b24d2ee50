// SPDX-License-Identifier: GPL-2.0
/*
 * csa trace events (tracefs events/csa/) and the `debug` module parameter:
 * a job's submit/run/done events name the same fence, a failed job's done
 * event carries its errno, BO create/free pair up; debug=0x1 makes job
 * messages appear in the kernel log (dynamic debug enabled for csa) and
 * other bits or debug=0 make them stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUG_PARAM	"/sys/module/csa/parameters/debug"
#define DYNDBG		"/proc/dynamic_debug/control"
#define SETTLE_MS	20000

static int trace_write(const char *file, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	return csa_vm_write_file(path, text);
}

/* Empty the trace buffer: only an open with O_TRUNC does (echo > trace). */
static int trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The whole trace buffer into @buf (NUL-terminated); bytes or -errno. */
static ssize_t trace_read(char *buf, size_t len)
{
	int fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	return n;
}

/* The line of @event in @trace that also contains @with, or NULL. */
static const char *trace_find(const char *trace, const char *event, const char *with)
{
	const char *p = trace;

	while ((p = strstr(p, event))) {
		const char *eol = strchr(p, '\n');
		const char *w = strstr(p, with);

		if (w && (!eol || w < eol))
			return p;
		p += strlen(event);
	}
	return NULL;
}

FIXTURE(trace) {
	int fd;
	uint32_t queue;
	char addr[32];
	char trace[1 << 16];
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) && mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		SKIP(return, "no tracefs: %s", strerror(errno));
	if (stat(TRACEFS "/events/csa", &st))
		ASSERT_EQ(0, errno) TH_LOG("csa.ko registered no trace events (%s)",
					   TRACEFS "/events/csa");
	self->fd = csa_vm_open_first(self->addr);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->queue));
	ASSERT_EQ(0, trace_clear());
	ASSERT_EQ(0, trace_write("events/csa/enable", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	trace_write("events/csa/enable", "0");
	trace_clear();
	if (self->fd >= 0)
		close(self->fd);
}

/* One NOP: submit, run and done (error=0) events, all of one fence. */
TEST_F(trace, job_events_name_one_fence)
{
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	const char *submit, *fence, *end;
	char needle[96];
	uint32_t so;

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->queue, &nop, NULL, 0, so));
	ASSERT_EQ(0, csa_vm_job_result(self->fd, so, SETTLE_MS));
	ASSERT_LT(0, trace_read(self->trace, sizeof(self->trace)));

	submit = trace_find(self->trace, "csa_job_submit:", "opcode=");
	ASSERT_NE(NULL, submit) TH_LOG("no csa_job_submit event; trace:\n%s", self->trace);
	fence = strstr(submit, "fence=");
	ASSERT_NE(NULL, fence);
	end = strchr(fence, ' ');
	ASSERT_NE(NULL, end);
	snprintf(needle, sizeof(needle), "%.*s ", (int)(end - fence), fence);
	EXPECT_NE(NULL, trace_find(submit, "csa_job_run:", needle))
		TH_LOG("no csa_job_run event for %s; trace:\n%s", needle, self->trace);
	snprintf(needle + strlen(needle), sizeof(needle) - strlen(needle), "ring_seqno=");
	EXPECT_NE(NULL, trace_find(submit, "csa_job_done:", needle))
		TH_LOG("no csa_job_done event for %s; trace:\n%s", needle, self->trace);
	EXPECT_NE(NULL, trace_find(submit, "csa_job_done:", " error=0"))
		TH_LOG("the NOP's done event does not say error=0; trace:\n%s", self->trace);
	csa_vm_syncobj_destroy(self->fd, so);
}

/* A job the card fails: its done event carries the errno (-EIO). */
TEST_F(trace, failed_job_done_event_has_errno)
{
	struct drm_csa_cmd dmaerr = { .opcode = CSA_OP_DEBUG_DMA_ERROR };
	uint32_t so;
	int r;

	ASSERT_EQ(0, csa_vm_syncobj_create(self->fd, &so));
	ASSERT_EQ(0, csa_vm_job(self->fd, self->queue, &dmaerr, NULL, 0, so));
	r = csa_vm_job_result(self->fd, so, SETTLE_MS);
	if (r == -EINVAL)
		SKIP(return, "card without debug-ops");
	ASSERT_EQ(-EIO, r);
	ASSERT_LT(0, trace_read(self->trace, sizeof(self->trace)));
	EXPECT_NE(NULL, trace_find(self->trace, "csa_job_done:", " error=-5"))
		TH_LOG("no csa_job_done event with error=-5; trace:\n%s", self->trace);
	EXPECT_EQ(NULL, trace_find(self->trace, "csa_job_done:", " error=0"))
		TH_LOG("the failed job's done event says error=0; trace:\n%s", self->trace);
	csa_vm_syncobj_destroy(self->fd, so);
}

/* BO_CREATE then GEM_CLOSE: a create and a free event of one object. */
TEST_F(trace, bo_create_and_free)
{
	const char *create, *obj, *end;
	char needle[64];
	uint32_t handle;

	ASSERT_EQ(0, csa_vm_bo_create(self->fd, 3 * 4096, &handle));
	ASSERT_EQ(0, csa_vm_gem_close(self->fd, handle));
	ASSERT_LT(0, trace_read(self->trace, sizeof(self->trace)));
	create = trace_find(self->trace, "csa_bo_create:", "size=12288 ");
	ASSERT_NE(NULL, create) TH_LOG("no csa_bo_create of 12288 bytes; trace:\n%s",
				       self->trace);
	obj = strstr(create, "obj=");
	ASSERT_NE(NULL, obj);
	end = strchr(obj, ' ');
	ASSERT_NE(NULL, end);
	snprintf(needle, sizeof(needle), "%.*s ", (int)(end - obj), obj);
	EXPECT_NE(NULL, trace_find(create, "csa_bo_free:", needle))
		TH_LOG("no csa_bo_free of %s; trace:\n%s", needle, self->trace);
}

FIXTURE(debug) {
	int fd;
	uint32_t queue;
	char log[1 << 16];
};

FIXTURE_SETUP(debug)
{
	int ret;

	self->fd = csa_vm_open_first(NULL);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, csa_vm_queue_create(self->fd, 0, DRM_CSA_PRIORITY_NORMAL, &self->queue));
	/*
	 * csa_dbg() is dev_dbg(): without dynamic debug (the debug kernel's
	 * config) it is compiled out and no mask can print anything.
	 */
	if (access(DYNDBG, F_OK))
		SKIP(return, "kernel without CONFIG_DYNAMIC_DEBUG: dev_dbg() is compiled out");
	ret = csa_vm_write_file(DYNDBG, "module csa +p");
	ASSERT_EQ(0, ret) TH_LOG("enable csa in %s: %s", DYNDBG, strerror(-ret));
}

FIXTURE_TEARDOWN(debug)
{
	csa_vm_write_file(DEBUG_PARAM, "0");
	if (!access(DYNDBG, F_OK))
		csa_vm_write_file(DYNDBG, "module csa -p");
	if (self->fd >= 0)
		close(self->fd);
}

/* Run one NOP with debug=@mask; how many "[JOB]" lines the kernel logged. */
static int job_lines(struct __test_metadata *_metadata, FIXTURE_DATA(debug) *self,
		     const char *mask)
{
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	int kmsg, n = 0;
	uint32_t so;

	if (csa_vm_write_file(DEBUG_PARAM, mask))
		return -1;
	kmsg = csa_vm_kmsg_open();
	if (kmsg < 0 || csa_vm_syncobj_create(self->fd, &so))
		return -1;
	if (csa_vm_job(self->fd, self->queue, &nop, NULL, 0, so) ||
	    csa_vm_job_result(self->fd, so, SETTLE_MS))
		return -1;
	csa_vm_syncobj_destroy(self->fd, so);
	if (csa_vm_kmsg_read(kmsg, self->log, sizeof(self->log)))
		return -1;
	close(kmsg);
	for (const char *p = self->log; (p = strstr(p, "[JOB]")); p++)
		n++;
	return n;
}

TEST_F(debug, job_messages_follow_the_mask)
{
	int n;

	n = job_lines(_metadata, self, "0x1");
	ASSERT_LE(0, n) TH_LOG("setting %s or running a NOP failed", DEBUG_PARAM);
	EXPECT_LE(2, n) TH_LOG("debug=0x1: want submit and completion messages, "
			       "got %d; log:\n%s", n, self->log);
	n = job_lines(_metadata, self, "0x4");
	ASSERT_LE(0, n);
	EXPECT_EQ(0, n) TH_LOG("debug=0x4 (buffer objects only) logged %d job "
			       "messages; log:\n%s", n, self->log);
	n = job_lines(_metadata, self, "0");
	ASSERT_LE(0, n);
	EXPECT_EQ(0, n) TH_LOG("debug=0 logged %d job messages; log:\n%s", n, self->log);
}

TEST_HARNESS_MAIN

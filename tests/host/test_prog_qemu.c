// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * CSA_OP_PROGRAM on the virtual card: QEMU with -device csa-card under the
 * qtest accelerator, this test playing the driver (PCI config, BAR0 queue
 * registers, guest RAM).  The five-op network of test_dp_net.h runs from
 * guest RAM through a ring descriptor; the card's results, completion and
 * cycles must equal the CPU reference (csa_prog_run over plain memory), a
 * refused program must report its op and reason, and the model's lanes
 * and max-k must reach the engine.
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "csa_cmdproc.h"
#include "test_dp_net.h"

#ifndef CSA_QEMU_PATH
#error "build with -DCSA_QEMU_PATH=..."
#endif

#define BAR0		0xe0000000ull
#define RING		0x300000ull
#define CPL		0x301000ull
#define BINDS		0x302000ull
#define SEGS		0x303000ull	/* segment tables, 0x100 per slot */
#define DATA		0x400000ull	/* slot data, 0x10000 per slot */
#define NSLOTS		(S_NUM + 1)	/* + the status record */
#define S_STATUS	S_NUM

struct qt {
	pid_t pid;
	FILE *to, *from;
};

static struct qt qt_start(const char *props)
{
	int in[2], out[2];
	struct qt q = { 0 };
	char dev[256];

	snprintf(dev, sizeof(dev), "csa-card,addr=04.0%s", props);
	if (pipe(in) || pipe(out))
		return q;
	q.pid = fork();
	if (!q.pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(CSA_QEMU_PATH, CSA_QEMU_PATH, "-L", "/usr/share/seabios",
		      "-L", "/usr/share/qemu", "-nic", "none", "-machine", "q35",
		      "-accel", "qtest", "-qtest", "stdio", "-qtest-log",
		      "/dev/null", "-display", "none", "-nodefaults", "-device",
		      dev, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	q.to = fdopen(in[1], "w");
	q.from = fdopen(out[0], "r");
	return q;
}

static void qt_stop(struct qt *q)
{
	if (q->to)
		fclose(q->to);
	if (q->from)
		fclose(q->from);
	if (q->pid > 0) {
		kill(q->pid, SIGTERM);
		waitpid(q->pid, NULL, 0);
	}
}

/* One command; the reply's value (after "OK "), 0 for a bare "OK". */
static bool qt_cmd(struct qt *q, char *reply, size_t len, const char *fmt, ...)
{
	char line[1 << 16];
	va_list ap;

	va_start(ap, fmt);
	vfprintf(q->to, fmt, ap);
	va_end(ap);
	fputc('\n', q->to);
	fflush(q->to);
	if (!fgets(line, sizeof(line), q->from) || strncmp(line, "OK", 2)) {
		fprintf(stderr, "# qtest: no OK for a command (reply: %s)\n", line);
		return false;
	}
	if (reply) {
		const char *v = line[2] == ' ' ? line + 3 : "";
		size_t n = strlen(v);

		n = n < len - 1 ? n : len - 1;
		memcpy(reply, v, n);
		reply[n] = 0;
	}
	return true;
}

static uint32_t rd32(struct qt *q, uint64_t addr)
{
	char r[64];

	if (!qt_cmd(q, r, sizeof(r), "readl 0x%llx", (unsigned long long)addr))
		return 0xdeadbeef;
	return (uint32_t)strtoull(r, NULL, 0);
}

static void wr32(struct qt *q, uint64_t addr, uint32_t v)
{
	qt_cmd(q, NULL, 0, "writel 0x%llx 0x%x", (unsigned long long)addr, v);
}

static void mem_write(struct qt *q, uint64_t addr, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;
		char hex[2 * 4096 + 1];

		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", p[off + i]);
		qt_cmd(q, NULL, 0, "write 0x%llx 0x%zx 0x%s",
		       (unsigned long long)(addr + off), n, hex);
	}
}

static void mem_read(struct qt *q, uint64_t addr, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;
		char r[2 * 4096 + 16];

		memset(p + off, 0, n);
		if (!qt_cmd(q, r, sizeof(r), "read 0x%llx 0x%zx",
			    (unsigned long long)(addr + off), n))
			return;
		for (size_t i = 0; i < n; i++) {
			unsigned int b;

			if (sscanf(r + 2 + 2 * i, "%2x", &b) != 1)
				return;
			p[off + i] = (uint8_t)b;
		}
	}
}

static void cfg_wr32(struct qt *q, uint32_t reg, uint32_t v)
{
	qt_cmd(q, NULL, 0, "outl 0xcf8 0x%x", 0x80000000u | 4u << 11 | reg);
	qt_cmd(q, NULL, 0, "outl 0xcfc 0x%x", v);
}

/* Slot s of the network in guest RAM: two segments, second one first. */
static void put_slot(struct qt *q, uint32_t s, const uint8_t *buf,
		     uint64_t size, uint32_t access)
{
	uint64_t half = size / 2 ? size / 2 : size;
	uint64_t a0 = DATA + s * 0x10000ull + 0x8000, a1 = DATA + s * 0x10000ull;
	uint8_t seg[32], bind[32];
	uint32_t nsegs = size - half ? 2 : 1;

	wle(seg, a0, 8);
	wle(seg + 8, half, 8);
	wle(seg + 16, a1, 8);
	wle(seg + 24, size - half, 8);
	mem_write(q, SEGS + s * 0x100ull, seg, 16 * nsegs);
	mem_write(q, a0, buf, half);
	if (nsegs == 2)
		mem_write(q, a1, buf + half, size - half);
	memset(bind, 0, sizeof(bind));
	wle(bind, SEGS + s * 0x100ull, 8);
	wle(bind + 8, size, 8);
	wle(bind + 16, nsegs, 4);
	wle(bind + 20, access, 4);
	mem_write(q, BINDS + 32ull * s, bind, 32);
}

static void get_slot(struct qt *q, uint32_t s, uint8_t *buf, uint64_t size)
{
	uint64_t half = size / 2 ? size / 2 : size;

	mem_read(q, DATA + s * 0x10000ull + 0x8000, buf, half);
	if (size > half)
		mem_read(q, DATA + s * 0x10000ull, buf + half, size - half);
}

FIXTURE(vc) {
	struct qt q;
	struct net n;
	struct csa_cpl cpl;
	uint32_t head;
};

FIXTURE_SETUP(vc)
{
	static const uint8_t status_init[CSA_CPL_SIZE];

	ASSERT_EQ(0, access(CSA_QEMU_PATH, X_OK))
		TH_LOG("QEMU with the csa-card model not built: %s", CSA_QEMU_PATH);
	self->q = qt_start(",lanes=32,max-k=4");
	ASSERT_TRUE(self->q.to && self->q.from) TH_LOG("could not start QEMU");
	cfg_wr32(&self->q, 0x10, (uint32_t)BAR0);
	cfg_wr32(&self->q, 0x04, 0x6);	/* memory + bus master */
	ASSERT_EQ(CSA_ID_MAGIC, rd32(&self->q, BAR0 + CSA_REG_ID))
		TH_LOG("BAR0 of the card does not answer");
	net_build(&self->n, 555);
	for (uint32_t s = 0; s < S_NUM; s++)
		put_slot(&self->q, s, self->n.m.s[s].buf, self->n.m.s[s].size,
			 self->n.m.s[s].access);
	put_slot(&self->q, S_STATUS, status_init, CSA_CPL_SIZE,
		 CSA_ACCESS_WRITE);
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_RING_LO), (uint32_t)RING);
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_RING_HI), 0);
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_RING_SIZE), 4);
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_CPL_LO), (uint32_t)CPL);
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_CPL_HI), 0);
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_CTRL), CSA_Q_CTRL_ENABLE);
	self->head = 0;
}

FIXTURE_TEARDOWN(vc)
{
	qt_stop(&self->q);
	net_free(&self->n);
}

/* Submit a PROGRAM descriptor of len bytes, wait, fetch its completion. */
static bool vc_run(FIXTURE_DATA(vc) *self, uint64_t len)
{
	struct csa_desc d = {
		.seqno = 1000 + self->head, .opcode = CSA_OP_PROGRAM,
		.flags = CSA_DESC_F_STATUS, .bind_table = BINDS,
		.num_binds = NSLOTS, .dst = CSA_OPERAND(S_PROG, 0), .size = len,
		.status = CSA_OPERAND(S_STATUS, 0),
	};
	uint8_t raw[CSA_DESC_SIZE], craw[CSA_CPL_SIZE];
	uint32_t i = self->head;

	csa_desc_encode(raw, &d);
	mem_write(&self->q, RING + i * CSA_DESC_SIZE, raw, sizeof(raw));
	wr32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_TAIL), (i + 1) % 4);
	qt_cmd(&self->q, NULL, 0, "clock_step 20000000");	/* 20 ms */
	self->head = (i + 1) % 4;
	if (rd32(&self->q, BAR0 + CSA_REG_Q(0, CSA_Q_HEAD)) != self->head) {
		fprintf(stderr, "# the card did not complete the descriptor\n");
		return false;
	}
	mem_read(&self->q, CPL + i * CSA_CPL_SIZE, craw, sizeof(craw));
	csa_cpl_decode(&self->cpl, craw);
	return self->cpl.seqno == d.seqno;
}

TEST_F(vc, network_on_the_virtual_card_equals_the_cpu_reference)
{
	static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));
	struct csa_prog_result ref;
	struct csa_prog_env env;

	ASSERT_TRUE(vc_run(self, self->n.prog_len)) TH_LOG("no completion");
	ASSERT_EQ((uint32_t)CSA_STATUS_OK, self->cpl.status)
		TH_LOG("status %s detail 0x%x (op %u reason %s)",
		       csa_status_name(self->cpl.status), self->cpl.detail,
		       CSA_PROG_DETAIL_OP(self->cpl.detail),
		       csa_prog_err_name(CSA_PROG_DETAIL_ERR(self->cpl.detail)));
	for (uint32_t s = 0; s < S_NUM; s++) {
		uint64_t size = self->n.m.s[s].size;
		uint8_t *got = malloc(size);
		long at;

		get_slot(&self->q, s, got, size);
		at = first_diff(got, self->n.want[s], size);
		EXPECT_EQ(-1, at)
			TH_LOG("slot %u byte %ld: card 0x%02x, reference 0x%02x", s, at,
			       at >= 0 ? got[at] : 0, at >= 0 ? self->n.want[s][at] : 0);
		free(got);
	}
	/* the model's lanes (32) reach the engine: same cycles as the CPU */
	env = tmem_env(&self->n.m, scratch);
	env.lanes = 32;
	env.max_k = 4;
	csa_prog_run(&env, S_PROG, 0, self->n.prog_len, &ref);
	ASSERT_EQ(0u, ref.status) TH_LOG("CPU reference failed");
	ASSERT_EQ(CSA_CYCLES_DESC + ref.cycles, self->cpl.cycles)
		TH_LOG("card cycles %llu, CPU reference %u + %llu at 32 lanes",
		       (unsigned long long)self->cpl.cycles, CSA_CYCLES_DESC,
		       (unsigned long long)ref.cycles);
}

TEST_F(vc, refused_program_and_the_cards_max_k)
{
	/* op 3 local k 7 > 6 channels */
	self->n.ops[3].k = 7;
	net_write_prog(&self->n);
	put_slot(&self->q, S_PROG, self->n.m.s[S_PROG].buf,
		 self->n.m.s[S_PROG].size, CSA_ACCESS_READ);
	ASSERT_TRUE(vc_run(self, self->n.prog_len)) TH_LOG("no completion");
	ASSERT_EQ((uint32_t)CSA_STATUS_PROGRAM, self->cpl.status)
		TH_LOG("status %s", csa_status_name(self->cpl.status));
	ASSERT_EQ(CSA_PROG_DETAIL(3, 0, CSA_PROG_ERR_K), self->cpl.detail)
		TH_LOG("detail 0x%x", self->cpl.detail);

	/* linear layer at K 4 = the card's max-k 4: fine; make it 5 */
	self->n.ops[3].k = 2;
	net_write_prog(&self->n);
	put_slot(&self->q, S_PROG, self->n.m.s[S_PROG].buf,
		 self->n.m.s[S_PROG].size, CSA_ACCESS_READ);
	wle(self->n.m.s[S_LIN].buf + 20, 5, 2);
	put_slot(&self->q, S_LIN, self->n.m.s[S_LIN].buf,
		 self->n.m.s[S_LIN].size, CSA_ACCESS_READ);
	ASSERT_TRUE(vc_run(self, self->n.prog_len)) TH_LOG("no completion");
	ASSERT_EQ(CSA_PROG_DETAIL(4, CSA_PROG_OPND_PARAM, CSA_PROG_ERR_PACK_K),
		  self->cpl.detail)
		TH_LOG("a layer with k 5 on a max-k=4 card: detail 0x%x, status %s",
		       self->cpl.detail, csa_status_name(self->cpl.status));
}

TEST_HARNESS_MAIN

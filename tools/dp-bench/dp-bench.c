// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dp-bench: the complementary-sparse datapath (firmware/csa_dp_*.c) run
 * natively on one layer, the super-sparse layer of the reference network:
 * linear 1600 -> 1500, weights 95 % sparse (K = 20, perfectly
 * complementary), 10 % of the inputs active (dpn_linear_jobs(), the layer
 * csa-bench --datapath runs on the card).  Four ways:
 *
 *   dense           the same weights unpacked to K = 1 (zeros stored),
 *                   every input visited
 *   sparse weights  packed K = 20, every input visited (dense input)
 *   zero-skip       packed K = 20, dense input, zero inputs skipped
 *   sparse-sparse   packed K = 20, sparse input (Select: 160 columns)
 *
 * All four give the same int8 outputs (checked).  Times are the best of N
 * runs (CLOCK_MONOTONIC) of: clearing the accumulators + the MAC phase
 * ("accumulate"), and that plus the output stage (tag map, requantise:
 * "layer").  Card cycles are the cost model's at the given lanes.
 *
 * Then, with --model FILE.csa (`make dp-bench` passes the packed
 * tests/data/gsc), the full reference network in three variants
 * (dp-net.h): dense (every layer at K = 1, every input visited), sparse
 * weights with dense inputs (every input visited, no Select), and
 * sparse-sparse (zero inputs skipped, the hidden layer's k-WTA hands a
 * sparse activation to the last LINEAR).  Each runs on a native executor
 * of the job program over the datapath functions (the visiting policy is
 * the variant's), and the same program runs through the card's engine
 * (csa_prog_run(); the dense variants' layer ops carry
 * CSA_PROG_F_NO_SKIP, so it visits what the executor visits); all outputs
 * are checked equal.  Per op: MACs, modelled cycles, time and the lane
 * utilisation of the MAC stage.  Prints tables; not a test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa_dp.h"
#include "csa_hw.h"
#include "csa_prog.h"
#include "dp-baseline.h"
#include "dp-cpu.h"
#include "dp-net.h"
#include "../version.h"

/* CSA_CYCLES_DESC of firmware/csa_cmdproc.h (whose csa_cmd clashes with libcsa's) */
#define DESC_CYCLES	32
#define UNITS	DPN_LINEAR_UNITS
#define COLS	DPN_LINEAR_COLS
#define K	DPN_LINEAR_K

/* ---- a native executor of job programs --------------------------------- */

/* One op of a job, decoded once (the layer's tag map, requant, boost). */
struct nop {
	struct csa_prog_op op;
	struct csa_dp_layer l;
	uint16_t *tagmap;
	struct csa_dp_rq *rq;
	uint16_t *boost;
};

struct nexec {
	const struct dpn_job *job;
	struct nop *ops;
	uint32_t n;
	uint32_t lanes;
	int32_t *acc;		/* largest op's accumulators */
	uint8_t *mark;
	uint32_t *keys, *idx;
	int8_t *val;
	int32_t *y32;
};

#define NET_MAX_OPS	16

struct nres {
	uint64_t macs, visits, cycles;
	uint64_t op_macs[NET_MAX_OPS], op_cycles[NET_MAX_OPS];
	uint64_t op_mac_cycles[NET_MAX_OPS];	/* MAC stage (lane schedule) */
	double op_ns[NET_MAX_OPS];
};

static uint8_t *opnd(const struct dpn_job *j, uint64_t o)
{
	return j->slot[CSA_OPERAND_SLOT(o)] + CSA_OPERAND_OFF(o);
}

static uint64_t numel_in(const struct csa_prog_op *op)
{
	return (uint64_t)op->in_c * op->in_h * op->in_w;
}

static uint64_t numel_out(const struct csa_prog_op *op)
{
	return (uint64_t)op->out_c * op->out_h * op->out_w;
}

static void nexec_free(struct nexec *e)
{
	for (uint32_t i = 0; e->ops && i < e->n; i++) {
		free(e->ops[i].tagmap);
		free(e->ops[i].rq);
		free(e->ops[i].boost);
	}
	free(e->ops);
	free(e->acc);
	free(e->mark);
	free(e->keys);
	free(e->idx);
	free(e->val);
	free(e->y32);
	memset(e, 0, sizeof(*e));
}

static int nexec_init(struct nexec *e, const struct dpn_job *j, uint32_t lanes)
{
	const uint8_t *prog = j->slot[CSA_MODEL_SLOT_PROG];
	uint64_t nacc = 0, numel = 0;

	memset(e, 0, sizeof(*e));
	e->job = j;
	e->n = j->num_ops;
	e->lanes = lanes;
	e->ops = calloc(e->n, sizeof(*e->ops));
	if (!e->ops)
		return -1;
	for (uint32_t i = 0; i < e->n; i++) {
		struct nop *o = &e->ops[i];
		struct csa_prog_op *op = &o->op;

		csa_prog_op_decode(op, prog + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE);
		numel = numel_in(op) > numel ? numel_in(op) : numel;
		numel = numel_out(op) > numel ? numel_out(op) : numel;
		if (op->opcode == CSA_PROG_OP_LINEAR ||
		    op->opcode == CSA_PROG_OP_CONV2D) {
			const uint8_t *b = opnd(j, op->param);
			struct csa_layer_hdr h;
			uint64_t a;

			csa_layer_hdr_decode(&h, b);
			o->tagmap = malloc(2ull * h.groups * h.k);
			o->rq = malloc(sizeof(*o->rq) * h.units);
			if (!o->tagmap || !o->rq)
				return -1;
			for (uint32_t t = 0; t < (uint32_t)h.groups * h.k; t++)
				o->tagmap[t] = (uint16_t)csa_get_le(b + h.tagmap_off + 2 * t, 2);
			for (uint32_t u = 0; u < h.units; u++) {
				struct csa_requant r;

				csa_requant_decode(&r, b + h.requant_off + 12ull * u);
				o->rq[u] = (struct csa_dp_rq){ r.bias, r.multiplier, r.shift };
			}
			o->l = (struct csa_dp_layer){
				.units = h.units, .cols = h.cols, .k = h.k,
				.groups = h.groups, .w = b + h.weights_off,
				.tagmap = o->tagmap, .rq = o->rq,
			};
			a = (uint64_t)op->out_h * op->out_w * h.groups * h.k;
			nacc = a > nacc ? a : nacc;
		} else if (op->opcode == CSA_PROG_OP_KWTA &&
			   op->flags & CSA_PROG_F_BOOST) {
			const uint8_t *b = opnd(j, op->param);

			o->boost = malloc(2ull * op->in_c);
			if (!o->boost)
				return -1;
			for (uint32_t c = 0; c < op->in_c; c++)
				o->boost[c] = (uint16_t)csa_get_le(b + 2 * c, 2);
		}
	}
	e->acc = malloc(4 * (nacc + CSA_DP_ACC_PAD));
	e->y32 = malloc(4 * numel);
	e->mark = malloc(numel);
	e->keys = malloc(4 * numel);
	e->idx = malloc(4 * numel);
	e->val = malloc(numel);
	return e->acc && e->y32 && e->mark && e->keys && e->idx && e->val ? 0 : -1;
}

/* A sparse activation at p into e->idx / e->val; returns the count. */
static uint32_t sparse_in(struct nexec *e, const uint8_t *p)
{
	struct csa_sparse_hdr h;

	csa_sparse_hdr_decode(&h, p);
	for (uint32_t i = 0; i < h.count; i++)
		e->idx[i] = (uint32_t)csa_get_le(p + CSA_SPARSE_IDX_OFF + 4 * i, 4);
	memcpy(e->val, p + CSA_SPARSE_VAL_OFF(h.capacity), h.count);
	return h.count;
}

/* LINEAR/CONV2D output stage and write; returns the bytes written. */
static uint64_t layer_out(struct nexec *e, const struct nop *o,
			  uint32_t positions, uint8_t *dst)
{
	uint64_t n = (uint64_t)o->l.units * positions;

	if (o->op.flags & CSA_PROG_F_DST_INT32) {
		csa_dp_output(&o->l, e->acc, positions, NULL, e->y32);
		for (uint64_t i = 0; i < n; i++)
			csa_put_le(dst + 4 * i, (uint32_t)e->y32[i], 4);
		return 4 * n;
	}
	csa_dp_output(&o->l, e->acc, positions, (int8_t *)dst, NULL);
	return n;
}

/*
 * Run the job's program with the datapath functions directly; visit_all:
 * every element of a dense input is visited (zeros included), otherwise
 * only the non-zero ones (the engine's Select on a dense vector).  Cycles
 * as the engine's cost model (per op: its stages, reads streamed in its
 * head, writes in its tail, the head overlapping the previous op's tail).
 */
static void nexec_run(struct nexec *e, bool visit_all, struct nres *r)
{
	const struct dpn_job *j = e->job;
	uint64_t pending = 0;

	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < e->n; i++) {
		const struct nop *o = &e->ops[i];
		const struct csa_prog_op *op = &o->op;
		const uint8_t *src = opnd(j, op->src);
		uint8_t *dst = opnd(j, op->dst);
		bool sparse = op->flags & CSA_PROG_F_SRC_SPARSE;
		struct csa_dp_stats st = { 0 };
		struct csa_dp_stage sg = { 0 };
		uint64_t rb = 0, wb = 0, colsz = (uint64_t)o->l.groups * 2;
		uint32_t count = 0;
		uint64_t cyc0 = r->cycles;
		double t0 = (double)csa_now_ns();

		r->cycles += CSA_DP_CYCLES_OP;
		if (sparse) {
			count = sparse_in(e, src);
			rb += CSA_SPARSE_HDR_SIZE + 5ull * count;
		} else {
			rb += numel_in(op);
		}
		switch (op->opcode) {
		case CSA_PROG_OP_LINEAR:
			memset(e->acc, 0, 4ull * (o->l.groups * o->l.k + CSA_DP_ACC_PAD));
			csa_dp_sched_init(&st, o->l.groups, e->lanes);
			if (sparse)
				csa_dp_linear_sparse(&o->l, e->idx, e->val, count,
						     e->acc, &st);
			else
				csa_dp_linear_dense(&o->l, (const int8_t *)src,
						    !visit_all, e->acc, &st);
			rb += st.visits * colsz;
			wb += layer_out(e, o, 1, dst);
			sg.head = csa_dp_cost_mac(&st) +
				  csa_dp_cost_stream(st.inputs, e->lanes);
			sg.tail = csa_dp_cost_stream(o->l.units, e->lanes);
			break;
		case CSA_PROG_OP_CONV2D: {
			const struct csa_dp_conv g = {
				op->in_c, op->in_h, op->in_w, op->out_h, op->out_w,
				op->kernel_h, op->kernel_w, op->stride_h,
				op->stride_w, op->pad_h, op->pad_w,
			};
			uint32_t pos = op->out_h * op->out_w;

			memset(e->acc, 0, 4ull * ((uint64_t)pos * o->l.groups * o->l.k +
						  CSA_DP_ACC_PAD));
			csa_dp_sched_init(&st, o->l.groups, e->lanes);
			if (sparse) {
				csa_dp_conv_sparse(&o->l, &g, e->idx, e->val, count,
						   e->acc, &st);
			} else if (visit_all) {
				const int8_t *x = (const int8_t *)src;

				for (uint32_t c = 0; c < g.in_c; c++)
					for (uint32_t y = 0; y < g.in_h; y++)
						for (uint32_t xx = 0; xx < g.in_w; xx++, x++)
							csa_dp_conv_point(&o->l, &g, c, y, xx,
									  *x, e->acc, &st);
				st.inputs = numel_in(op);
			} else {
				csa_dp_conv_dense(&o->l, &g, (const int8_t *)src, true,
						  e->acc, &st);
			}
			rb += (uint64_t)o->l.cols * colsz;
			wb += layer_out(e, o, pos, dst);
			sg.head = csa_dp_cost_mac(&st) +
				  csa_dp_cost_stream(st.inputs, e->lanes);
			sg.tail = csa_dp_cost_stream((uint64_t)o->l.units * pos,
						     e->lanes);
			break;
		}
		case CSA_PROG_OP_KWTA: {
			uint32_t n = (uint32_t)numel_in(op), plane = op->in_h * op->in_w;
			const int8_t *x = (const int8_t *)src;

			if (op->flags & CSA_PROG_F_LOCAL) {
				csa_dp_kwta_local(x, op->in_c, plane, o->boost, op->k,
						  e->mark, e->keys);
				csa_dp_stage_kwta(&sg, op->in_c, plane, e->lanes,
						  CSA_DP_KWTA_PASSES(o->boost), true);
			} else {
				csa_dp_kwta_global(x, op->in_c, plane, o->boost, op->k,
						   e->mark);
				csa_dp_stage_kwta(&sg, n, 1, e->lanes,
						  CSA_DP_KWTA_PASSES(o->boost), false);
			}
			if (op->flags & CSA_PROG_F_DST_SPARSE) {
				uint32_t cap = op->k * (op->flags & CSA_PROG_F_LOCAL ? plane : 1);
				struct csa_sparse_hdr h = { CSA_SPARSE_MAGIC, 0, cap, n };

				h.count = csa_dp_kwta_sparse(x, e->mark, n, e->keys,
							     (int8_t *)dst +
							     CSA_SPARSE_VAL_OFF(cap));
				csa_sparse_hdr_encode(dst, &h);
				for (uint32_t k = 0; k < h.count; k++)
					csa_put_le(dst + CSA_SPARSE_IDX_OFF + 4 * k,
						   e->keys[k], 4);
				wb += CSA_SPARSE_SIZE(cap);
			} else {
				csa_dp_kwta_dense(x, e->mark, n, (int8_t *)dst);
				wb += n;
			}
			break;
		}
		default:
			csa_dp_maxpool((const int8_t *)src, op->in_c, op->in_h,
				       op->in_w, op->kernel_h, op->kernel_w,
				       op->stride_h, op->stride_w, op->out_h,
				       op->out_w, (int8_t *)dst);
			wb += numel_out(op);
			sg.head = csa_dp_cost_stream(numel_out(op) * op->kernel_h *
						     op->kernel_w, e->lanes);
			break;
		}
		sg.head = sg.head > csa_dp_cost_dma(rb) ? sg.head : csa_dp_cost_dma(rb);
		sg.tail = sg.tail > csa_dp_cost_dma(wb) ? sg.tail : csa_dp_cost_dma(wb);
		r->cycles += csa_dp_cost_overlap(&pending, &sg);
		if (i + 1 == e->n)
			r->cycles += pending;	/* the last op's tail */
		r->macs += st.macs;
		r->visits += st.visits;
		if (i < NET_MAX_OPS) {
			r->op_ns[i] = (double)csa_now_ns() - t0;
			r->op_macs[i] = st.macs;
			r->op_mac_cycles[i] = csa_dp_cost_mac(&st);
			r->op_cycles[i] = r->cycles - cyc0;
		}
	}
}

static void engine_run(const struct dpn_job *j, uint32_t lanes,
		       struct csa_prog_result *res);

/* ---- linear 1600 -> 1500 ---------------------------------------------- */

enum variant { DENSE, SPARSE_W, ZERO_SKIP, SPARSE_SPARSE, NVAR };

static const char *const vname[NVAR] = {
	"dense (K=1, every input)",
	"sparse weights, every input",
	"sparse weights, zero-skip input",
	"sparse-sparse (Select)",
};

/*
 * The linear layer of dp-net.h (the jobs csa-bench --datapath runs too),
 * decoded by the executor: e[0] the dense (K = 1) job, e[1] the packed
 * one; x its dense input, count its non-zero elements (in e[1].idx/val).
 */
struct linear {
	struct dpn_job job[DPN_NVAR];
	struct nexec e[2];
	const int8_t *x;
	uint32_t count;
};

static int linear_init(struct linear *lin, uint32_t lanes)
{
	int ret = dpn_linear_jobs(lin->job);

	if (ret) {
		fprintf(stderr, "dp-bench: building the linear layer: %s\n", strerror(-ret));
		return -1;
	}
	if (nexec_init(&lin->e[0], &lin->job[DPN_DENSE], lanes) ||
	    nexec_init(&lin->e[1], &lin->job[DPN_SPARSE_W], lanes)) {
		fprintf(stderr, "dp-bench: out of memory\n");
		return -1;
	}
	lin->x = (const int8_t *)lin->job[DPN_SPARSE_W].slot[CSA_MODEL_SLOT_INPUT];
	lin->count = sparse_in(&lin->e[1],
			       lin->job[DPN_SPARSE_SPARSE].slot[CSA_MODEL_SLOT_INPUT]);
	return 0;
}

static void linear_free(struct linear *lin)
{
	for (int i = 0; i < 2; i++)
		nexec_free(&lin->e[i]);
	for (int v = 0; v < DPN_NVAR; v++)
		dpn_job_free(&lin->job[v]);
}

static const struct csa_dp_layer *linear_layer(const struct linear *lin, enum variant v)
{
	return &lin->e[v != DENSE].ops[0].l;
}

static void run(enum variant v, struct linear *lin, bool output, int8_t *y,
		struct csa_dp_stats *st)
{
	const struct csa_dp_layer *l = linear_layer(lin, v);
	int32_t *acc = lin->e[v != DENSE].acc;

	memset(st, 0, sizeof(*st));
	csa_dp_sched_init(st, l->groups, lin->e[0].lanes);
	memset(acc, 0, 4ull * (l->groups * l->k + CSA_DP_ACC_PAD));
	switch (v) {
	case DENSE:
	case SPARSE_W:
		csa_dp_linear_dense(l, lin->x, false, acc, st);
		break;
	case ZERO_SKIP:
		csa_dp_linear_dense(l, lin->x, true, acc, st);
		break;
	default:
		csa_dp_linear_sparse(l, lin->e[1].idx, lin->e[1].val, lin->count,
				     acc, st);
		break;
	}
	if (output)
		csa_dp_output(l, acc, 1, y, NULL);
}

/*
 * The layer's modelled cycles as the engine charges a one-op program's
 * work (no per-op and validation overhead): the head (input stream, MAC
 * stage, reads of the input and the visited columns) then the tail
 * (output stage, write of the outputs).
 */
static uint64_t linear_cycles(const struct csa_dp_stats *st,
			      const struct csa_dp_layer *l, uint32_t lanes,
			      uint64_t in_bytes)
{
	uint64_t rd = csa_dp_cost_dma(st->visits * l->groups *
				      CSA_PACKED_ELEM_SIZE + in_bytes);
	struct csa_dp_stage sg = {
		.head = csa_dp_cost_mac(st) + csa_dp_cost_stream(st->inputs, lanes),
		.tail = csa_dp_cost_stream(UNITS, lanes),
	};
	uint64_t pending = 0, c;

	sg.head = sg.head > rd ? sg.head : rd;
	sg.tail = sg.tail > csa_dp_cost_dma(UNITS) ? sg.tail : csa_dp_cost_dma(UNITS);
	c = csa_dp_cost_overlap(&pending, &sg);
	return c + pending;
}

/* best of n, in ns */
static double best(enum variant v, struct linear *lin, bool output, int n, int8_t *y)
{
	struct csa_dp_stats st;
	double b = 1e30;

	for (int i = 0; i < n; i++) {
		double t0 = (double)csa_now_ns(), t;

		run(v, lin, output, y, &st);
		t = (double)csa_now_ns() - t0;
		if (t < b)
			b = t;
	}
	return b;
}

/* ---- the reference network ------------------------------------------- */

static const char *op_name(const struct csa_prog_op *op)
{
	switch (op->opcode) {
	case CSA_PROG_OP_LINEAR:
		return op->flags & CSA_PROG_F_SRC_SPARSE ? "LINEAR (sparse in)" : "LINEAR";
	case CSA_PROG_OP_CONV2D:
		return "CONV2D";
	case CSA_PROG_OP_KWTA:
		return op->flags & CSA_PROG_F_DST_SPARSE ? "KWTA (sparse out)" : "KWTA";
	default:
		return "MAXPOOL2D";
	}
}

static uint8_t engine_scratch[32u << 20] __attribute__((aligned(8)));

/*
 * The job's program through the card's engine over its own slots; with a
 * layer cache, its weights slot carries cache tag tag (a sealed BO).
 */
static void engine_run_cached(const struct dpn_job *j, uint32_t lanes,
			      struct csa_layer_cache *c, uint64_t tag,
			      struct csa_prog_result *res)
{
	struct csa_prog_mem_slot ms[DPN_NSLOTS];
	struct csa_prog_mem mem = { ms, DPN_NSLOTS };
	struct csa_prog_env env = {
		.io = &csa_prog_mem_io, .ctx = &mem, .lanes = lanes,
		.max_k = 64, .max_dim = 65535, .max_tensor = 16777216,
		.scratch = engine_scratch, .scratch_size = sizeof(engine_scratch),
		.lcache = c,
	};

	for (int s = 0; s < DPN_NSLOTS; s++)
		ms[s] = (struct csa_prog_mem_slot){ j->slot[s], j->size[s],
						    j->access[s], 0 };
	ms[CSA_MODEL_SLOT_MODEL].tag = tag;
	csa_prog_run(&env, CSA_MODEL_SLOT_PROG, 0, j->prog_size, res);
}

static void engine_run(const struct dpn_job *j, uint32_t lanes,
		       struct csa_prog_result *res)
{
	engine_run_cached(j, lanes, NULL, 0, res);
}

/* One variant of the network: MACs, modelled card cycles, best time. */
struct net_row {
	uint64_t macs, cycles;
	double ns;
};

static void print_net_table(const struct net_row row[DPN_NVAR])
{
	printf("%-30s %10s %10s %8s %12s %10s\n", "variant", "MACs", "time",
	       "ns/MAC", "card cycles", "us@250MHz");
	for (int v = 0; v < DPN_NVAR; v++)
		printf("%-30s %10llu %7.2f ms %8.3f %12llu %10.1f\n",
		       dpn_variant_name[v], (unsigned long long)row[v].macs,
		       row[v].ns / 1e6, row[v].ns / (double)row[v].macs,
		       (unsigned long long)row[v].cycles, row[v].cycles / 250.0);
}

static int net_bench(const char *path, int n, uint32_t lanes)
{
	struct dpn_job job[DPN_NVAR];
	struct csa_model_view view;
	struct nres nr[DPN_NVAR];
	struct csa_prog_result er;
	struct net_row nat[DPN_NVAR], eng[DPN_NVAR];
	uint8_t *out[DPN_NVAR] = { NULL };
	const char *names[NET_MAX_OPS] = { NULL };
	void *data = NULL;
	double bl_dense, bl_csc;
	size_t size;
	int ret = 1;

	if (csa_model_read_file(path, &data, &size) ||
	    csa_model_parse(data, size, &view)) {
		fprintf(stderr, "dp-bench: %s: %s\n", path, csa_last_error());
		free(data);
		return 1;
	}
	if (dpn_net_jobs(&view, job)) {
		fprintf(stderr, "dp-bench: building the network jobs: %s\n",
			csa_last_error());
		free(data);
		return 1;
	}
	for (int v = 0; v < DPN_NVAR; v++) {
		struct nexec e;
		bool all = v != DPN_SPARSE_SPARSE;

		if (nexec_init(&e, &job[v], lanes)) {
			fprintf(stderr, "dp-bench: out of memory\n");
			nexec_free(&e);
			goto out;
		}
		nat[v].ns = 1e30;
		for (int i = 0; i < n; i++) {
			struct nres cur;
			double t0 = (double)csa_now_ns(), t;

			nexec_run(&e, all, &cur);
			t = (double)csa_now_ns() - t0;
			if (t < nat[v].ns) {
				nat[v].ns = t;
				nr[v] = cur;
			}
		}
		if (v == DPN_DENSE)
			for (uint32_t i = 0; i < e.n && i < NET_MAX_OPS; i++)
				names[i] = op_name(&e.ops[i].op);
		nexec_free(&e);
		out[v] = malloc(job[v].out_len);
		if (!out[v]) {
			fprintf(stderr, "dp-bench: out of memory\n");
			goto out;
		}
		memcpy(out[v], job[v].slot[CSA_MODEL_SLOT_OUTPUT], job[v].out_len);
		nat[v].macs = nr[v].macs;
		nat[v].cycles = nr[v].cycles;
		eng[v].ns = 1e30;
		for (int i = 0; i < n; i++) {
			double t0 = (double)csa_now_ns(), t;

			engine_run(&job[v], lanes, &er);
			t = (double)csa_now_ns() - t0;
			eng[v].ns = t < eng[v].ns ? t : eng[v].ns;
		}
		eng[v].macs = er.macs;
		eng[v].cycles = er.cycles;
		if (er.status) {
			fprintf(stderr, "dp-bench: the engine refused %s: op %u operand %u reason %s\n",
				dpn_variant_name[v], CSA_PROG_DETAIL_OP(er.detail),
				CSA_PROG_DETAIL_OPND(er.detail),
				csa_prog_err_name(CSA_PROG_DETAIL_ERR(er.detail)));
			goto out;
		}
		if (memcmp(out[v], job[v].slot[CSA_MODEL_SLOT_OUTPUT], job[v].out_len) ||
		    memcmp(out[v], out[DPN_DENSE], job[v].out_len)) {
			fprintf(stderr, "dp-bench: network %s: outputs differ (executor, engine, dense)\n",
				dpn_variant_name[v]);
			goto out;
		}
	}

	printf("\ndp-bench: reference network %.16s (%u layers, %u ops), one input, best of %d, %u lanes\n",
	       (const char *)view.hdr->name, view.hdr->num_layers, job[0].num_ops,
	       n, lanes);
	printf("  native executor: dense and sparse weights visit every input; sparse-sparse skips zero inputs (Select)\n\n");
	print_net_table(nat);
	printf("\ndense / sparse-sparse: MACs %.1fx, time %.1fx, card cycles %.1fx; sparse weights / sparse-sparse: MACs %.1fx, time %.1fx, cycles %.1fx\n",
	       (double)nat[DPN_DENSE].macs / nat[DPN_SPARSE_SPARSE].macs,
	       nat[DPN_DENSE].ns / nat[DPN_SPARSE_SPARSE].ns,
	       (double)nat[DPN_DENSE].cycles / nat[DPN_SPARSE_SPARSE].cycles,
	       (double)nat[DPN_SPARSE_W].macs / nat[DPN_SPARSE_SPARSE].macs,
	       nat[DPN_SPARSE_W].ns / nat[DPN_SPARSE_SPARSE].ns,
	       (double)nat[DPN_SPARSE_W].cycles / nat[DPN_SPARSE_SPARSE].cycles);

	printf("\nper op (native executor): MACs / card cycles / time / lane utilisation of the MAC stage (MACs / (lanes x MAC-stage cycles))\n");
	printf("%-3s %-19s", "op", "");
	for (int v = 0; v < DPN_NVAR; v++)
		printf(" | %-37.37s", dpn_variant_name[v]);
	printf("\n");
	for (uint32_t i = 0; i < job[0].num_ops && i < NET_MAX_OPS; i++) {
		printf("%-3u %-19s", i, names[i]);
		for (int v = 0; v < DPN_NVAR; v++) {
			printf(" | %9llu %9llu %8.1f us",
			       (unsigned long long)nr[v].op_macs[i],
			       (unsigned long long)nr[v].op_cycles[i],
			       nr[v].op_ns[i] / 1e3);
			if (nr[v].op_mac_cycles[i])
				printf(" %4.0f%%", 100.0 * nr[v].op_macs[i] /
				       ((double)lanes * nr[v].op_mac_cycles[i]));
			else
				printf("     -");
		}
		printf("\n");
	}

	printf("\n  the same programs through the card's engine (csa_prog_run: the dense variants' layer ops carry NO_SKIP; operand copies, checks)\n\n");
	print_net_table(eng);
	printf("\nengine: dense / sparse-sparse: MACs %.1fx, time %.1fx, card cycles %.1fx\n",
	       (double)eng[DPN_DENSE].macs / eng[DPN_SPARSE_SPARSE].macs,
	       eng[DPN_DENSE].ns / eng[DPN_SPARSE_SPARSE].ns,
	       (double)eng[DPN_DENSE].cycles / eng[DPN_SPARSE_SPARSE].cycles);
	printf("all variants, executor and engine: identical outputs\n");
	if (dpb_net(stdout, &job[DPN_DENSE], out[DPN_DENSE], n, nat[DPN_SPARSE_SPARSE].ns,
		    &bl_dense, &bl_csc) ||
	    dpc_bench(stdout, "network", &job[DPN_SPARSE_SPARSE], out[DPN_DENSE], n,
		      nat[DPN_SPARSE_SPARSE].ns, bl_dense, bl_csc, 3, 1))
		goto out;
	ret = 0;
out:
	for (int v = 0; v < DPN_NVAR; v++) {
		dpn_job_free(&job[v]);
		free(out[v]);
	}
	free(data);
	return ret;
}

/* A number 1..max for option @opt, or a message and -1. */
static int parse_count(const char *opt, const char *s, uint32_t max, uint32_t *v)
{
	unsigned long x;
	char *end;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !x || x > max) {
		fprintf(stderr, "dp-bench: %s wants a number 1..%u, not '%s'\n", opt, max, s);
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

int main(int argc, char **argv)
{
	static struct linear lin;
	uint32_t lanes = 64, n = 200;
	const char *model = NULL;
	int8_t y[NVAR][UNITS];
	double t_acc[NVAR], t_layer[NVAR];
	uint64_t macs[NVAR], cycles[NVAR], visits[NVAR], mac_cycles[NVAR];
	double bl_dense, bl_csc;
	uint32_t groups;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			if (parse_count("-n", argv[++i], 1000000, &n))
				return 2;
		} else if (!strcmp(argv[i], "--lanes") && i + 1 < argc) {
			if (parse_count("--lanes", argv[++i], 65536, &lanes))
				return 2;
		} else if (!strcmp(argv[i], "--model") && i + 1 < argc) {
			model = argv[++i];
		} else if (!strcmp(argv[i], "--version")) {
			return csa_tool_version("dp-bench");
		} else {
			bool help = !strcmp(argv[i], "--help");

			fprintf(help ? stdout : stderr,
				"usage: %s [-n RUNS] [--lanes N] [--model FILE.csa] [--help] [--version]\n",
				argv[0]);
			return help ? 0 : 2;
		}
	}

	if (linear_init(&lin, lanes)) {
		linear_free(&lin);
		return 1;
	}
	groups = linear_layer(&lin, SPARSE_W)->groups;
	for (int v = 0; v < NVAR; v++) {
		const struct csa_dp_layer *l = linear_layer(&lin, v);
		struct csa_dp_stats st;

		run(v, &lin, true, y[v], &st);
		macs[v] = st.macs;
		visits[v] = st.visits;
		mac_cycles[v] = csa_dp_cost_mac(&st);
		cycles[v] = linear_cycles(&st, l, lanes,
					  v == SPARSE_SPARSE ? 5ull * lin.count : COLS);
		t_acc[v] = best(v, &lin, false, n, y[v]);
		t_layer[v] = best(v, &lin, true, n, y[v]);
		if (memcmp(y[v], y[DENSE], UNITS)) {
			fprintf(stderr, "dp-bench: %s gives different outputs than dense\n",
				vname[v]);
			linear_free(&lin);
			return 1;
		}
	}

	printf("dp-bench: linear %u -> %u, weights %u%% sparse (K = %u, %u groups), %u of %u inputs active, best of %u, %u lanes\n\n",
	       COLS, UNITS, 100 - 100 / K, K, groups, lin.count, COLS,
	       n, lanes);
	printf("%-32s %3s %6s %8s %9s %12s %10s %8s %12s %6s\n", "variant", "K",
	       "groups", "columns", "MACs", "accumulate", "layer", "ns/MAC",
	       "card cycles", "lanes");
	for (int v = 0; v < NVAR; v++) {
		const struct csa_dp_layer *l = linear_layer(&lin, v);

		printf("%-32s %3u %6u %8llu %9llu %9.1f us %7.1f us %8.3f %12llu %5.0f%%\n",
		       vname[v], l->k, l->groups,
		       (unsigned long long)visits[v], (unsigned long long)macs[v],
		       t_acc[v] / 1e3, t_layer[v] / 1e3, t_acc[v] / (double)macs[v],
		       (unsigned long long)cycles[v],
		       100.0 * macs[v] / ((double)lanes * mac_cycles[v]));
	}
	printf("\ndense / sparse-sparse: MACs %.0fx, time %.0fx, card cycles %.0fx (time: the layer incl. output stage; accumulate only %.0fx)\n",
	       (double)macs[DENSE] / macs[SPARSE_SPARSE],
	       t_layer[DENSE] / t_layer[SPARSE_SPARSE],
	       (double)cycles[DENSE] / cycles[SPARSE_SPARSE],
	       t_acc[DENSE] / t_acc[SPARSE_SPARSE]);
	printf("lanes: lane utilisation of the MAC stage, MACs / (%u lanes x MAC-stage cycles)\n",
	       lanes);
	printf("output stage (tag map + requantise %u units): %.1f us, the floor of the sparse-sparse layer time\n",
	       UNITS, (t_layer[SPARSE_SPARSE] - t_acc[SPARSE_SPARSE]) / 1e3);
	printf("limits: dense streams %.1f MB of packed weights per pass (%.1f GB/s here); sparse-sparse reads %u columns of %u B and scatters each product to a data-dependent accumulator (%.2f vs %.2f ns per MAC), and pays the output stage, which does not shrink with sparsity\n",
	       COLS * (double)UNITS * CSA_PACKED_ELEM_SIZE / 1e6,
	       COLS * (double)UNITS * CSA_PACKED_ELEM_SIZE / t_acc[DENSE],
	       lin.count, groups * CSA_PACKED_ELEM_SIZE,
	       t_acc[SPARSE_SPARSE] / (double)macs[SPARSE_SPARSE],
	       t_acc[DENSE] / (double)macs[DENSE]);
	printf("all variants: identical int8 outputs\n");
	{
		struct csa_prog_result rd, rs;

		engine_run(&lin.job[DPN_DENSE], lanes, &rd);
		engine_run(&lin.job[DPN_SPARSE_SPARSE], lanes, &rs);
		if (rd.status || rs.status) {
			fprintf(stderr, "dp-bench: the engine refused the linear job\n");
			linear_free(&lin);
			return 1;
		}
		printf("as card jobs (the engine: program read, validation, op setup, + %u per descriptor): dense %llu, sparse-sparse %llu cycles, %.0fx; per-job fixed cost of sparse-sparse %llu cycles over the datapath's %llu\n",
		       DESC_CYCLES,
		       (unsigned long long)(rd.cycles + DESC_CYCLES),
		       (unsigned long long)(rs.cycles + DESC_CYCLES),
		       (double)rd.cycles / rs.cycles,
		       (unsigned long long)(rs.cycles + DESC_CYCLES -
					    cycles[SPARSE_SPARSE]),
		       (unsigned long long)cycles[SPARSE_SPARSE]);
	}
	{
		static struct csa_layer_cache cache;
		struct csa_prog_result cold, warm;
		double t_plain = 1e30, t_warm = 1e30;

		engine_run_cached(&lin.job[DPN_SPARSE_SPARSE], lanes, &cache, 1,
				  &cold);
		/* native engine time per job, uncached and warm, best of n */
		for (unsigned int i = 0; i < n; i++) {
			double t0 = (double)csa_now_ns(), t1;

			engine_run(&lin.job[DPN_SPARSE_SPARSE], lanes, &warm);
			t1 = (double)csa_now_ns();
			engine_run_cached(&lin.job[DPN_SPARSE_SPARSE], lanes,
					  &cache, 1, &warm);
			t_plain = t1 - t0 < t_plain ? t1 - t0 : t_plain;
			t0 = (double)csa_now_ns() - t1;
			t_warm = t0 < t_warm ? t0 : t_warm;
		}
		if (cold.status || warm.status || cache.hits != n) {
			fprintf(stderr, "dp-bench: the layer cache did not serve the linear job\n");
			linear_free(&lin);
			return 1;
		}
		printf("as card jobs with the layer cache (weights BO sealed, docs/hardware.md \"Layer cache\"): sparse-sparse first job %llu, later jobs %llu modelled cycles; per-job fixed cost of a later job %llu cycles over the datapath's %llu\n",
		       (unsigned long long)(cold.cycles + DESC_CYCLES),
		       (unsigned long long)(warm.cycles + DESC_CYCLES),
		       (unsigned long long)(warm.cycles + DESC_CYCLES -
					    cycles[SPARSE_SPARSE]),
		       (unsigned long long)cycles[SPARSE_SPARSE]);
		printf("native engine time of the sparse-sparse job: %.1f us uncached, %.1f us with a warm layer cache, the datapath's own layer time %.1f us (%.2fx)\n",
		       t_plain / 1e3, t_warm / 1e3, t_layer[SPARSE_SPARSE] / 1e3,
		       t_warm / t_layer[SPARSE_SPARSE]);
	}
	if (dpb_linear(stdout, &lin.job[DPN_DENSE], &lin.job[DPN_SPARSE_SPARSE], y[DENSE], (int)n,
		       t_layer[SPARSE_SPARSE], &bl_dense, &bl_csc) ||
	    dpc_bench(stdout, "linear layer", &lin.job[DPN_SPARSE_SPARSE], (const uint8_t *)y[DENSE],
		      (int)n, t_layer[SPARSE_SPARSE], bl_dense, bl_csc, 10, 1.5)) {
		linear_free(&lin);
		return 1;
	}
	linear_free(&lin);
	if (!model)
		return 0;
	return net_bench(model, n / 10 > 3 ? n / 10 : 3, lanes);
}

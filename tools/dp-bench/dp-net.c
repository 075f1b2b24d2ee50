// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The datapath benchmarks' jobs (dp-net.h): the linear layer and the
 * reference network as job programs in three variants.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csa_hw.h"
#include "csa_prog.h"
#include "dp-net.h"

const char *const dpn_variant_name[DPN_NVAR] = {
	"dense (K=1)",
	"sparse weights, dense input",
	"sparse-sparse (Select)",
};

/* The benchmarks' data: xorshift64, seeded per layer. */
static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* a random nonzero int8 */
static int8_t rnd_nz(void)
{
	int v;

	do
		v = (int)(rnd() % 256) - 128;
	while (!v);
	return (int8_t)v;
}

static uint64_t align64(uint64_t n)
{
	return (n + 63) & ~63ull;
}

void dpn_job_free(struct dpn_job *job)
{
	for (int s = 0; s < DPN_NSLOTS; s++)
		free(job->slot[s]);
	memset(job, 0, sizeof(*job));
}

/* Slots of the given sizes (zeroed) and the model layout's access modes. */
static int job_alloc(struct dpn_job *j, const uint64_t size[DPN_NSLOTS])
{
	static const uint32_t access[DPN_NSLOTS] = {
		CSA_ACCESS_READ, CSA_ACCESS_READ, CSA_ACCESS_READ,
		CSA_ACCESS_READ | CSA_ACCESS_WRITE, CSA_ACCESS_WRITE,
	};

	memset(j, 0, sizeof(*j));
	for (int s = 0; s < DPN_NSLOTS; s++) {
		j->size[s] = size[s] ? size[s] : 64;
		j->access[s] = access[s];
		j->slot[s] = calloc(1, j->size[s]);
		if (!j->slot[s]) {
			dpn_job_free(j);
			return -ENOMEM;
		}
	}
	return 0;
}

static void put_prog(struct dpn_job *j, const struct csa_prog_op *ops,
		     uint32_t n)
{
	struct csa_prog_hdr h = {
		.magic = CSA_PROG_MAGIC, .version = CSA_FORMAT_VERSION,
		.hdr_size = CSA_PROG_HDR_SIZE, .num_ops = n,
		.op_size = CSA_PROG_OP_SIZE,
	};

	csa_prog_hdr_encode(j->slot[CSA_MODEL_SLOT_PROG], &h);
	for (uint32_t i = 0; i < n; i++)
		csa_prog_op_encode(j->slot[CSA_MODEL_SLOT_PROG] +
				   CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE,
				   &ops[i]);
	j->prog_size = CSA_PROG_SIZE(n);
	j->num_ops = n;
}

/* ---- linear 1600 -> 1500 ------------------------------------------------ */

int dpn_linear_jobs(struct dpn_job job[DPN_NVAR])
{
	const uint32_t units = DPN_LINEAR_UNITS, cols = DPN_LINEAR_COLS;
	const uint32_t groups = units / DPN_LINEAR_K;
	int8_t *w = calloc((size_t)units, cols), x[DPN_LINEAR_COLS] = { 0 };
	struct csa_requant *rq = calloc(units, sizeof(*rq));
	void *blob[2] = { NULL, NULL };
	size_t bsize[2];
	uint32_t active = 0;
	int ret = -ENOMEM;

	memset(job, 0, sizeof(*job) * DPN_NVAR);
	if (!w || !rq)
		goto out;
	rng = 88172645463325252ull;
	/* K = 20 complementary: every column to one unit of each group */
	for (uint32_t c = 0; c < cols; c++)
		for (uint32_t g = 0; g < groups; g++)
			w[(size_t)(g * DPN_LINEAR_K + rnd() % DPN_LINEAR_K) * cols + c] =
				rnd_nz();
	for (uint32_t u = 0; u < units; u++)
		rq[u] = (struct csa_requant){ (int32_t)(rnd() % 4001) - 2000,
					      (int32_t)(rnd() % 200) + 1, 16, { 0 } };
	/* exactly 10 % of the inputs active, at random positions */
	while (active < cols / 10) {
		uint32_t c = rnd() % cols;

		if (!x[c]) {
			x[c] = rnd_nz();
			active++;
		}
	}
	for (int d = 0; d < 2; d++) {
		struct csa_grouping g;

		ret = csa_group_units(w, units, cols, d ? DPN_LINEAR_K : 1, &g);
		if (ret)
			goto out;
		ret = csa_pack_layer(w, &g, rq, NULL, &blob[d], &bsize[d]);
		csa_grouping_free(&g);
		if (ret)
			goto out;
	}
	for (int v = 0; v < DPN_NVAR; v++) {
		bool sparse = v == DPN_SPARSE_SPARSE;
		int d = v != DPN_DENSE;
		uint64_t size[DPN_NSLOTS] = {
			bsize[d], CSA_PROG_SIZE(1),
			sparse ? CSA_SPARSE_SIZE(active) : cols, 0,
			align64(units) + CSA_CPL_SIZE,
		};
		struct csa_prog_op op = {
			.opcode = CSA_PROG_OP_LINEAR,
			/* dense variants: a literal dense run, zeros visited */
			.flags = sparse ? CSA_PROG_F_SRC_SPARSE : CSA_PROG_F_NO_SKIP,
			.src = CSA_OPERAND(CSA_MODEL_SLOT_INPUT, 0),
			.dst = CSA_OPERAND(CSA_MODEL_SLOT_OUTPUT, 0),
			.param = CSA_OPERAND(CSA_MODEL_SLOT_MODEL, 0),
			.in_c = cols, .in_h = 1, .in_w = 1,
			.out_c = units, .out_h = 1, .out_w = 1,
		};
		uint8_t *in;

		ret = job_alloc(&job[v], size);
		if (ret)
			goto out;
		memcpy(job[v].slot[CSA_MODEL_SLOT_MODEL], blob[d], bsize[d]);
		put_prog(&job[v], &op, 1);
		in = job[v].slot[CSA_MODEL_SLOT_INPUT];
		if (sparse) {
			struct csa_sparse_hdr h = { CSA_SPARSE_MAGIC, active,
						    active, cols };
			uint32_t n = 0;

			csa_sparse_hdr_encode(in, &h);
			for (uint32_t c = 0; c < cols; c++) {
				if (!x[c])
					continue;
				csa_put_le(in + CSA_SPARSE_IDX_OFF + 4 * n, c, 4);
				in[CSA_SPARSE_VAL_OFF(active) + n++] = (uint8_t)x[c];
			}
		} else {
			memcpy(in, x, cols);
		}
		job[v].out_len = units;
		job[v].status_off = align64(units);
		job[v].max_k = d ? DPN_LINEAR_K : 1;
	}
	ret = 0;
out:
	if (ret)
		for (int v = 0; v < DPN_NVAR; v++)
			dpn_job_free(&job[v]);
	free(w);
	free(rq);
	free(blob[0]);
	free(blob[1]);
	return ret;
}

/* ---- the reference network ---------------------------------------------- */

/* The network's input: deterministic, spectrogram-like [-20, 100]. */
static void net_input(int8_t *x, uint64_t n)
{
	rng = 2463534242ull;
	for (uint64_t i = 0; i < n; i++)
		x[i] = (int8_t)((int)(rnd() % 121) - 20);
}

/* The K = 1 equivalent of a packed layer: same values, requant, boost. */
static int dense_layer(const uint8_t *blob, size_t size, void **out,
		       size_t *osize)
{
	struct csa_layer_hdr h;
	struct csa_grouping g;
	struct csa_requant *rq = NULL;
	uint16_t *boost = NULL;
	int8_t *w = NULL;
	int ret = -ENOMEM;

	csa_layer_hdr_decode(&h, blob);
	w = malloc((size_t)h.units * h.cols);
	rq = malloc(sizeof(*rq) * h.units);
	if (h.boost_off)
		boost = malloc(2ull * h.units);
	if (!w || !rq || (h.boost_off && !boost))
		goto out;
	ret = csa_unpack_layer(blob, size, w);
	if (ret)
		goto out;
	for (uint32_t u = 0; u < h.units; u++) {
		csa_requant_decode(&rq[u], blob + h.requant_off +
				   (size_t)u * CSA_REQUANT_SIZE);
		if (boost)
			boost[u] = (uint16_t)csa_get_le(blob + h.boost_off + 2 * u, 2);
	}
	ret = csa_group_units(w, h.units, h.cols, 1, &g);
	if (ret)
		goto out;
	ret = csa_pack_layer(w, &g, rq, boost, out, osize);
	csa_grouping_free(&g);
out:
	free(w);
	free(rq);
	free(boost);
	return ret;
}

int dpn_net_jobs(const struct csa_model_view *view, struct dpn_job job[DPN_NVAR])
{
	uint32_t nl = view->hdr->num_layers;
	uint64_t dense_off[CSA_MODEL_MAX_LAYERS], dense_boost[CSA_MODEL_MAX_LAYERS];
	void *dblob[CSA_MODEL_MAX_LAYERS] = { NULL };
	size_t dsize[CSA_MODEL_MAX_LAYERS];
	struct csa_model_plan plan;
	struct csa_prog_op *ops = NULL;
	uint64_t model_dense = align64(view->size);
	uint32_t max_k = 1;
	void *prog = NULL;
	int ret;

	memset(job, 0, sizeof(*job) * DPN_NVAR);
	ret = csa_model_build_program(view, &plan, &prog);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < nl; i++) {
		const struct csa_model_layer *ml = &view->layers[i];
		struct csa_layer_hdr h;

		max_k = ml->k > max_k ? ml->k : max_k;
		ret = dense_layer(view->data + ml->blob_off, ml->blob_size,
				  &dblob[i], &dsize[i]);
		if (ret)
			goto out;
		csa_layer_hdr_decode(&h, dblob[i]);
		dense_off[i] = model_dense;
		dense_boost[i] = h.boost_off;
		model_dense = align64(model_dense + dsize[i]);
	}
	ops = calloc(plan.num_ops, sizeof(*ops));
	if (!ops) {
		ret = -ENOMEM;
		goto out;
	}
	for (int v = 0; v < DPN_NVAR; v++) {
		uint64_t size[DPN_NSLOTS] = {
			v == DPN_DENSE ? model_dense : view->size, plan.prog_size,
			(uint64_t)view->hdr->in_c * view->hdr->in_h * view->hdr->in_w,
			plan.act_size, plan.output_slot_size,
		};
		uint64_t sparse_dst = ~0ull, dense_for = 0;

		ret = job_alloc(&job[v], size);
		if (ret)
			goto out;
		memcpy(job[v].slot[CSA_MODEL_SLOT_MODEL], view->data, view->size);
		if (v == DPN_DENSE)
			for (uint32_t i = 0; i < nl; i++)
				memcpy(job[v].slot[CSA_MODEL_SLOT_MODEL] + dense_off[i],
				       dblob[i], dsize[i]);
		net_input((int8_t *)job[v].slot[CSA_MODEL_SLOT_INPUT],
			  size[CSA_MODEL_SLOT_INPUT]);
		for (uint32_t i = 0; i < plan.num_ops; i++) {
			struct csa_prog_op *op = &ops[i];
			uint32_t li = plan.op_layer[i];

			csa_prog_op_decode(op, (uint8_t *)prog + CSA_PROG_HDR_SIZE +
					   i * CSA_PROG_OP_SIZE);
			if (v == DPN_SPARSE_SPARSE)
				continue;
			/* dense activations: the k-WTA writes over its input */
			if (op->opcode == CSA_PROG_OP_KWTA &&
			    op->flags & CSA_PROG_F_DST_SPARSE) {
				op->flags &= ~CSA_PROG_F_DST_SPARSE;
				sparse_dst = op->dst;
				dense_for = op->src;
				op->dst = op->src;
			}
			if (op->flags & CSA_PROG_F_SRC_SPARSE &&
			    op->src == sparse_dst) {
				op->flags &= ~CSA_PROG_F_SRC_SPARSE;
				op->src = dense_for;
			}
			/* every input visited, zeros included, on the card too */
			if (op->opcode == CSA_PROG_OP_LINEAR ||
			    op->opcode == CSA_PROG_OP_CONV2D)
				op->flags |= CSA_PROG_F_NO_SKIP;
			if (v != DPN_DENSE || li >= nl)
				continue;
			if (op->opcode == CSA_PROG_OP_LINEAR ||
			    op->opcode == CSA_PROG_OP_CONV2D)
				op->param = CSA_OPERAND(CSA_MODEL_SLOT_MODEL,
							dense_off[li]);
			else if (op->opcode == CSA_PROG_OP_KWTA &&
				 op->flags & CSA_PROG_F_BOOST)
				op->param = CSA_OPERAND(CSA_MODEL_SLOT_MODEL,
							dense_off[li] + dense_boost[li]);
		}
		put_prog(&job[v], ops, plan.num_ops);
		job[v].out_len = plan.output_size;
		job[v].status_off = plan.status_off;
		job[v].max_k = v == DPN_DENSE ? 1 : max_k;
	}
	ret = 0;
out:
	if (ret)
		for (int v = 0; v < DPN_NVAR; v++)
			dpn_job_free(&job[v]);
	for (uint32_t i = 0; i < nl; i++)
		free(dblob[i]);
	free(ops);
	free(prog);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * csa-info: list the CSA cards of this system and their properties.
 * Exit status: 0 all shown cards were queried, 1 no card or a card failed,
 * 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa-info.h"
#include "../version.h"

enum { EXIT_NO_CARD = 1, EXIT_USAGE = 2 };

static const char *prog = "csa-info";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-j|--json] [-d|--device INDEX|PATH]\n"
		"  or:  %s --cdi [--cdi-kind VENDOR/CLASS] [--cdi-libdir DIR]\n"
		"List the CSA accelerator cards and their properties.\n"
		"\n"
		"  -d, --device INDEX|PATH  only this card: its index in the list\n"
		"                           or the path of its DRM node\n"
		"  -j, --json               machine-readable JSON on stdout\n"
		"      --cdi                a CDI spec of the cards on stdout, for container\n"
		"                           engines (/etc/cdi/csa.json; docs/containers.md)\n"
		"      --cdi-kind VENDOR/CLASS  its kind (default " CSA_CDI_KIND ")\n"
		"      --cdi-libdir DIR     where the host's libcsa is (default " CSA_LIBDIR ")\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"Exit status: 0 success, 1 no card found or a card could not be\n"
		"queried, 2 usage error.\n", prog, prog);
}

struct report {
	bool json;
	struct json j;
	int failures;
};

/* Opens, queries and prints one card; index < 0: opened by path only. */
static void report_card(struct report *r, int index, const char *path)
{
	struct card_extra extra = { 0 };
	struct csa_device *dev;
	struct csa_info info;
	int ret;

	ret = csa_open_path(path, &dev);
	if (!ret) {
		ret = csa_query(dev, &info);
		if (!ret)
			ret = csa_query_limits(dev, &extra.limits);
		/* a uapi 1.0 driver has no limits: not an error */
		extra.has_limits = !ret;
		if (ret == -EOPNOTSUPP)
			ret = 0;
		extra.numa_placement = csa_numa_node(dev);
		csa_close(dev);
	}
	if (ret) {
		r->failures++;
		fprintf(stderr, "%s: %s\n", prog, csa_last_error());
		if (r->json)
			print_card_error_json(&r->j, index, path, csa_last_error());
		else
			print_card_error_text(stdout, index, path, csa_last_error());
		return;
	}
	if (r->json)
		print_card_json(&r->j, index, &info, &extra);
	else
		print_card_text(stdout, index, &info, &extra);
}

/* The cards in csa_enumerate() order; returns their number or -1. */
static int list_cards(struct csa_card **cardsp)
{
	struct csa_card *cards;
	int n, found;

	*cardsp = NULL;
	n = csa_enumerate(NULL, 0);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	cards = calloc(n, sizeof(*cards));
	if (!cards) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	found = csa_enumerate(cards, n);
	if (found < 0) {
		free(cards);
		return -1;
	}
	*cardsp = cards;
	return found < n ? found : n;	/* cards may come and go meanwhile */
}

/* --cdi: the spec of every card on stdout, nothing if one fails. */
static int write_cdi(const char *kind, const char *libdir, bool other_options)
{
	char libs[2][4096];
	const char *lib_ptrs[2] = { libs[0], libs[1] };
	struct cdi_card *c;
	struct csa_card *cards;
	int n, nlibs, ret;

	if (other_options) {
		fprintf(stderr, "%s: --cdi describes every card, in JSON: no --json or --device\n",
			prog);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cdi_kind_valid(kind)) {
		fprintf(stderr, "%s: --cdi-kind \"%s\" is not a CDI vendor/class\n", prog, kind);
		return EXIT_USAGE;
	}
	n = list_cards(&cards);
	if (n <= 0) {
		fprintf(stderr, "%s: %s\n", prog, n ? csa_last_error() : "no CSA card found");
		return EXIT_NO_CARD;
	}
	c = calloc(n, sizeof(*c));
	if (!c) {
		free(cards);
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_NO_CARD;
	}
	for (int i = 0; i < n; i++) {
		ret = cdi_card_from(&c[i], i, cards[i].render_node, cards[i].pci_address, "/sys");
		if (ret) {
			fprintf(stderr, "%s: %s (%s): %s\n", prog, cards[i].render_node,
				cards[i].pci_address, strerror(-ret));
			free(c);
			free(cards);
			return EXIT_NO_CARD;
		}
	}
	nlibs = cdi_library_mounts(libdir, libs);
	if (!nlibs)
		fprintf(stderr, "%s: no libcsa.so.%d in %s: the spec mounts no library\n",
			prog, CSA_VERSION_MAJOR, libdir);
	print_cdi(stdout, kind, c, n, lib_ptrs, nlibs);
	free(c);
	free(cards);
	return 0;
}

/* Returns the index for an all-digits argument, -1 for a path, -2 if huge. */
static int parse_index(const char *arg)
{
	char *end;
	long val;

	if (!*arg || strspn(arg, "0123456789") != strlen(arg))
		return -1;
	errno = 0;
	val = strtol(arg, &end, 10);
	if (errno || val > 1000000)
		return -2;
	return (int)val;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "cdi", no_argument, NULL, 'C' },
		{ "cdi-kind", required_argument, NULL, 'K' },
		{ "cdi-libdir", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct csa_card *cards = NULL;
	struct report r = { 0 };
	const char *device = NULL, *cdi_kind = CSA_CDI_KIND, *cdi_libdir = CSA_LIBDIR;
	bool cdi = false;
	int opt, n, i, index = -1;

	while ((opt = getopt_long(argc, argv, "d:jhV", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
		case 'j':
			r.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return csa_tool_version(prog);
		case 'C':
			cdi = true;
			break;
		case 'K':
			cdi_kind = optarg;
			break;
		case 'L':
			cdi_libdir = optarg;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", prog,
			argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cdi)
		return write_cdi(cdi_kind, cdi_libdir, r.json || device);
	if (device) {
		index = parse_index(device);
		if (index == -2) {
			fprintf(stderr, "%s: card index %s is out of range\n",
				prog, device);
			return EXIT_USAGE;
		}
	}

	if (r.json)
		print_json_begin(&r.j, stdout);
	if (device && index < 0) {
		report_card(&r, -1, device);
		goto out;
	}

	n = list_cards(&cards);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", prog, csa_last_error());
		r.failures++;
	} else if (device && index >= n) {
		fprintf(stderr, "%s: no CSA card with index %d (%d found)\n",
			prog, index, n);
		r.failures++;
	} else if (n == 0) {
		fprintf(stderr, "%s: no CSA card found (is csa.ko loaded and the "
			"card's node under /dev/accel or /dev/dri?)\n", prog);
		r.failures++;
	} else if (device) {
		report_card(&r, index, cards[index].render_node);
	} else {
		for (i = 0; i < n; i++) {
			if (i && !r.json)
				fputc('\n', stdout);
			report_card(&r, i, cards[i].render_node);
		}
	}
	free(cards);
out:
	/* Even without cards --json prints a valid (empty) document. */
	if (r.json)
		print_json_end(&r.j);
	return r.failures ? EXIT_NO_CARD : 0;
}

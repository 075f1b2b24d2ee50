// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * csa-mkfw: build a CSA firmware image (header per csa_hw.h + payload), or
 * verify one.
 *
 * On the FPGA the payload is the soft-core program.  The virtual card runs
 * the firmware/ code compiled into QEMU, so its payload is a build-info
 * record (docs/hardware.md, "Firmware image"):
 *   "CSA-BUILD-INFO 1\nname=<name>\nversion=<X.Y.Z>\nbuild_id=<hex>\n"
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa_fw_image.h"
#include "../tools/version.h"

#define MAX_FIELD 128

struct mkfw_opts {
	const char *out;
	const char *check;
	const char *name;
	const char *build_id;
	uint32_t fw_version;
	uint32_t abi;
	int corrupt_payload;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: csa-mkfw -o OUT [--fw-version X.Y.Z] [--abi N] [--name NAME]\n"
		"                [--build-id HEX] [--corrupt-payload]\n"
		"       csa-mkfw --check IMAGE [--abi N]\n"
		"\n"
		"  -o, --output OUT     write the image to OUT\n"
		"  --fw-version X.Y.Z   firmware version (default 1.0.0; X <= 65535, Y,Z <= 255)\n"
		"  --abi N              firmware ABI version (default %u)\n"
		"  --name NAME          firmware name in the build-info payload (default csa-vcard)\n"
		"  --build-id HEX       build id in the payload, e.g. a hash of the sources\n"
		"  --corrupt-payload    test helper: flip a payload byte after the CRC\n"
		"  --check IMAGE        verify IMAGE for a card accepting --abi, print its header\n"
		"  -h, --help, --version\n",
		CSA_FW_ABI_VERSION);
}

/* Strict unsigned decimal: digits only, no sign, value <= max. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

static int parse_version(const char *s, uint32_t *out)
{
	char buf[32], *minor, *patch;
	unsigned long x, y, z;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	minor = strchr(buf, '.');
	if (!minor)
		return -1;
	*minor++ = '\0';
	patch = strchr(minor, '.');
	if (!patch)
		return -1;
	*patch++ = '\0';
	if (parse_uint(buf, 0xffff, &x) || parse_uint(minor, 0xff, &y) ||
	    parse_uint(patch, 0xff, &z))
		return -1;
	*out = (uint32_t)(x << 16 | y << 8 | z);
	return 0;
}

/* Payload fields end up in a line-based record: keep them printable. */
static int valid_field(const char *s, int hex_only)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_FIELD)
		return 0;
	for (; *s; s++) {
		if (hex_only ? !strchr("0123456789abcdef", *s)
			     : (*s <= ' ' || *s > '~'))
			return 0;
	}
	return 1;
}

static int write_image(const struct mkfw_opts *o)
{
	char payload[4 * MAX_FIELD];
	uint8_t header[CSA_FW_HEADER_SIZE];
	int len;
	FILE *f;

	len = snprintf(payload, sizeof(payload),
		       "CSA-BUILD-INFO 1\nname=%s\nversion=%u.%u.%u\nbuild_id=%s\n",
		       o->name, o->fw_version >> 16, (o->fw_version >> 8) & 0xff,
		       o->fw_version & 0xff, o->build_id);
	if (len < 0 || (size_t)len >= sizeof(payload)) {
		fprintf(stderr, "csa-mkfw: build-info record too long\n");
		return 1;
	}
	csa_fw_header_write(header, o->fw_version, o->abi, payload,
			    (uint32_t)len);
	if (o->corrupt_payload)
		payload[len / 2] ^= 0x01;	/* after the CRC was computed */

	f = fopen(o->out, "wb");
	if (!f) {
		fprintf(stderr, "csa-mkfw: %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	if (fwrite(header, sizeof(header), 1, f) != 1 ||
	    fwrite(payload, (size_t)len, 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "csa-mkfw: %s: write failed: %s\n", o->out,
			strerror(errno));
		remove(o->out);
		return 1;
	}
	return 0;
}

static int check_image(const char *path, uint32_t abi)
{
	static uint8_t img[CSA_FW_MAX_SIZE + 1];
	struct csa_fw_image_info info;
	size_t len;
	FILE *f;
	int err;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "csa-mkfw: %s: %s\n", path, strerror(errno));
		return 1;
	}
	len = fread(img, 1, sizeof(img), f);
	if (ferror(f)) {
		fprintf(stderr, "csa-mkfw: %s: read failed\n", path);
		fclose(f);
		return 1;
	}
	fclose(f);

	err = csa_fw_image_check(img, len, abi, &info);
	if (err != CSA_FW_ERR_NONE) {
		fprintf(stderr,
			"csa-mkfw: %s: invalid image: %s (error %d; %zu bytes, image ABI %u, card ABI %u)\n",
			path, csa_fw_err_name(err), err, len, info.abi_version,
			abi);
		return 1;
	}
	printf("%s: ok: firmware %u.%u.%u, ABI %u, payload %u bytes, crc32 0x%08x\n",
	       path, info.fw_version >> 16, (info.fw_version >> 8) & 0xff,
	       info.fw_version & 0xff, info.abi_version, info.payload_size,
	       info.payload_crc32);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "fw-version", required_argument, NULL, 'V' },
		{ "abi", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "build-id", required_argument, NULL, 'b' },
		{ "corrupt-payload", no_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct mkfw_opts o = {
		.name = "csa-vcard",
		.build_id = "0",
		.fw_version = 1 << 16,
		.abi = CSA_FW_ABI_VERSION,
	};
	unsigned long abi;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case 'V':
			if (parse_version(optarg, &o.fw_version)) {
				fprintf(stderr,
					"csa-mkfw: --fw-version '%s': expected X.Y.Z with X <= 65535, Y and Z <= 255\n",
					optarg);
				return 2;
			}
			break;
		case 'a':
			if (parse_uint(optarg, 0xffffffffUL, &abi)) {
				fprintf(stderr,
					"csa-mkfw: --abi '%s': expected a 32-bit unsigned number\n",
					optarg);
				return 2;
			}
			o.abi = (uint32_t)abi;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'b':
			o.build_id = optarg;
			break;
		case 'c':
			o.corrupt_payload = 1;
			break;
		case 'C':
			o.check = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			return csa_tool_version("csa-mkfw");
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "csa-mkfw: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o.check) {
		if (o.out || o.corrupt_payload) {
			fprintf(stderr, "csa-mkfw: --check takes only --abi\n");
			return 2;
		}
		return check_image(o.check, o.abi);
	}
	if (!o.out) {
		fprintf(stderr, "csa-mkfw: missing -o OUT\n");
		usage(stderr);
		return 2;
	}
	if (!valid_field(o.name, 0)) {
		fprintf(stderr,
			"csa-mkfw: --name: 1..%d printable characters without spaces\n",
			MAX_FIELD);
		return 2;
	}
	if (!valid_field(o.build_id, 1)) {
		fprintf(stderr,
			"csa-mkfw: --build-id: 1..%d lowercase hex digits\n",
			MAX_FIELD);
		return 2;
	}
	return write_image(&o);
}

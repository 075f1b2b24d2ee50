// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Helpers for the CSA VM suites; see csa_vm.h. */
#include "csa_vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xf86drm.h>

#include "csa_drm.h"
#include "csa_hw.h"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

const char *csa_vm_ko_path(void)
{
	return env_or("CSA_KO", "/lib/modules/csa/csa.ko");
}

const char *csa_vm_fw_dir(void)
{
	return env_or("CSA_FW_DIR", "/lib/firmware/csa");
}

const char *csa_vm_fw_test_dir(void)
{
	return env_or("CSA_FW_TEST_DIR", "/lib/firmware-test");
}

/*
 * serial=auto: the model's serial for a card whose serial property is 0,
 * derived from the PCI identity and the card's bus/devfn (csa_card.c).
 */
static int auto_serial(const struct csa_vm_card *c, uint64_t *serial)
{
	unsigned int domain, bus, slot, func;

	if (sscanf(c->addr, "%x:%x:%x.%x", &domain, &bus, &slot, &func) != 4)
		return -EINVAL;
	*serial = (uint64_t)CSA_PCI_VENDOR_ID << 48 |
		  (uint64_t)CSA_PCI_DEVICE_ID << 32 | bus << 8 | slot << 3 | func;
	return 0;
}

static int set_prop(struct csa_vm_card *c, const char *key, const char *val)
{
	static const struct {
		const char *key;
		size_t off;
	} props[] = {
		{ "queues", offsetof(struct csa_vm_card, queues) },
		{ "lanes", offsetof(struct csa_vm_card, lanes) },
		{ "max-k", offsetof(struct csa_vm_card, max_k) },
		{ "max-dim", offsetof(struct csa_vm_card, max_dim) },
		{ "max-tensor", offsetof(struct csa_vm_card, max_tensor) },
		{ "clock-khz", offsetof(struct csa_vm_card, clock_khz) },
		{ "serial", offsetof(struct csa_vm_card, serial) },
	};
	char *end;

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		if (strcmp(key, props[i].key))
			continue;
		if (!strcmp(key, "serial") && !strcmp(val, "auto"))
			return auto_serial(c, &c->serial);
		errno = 0;
		*(uint64_t *)((char *)c + props[i].off) = strtoull(val, &end, 0);
		return errno || *end ? -EINVAL : 0;
	}
	return 0;	/* properties the tests do not check (fw-abi, ...) */
}

int csa_vm_cards(struct csa_vm_card *cards, size_t max)
{
	const char *path = env_or("CSA_CARDS_FILE", "/etc/csa-vm/cards");
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && (size_t)n < max) {
		struct csa_vm_card *c = &cards[n];
		char *save, *tok = strtok_r(line, " \t\n", &save);

		if (!tok)
			continue;
		memset(c, 0, sizeof(*c));
		snprintf(c->addr, sizeof(c->addr), "%s", tok);
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			char *eq = strchr(tok, '=');

			if (!eq || set_prop(c, (*eq = 0, tok), eq + 1)) {
				fclose(f);
				return -EINVAL;
			}
		}
		n++;
	}
	fclose(f);
	return n;
}

int csa_vm_render_node(const char *addr, char *path, size_t len)
{
	char dir[128];
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/drm", addr);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "renderD", 7)) {
			snprintf(path, len, "/dev/dri/%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

int csa_vm_open_render(const char *addr)
{
	char path[CSA_VM_PATH_LEN];
	int ret = csa_vm_render_node(addr, path, sizeof(path));

	if (ret)
		return ret;
	ret = open(path, O_RDWR | O_CLOEXEC);
	return ret < 0 ? -errno : ret;
}

int csa_vm_bound(const char *addr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/csa/%s", addr);
	return access(path, F_OK) == 0;
}

int csa_vm_msi_irqs(const char *addr)
{
	char dir[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/msi_irqs", addr);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int csa_vm_read_u64(const char *path, uint64_t *value)
{
	char buf[64], *end;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return len < 0 ? -errno : -ENODATA;
	buf[len] = 0;
	errno = 0;
	*value = strtoull(buf, &end, 0);
	return errno || (*end && *end != '\n') ? -EINVAL : 0;
}

int csa_vm_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t ret;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ret = write(fd, text, len);
	ret = ret < 0 ? -errno : (size_t)ret == len ? 0 : -EIO;
	close(fd);
	return (int)ret;
}

int csa_vm_get_param(int fd, uint32_t param, uint32_t flags, uint64_t reserved,
		     uint64_t *value)
{
	struct drm_csa_get_param gp = {
		.param = param,
		.flags = flags,
		.reserved = reserved,
	};

	if (drmIoctl(fd, DRM_IOCTL_CSA_GET_PARAM, &gp))
		return -errno;
	*value = gp.value;
	return 0;
}

int csa_vm_load_module(void)
{
	int ret, fd = open(csa_vm_ko_path(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

int csa_vm_unload_module(void)
{
	return syscall(SYS_delete_module, "csa", O_NONBLOCK) ? -errno : 0;
}

int csa_vm_copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int ret = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			ret = -EIO;
			break;
		}
	}
	if (n < 0)
		ret = -errno;
	if (close(out) && !ret)
		ret = -errno;
	close(in);
	return ret;
}

int csa_vm_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int csa_vm_kmsg_read(int fd, char *buf, size_t len)
{
	char rec[2048];
	size_t used = 0;

	buf[0] = 0;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *semi, *text, *nl;
		unsigned int prio;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip ahead */
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		rec[n] = 0;
		/* "prio,seq,usec,flags;text\n" plus continuation lines */
		semi = strchr(rec, ';');
		if (!semi || sscanf(rec, "%u", &prio) != 1)
			continue;
		text = semi + 1;
		nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		if (used + strlen(text) + 8 < len)
			used += snprintf(buf + used, len - used, "%u %s\n",
					 prio & 7, text);
	}
}

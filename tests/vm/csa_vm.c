// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Helpers for the CSA VM suites; see csa_vm.h. */
#include "csa_vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/sync_file.h>

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

const char *csa_vm_data_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", env_or("CSA_DATA_DIR", "/opt/csa/data"), name);
	return buf;
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

	if (!strcmp(key, "numa-node")) {
		errno = 0;
		c->numa_node = (int)strtol(val, &end, 0);
		return errno || *end ? -EINVAL : 0;
	}
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
		c->numa_node = -2;
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

/* First entry of @dir whose name starts with @prefix, into @name. */
static int find_entry(const char *dir, const char *prefix, char *name,
		      size_t len)
{
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			snprintf(name, len, "%.63s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* The driver registers an accel node where the kernel has CONFIG_DRM_ACCEL. */
int csa_vm_render_node(const char *addr, char *path, size_t len)
{
	char dir[128], name[64];

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/accel", addr);
	if (!find_entry(dir, "accel", name, sizeof(name))) {
		snprintf(path, len, "/dev/accel/%s", name);
		return 0;
	}
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/drm", addr);
	if (find_entry(dir, "renderD", name, sizeof(name)))
		return access(dir, F_OK) ? -errno : -ENOENT;
	snprintf(path, len, "/dev/dri/%s", name);
	return 0;
}

int csa_vm_is_accel(const char *addr)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/accel", addr);
	return access(dir, F_OK) == 0;
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

int csa_vm_load_module_params(const char *params)
{
	int ret, fd = open(csa_vm_ko_path(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

volatile uint32_t *csa_vm_map_regs(const char *addr)
{
	char path[96];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", addr);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, CSA_BAR_REGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int csa_vm_reload_module(const char *params)
{
	int ret = csa_vm_unload_module();

	if (ret && ret != -ENOENT)
		return ret;
	return csa_vm_load_module_params(params);
}

int csa_vm_load_module(void)
{
	return csa_vm_load_module_params("");
}

int csa_vm_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	const uint32_t bit = 1u << (cap % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~bit;
	data[cap / 32].permitted &= ~bit;
	data[cap / 32].inheritable &= ~bit;
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
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

/* Data plane: queues, jobs, fences. */

int csa_vm_bo_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_csa_bo_create bc = { .size = size };

	if (drmIoctl(fd, DRM_IOCTL_CSA_BO_CREATE, &bc))
		return -errno;
	*handle = bc.handle;
	return 0;
}

void *csa_vm_bo_map(int fd, uint32_t handle, uint64_t size)
{
	struct drm_csa_bo_info bi = { .handle = handle };
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)bi.mmap_offset);
	return p == MAP_FAILED ? NULL : p;
}

int csa_vm_bo_userptr(int fd, void *ptr, uint64_t size, uint32_t flags,
		      uint32_t *handle)
{
	struct drm_csa_bo_userptr up = {
		.user_ptr = (uintptr_t)ptr,
		.size = size,
		.flags = flags,
	};

	if (drmIoctl(fd, DRM_IOCTL_CSA_BO_USERPTR, &up))
		return -errno;
	*handle = up.handle;
	return 0;
}

int csa_vm_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	return drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &gc) ? -errno : 0;
}

int csa_vm_queue_create(int fd, uint32_t hw_queue, uint32_t priority,
			uint32_t *queue_id)
{
	struct drm_csa_queue_create qc = {
		.hw_queue = hw_queue,
		.priority = priority,
	};

	if (drmIoctl(fd, DRM_IOCTL_CSA_QUEUE_CREATE, &qc))
		return -errno;
	*queue_id = qc.queue_id;
	return 0;
}

int csa_vm_queue_destroy(int fd, uint32_t queue_id)
{
	struct drm_csa_queue_destroy qd = { .queue_id = queue_id };

	return drmIoctl(fd, DRM_IOCTL_CSA_QUEUE_DESTROY, &qd) ? -errno : 0;
}

int csa_vm_submit(int fd, struct drm_csa_submit *args)
{
	return drmIoctl(fd, DRM_IOCTL_CSA_SUBMIT, args) ? -errno : 0;
}

struct drm_csa_cmd csa_vm_cmd_write_value(uint64_t offset, uint64_t value)
{
	return (struct drm_csa_cmd){
		.opcode = CSA_OP_WRITE_VALUE,
		.dst_offset = offset,
		.value = value,
	};
}

int csa_vm_job_after(int fd, uint32_t queue_id, const struct drm_csa_cmd *cmd,
		     const struct drm_csa_bind *binds, uint32_t nbinds,
		     uint32_t in_syncobj, uint32_t out_syncobj)
{
	struct drm_csa_sync in = { .handle = in_syncobj };
	struct drm_csa_sync out = { .handle = out_syncobj };
	struct drm_csa_submit args = {
		.queue_id = queue_id,
		.binds = (uintptr_t)binds,
		.num_binds = nbinds,
		.in_syncs = (uintptr_t)&in,
		.num_in_syncs = in_syncobj ? 1 : 0,
		.out_syncs = (uintptr_t)&out,
		.num_out_syncs = out_syncobj ? 1 : 0,
		.cmd = *cmd,
	};

	return csa_vm_submit(fd, &args);
}

int csa_vm_job(int fd, uint32_t queue_id, const struct drm_csa_cmd *cmd,
	       const struct drm_csa_bind *binds, uint32_t nbinds,
	       uint32_t out_syncobj)
{
	return csa_vm_job_after(fd, queue_id, cmd, binds, nbinds, 0, out_syncobj);
}

int csa_vm_syncobj_create(int fd, uint32_t *handle)
{
	return drmSyncobjCreate(fd, 0, handle) ? -errno : 0;
}

int csa_vm_syncobj_destroy(int fd, uint32_t handle)
{
	return drmSyncobjDestroy(fd, handle) ? -errno : 0;
}

int64_t csa_vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int csa_vm_syncobj_wait(int fd, uint32_t handle, int64_t timeout_ms)
{
	int64_t deadline = csa_vm_now_ns() + timeout_ms * 1000000;

	return drmSyncobjWait(fd, &handle, 1, deadline, 0, NULL) ? -errno : 0;
}

int csa_vm_fence_status(int fd, uint32_t syncobj, int *status)
{
	struct sync_file_info info;
	int sync_fd, ret = 0;

	if (drmSyncobjExportSyncFile(fd, syncobj, &sync_fd))
		return -errno;
	memset(&info, 0, sizeof(info));
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info))
		ret = -errno;
	else
		*status = info.status;
	close(sync_fd);
	return ret;
}

int csa_vm_job_result(int fd, uint32_t syncobj, int64_t timeout_ms)
{
	int ret, status;

	ret = csa_vm_syncobj_wait(fd, syncobj, timeout_ms);
	if (ret)
		return ret == -ETIME ? -ETIME : ret;
	ret = csa_vm_fence_status(fd, syncobj, &status);
	if (ret)
		return ret;
	return status == 1 ? 0 : status;
}

int csa_vm_debugfs_path(const char *addr, const char *name, char *path,
			size_t len)
{
	char dir[128], card[64];
	int ret;

	/* accel devices: a directory per device, named by the PCI address */
	if (csa_vm_is_accel(addr)) {
		snprintf(path, len, "/sys/kernel/debug/accel/%s/%s", addr, name);
		return 0;
	}
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/drm", addr);
	ret = find_entry(dir, "card", card, sizeof(card));
	if (ret)
		return ret;
	snprintf(path, len, "/sys/kernel/debug/dri/%d/%s", atoi(card + 4), name);
	return 0;
}

/* Read debugfs file @name of card @addr into @buf. */
static int read_debugfs(const char *addr, const char *name, char *buf, size_t size)
{
	char path[192];
	ssize_t len;
	int fd, ret;

	ret = csa_vm_debugfs_path(addr, name, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0)
		return len < 0 ? -errno : -ENODATA;
	buf[len] = 0;
	return 0;
}

int csa_vm_debugfs_bos(const char *addr, uint64_t *count)
{
	char buf[128];
	int ret = read_debugfs(addr, "csa_bos", buf, sizeof(buf));

	if (ret)
		return ret;
	if (sscanf(buf, "count %" SCNu64, count) != 1)
		return -EINVAL;
	return 0;
}

int csa_vm_debugfs_busy_queues(const char *addr, uint32_t *mask)
{
	char buf[1024], *line;
	unsigned int q, inflight, busy, dead;
	int ret = read_debugfs(addr, "csa_queues", buf, sizeof(buf));

	if (ret)
		return ret;
	*mask = 0;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "queue %u inflight %u busy %u dead %u", &q, &inflight,
			   &busy, &dead) != 4)
			return -EINVAL;
		if (busy && q < 32)
			*mask |= 1u << q;
	}
	return 0;
}

uint64_t csa_vm_debugfs_bos_settle(const char *addr, uint64_t baseline,
				   int timeout_ms)
{
	uint64_t count = ~0ull;

	for (int i = 0; i <= timeout_ms / 10; i++) {
		if (csa_vm_debugfs_bos(addr, &count) == 0 && count == baseline)
			break;
		usleep(10000);
	}
	return count;
}

int csa_vm_open_first(char *addr)
{
	struct csa_vm_card cards[CSA_VM_MAX_CARDS];
	int n = csa_vm_cards(cards, CSA_VM_MAX_CARDS);

	if (n < 0)
		return n;
	if (!n)
		return -ENODEV;
	if (addr)
		snprintf(addr, CSA_VM_ADDR_LEN, "%s", cards[0].addr);
	return csa_vm_open_render(cards[0].addr);
}

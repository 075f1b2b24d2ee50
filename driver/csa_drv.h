/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CSA accelerator driver: shared device state.  See docs/driver.md.
 */
#ifndef CSA_DRV_H
#define CSA_DRV_H

#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include <drm/drm_device.h>

#include "csa_compat.h"
#include "csa_hw.h"

struct csa_hw_queue;
struct dma_pool;
struct drm_file;
struct drm_gem_object;
struct drm_minor;
struct seq_file;

/* Card identity and capabilities, read once at probe time. */
struct csa_caps {
	u32 hw_version;		/* major << 16 | minor */
	u32 num_queues;
	u32 dp_lanes;
	u32 max_k;
	u32 max_dim;
	u32 max_tensor;
	u32 clock_khz;
	u64 serial;
	u32 fw_version;		/* of the running firmware */
	u32 fw_abi;		/* of the running firmware */
};

/* A DMA mapping or allocation released at the latest at unbind (csa_dma.c). */
struct csa_dma_res {
	struct list_head node;
	void (*release)(struct csa_dma_res *res);
};

/*
 * The `debug` module parameter: categories of dev_dbg() messages, with a
 * "[CATEGORY]" prefix, as ivpu's dbg_mask (docs/driver.md, "Tracing and
 * debug output").  Writable at runtime: /sys/module/csa/parameters/debug;
 * with dynamic debug, csa's dev_dbg() sites must be enabled as well
 * (/proc/dynamic_debug/control, or the dyndbg module parameter).
 */
#define CSA_DBG_JOB	BIT(0)	/* submit, run, completion of jobs */
#define CSA_DBG_RESET	BIT(1)	/* job timeouts, queue and device resets */
#define CSA_DBG_BO	BIT(2)	/* buffer objects created and freed */
#define CSA_DBG_FW	BIT(3)	/* firmware load and handshake */
extern unsigned int csa_debug;

#define csa_dbg(dev, cat, fmt, ...)					\
	do {								\
		if (unlikely(READ_ONCE(csa_debug) & CSA_DBG_##cat))	\
			dev_dbg(dev, "[" #cat "] " fmt, ##__VA_ARGS__);	\
	} while (0)

struct csa_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0 */
	struct csa_caps caps;
	u32 irq_mask;			/* CSA_IRQ_* currently enabled */
	u64 features;			/* DRM_CSA_FEATURE_* the driver offers */
	u64 max_bo_size;		/* DRM_CSA_PARAM_MAX_BO_SIZE */
	atomic_t bo_count;		/* live BOs, debugfs csa_bos (csa_gem.c) */
	atomic64_t bo_bytes;		/* their total size */
	u32 job_timeout_ms;		/* DRM_CSA_PARAM_JOB_TIMEOUT_MS */
	struct csa_hw_queue *queues;	/* num_hw_queues, csa_sched.c */
	unsigned int num_hw_queues;	/* 0 until csa_queues_init() */
	struct completion fw_done;	/* signalled by the CSA_IRQ_FW interrupt */
	struct mutex reset_lock;	/* device stop/restart, csa_reset.c */
	struct work_struct recover_work; /* fatal card error -> csa_recover() */
	bool stopped;			/* queues stopped for a reset (reset_lock) */
	unsigned int resets;		/* full-device resets so far (sysfs) */
	struct dma_pool *bind_pool;	/* jobs' bind tables (csa_job.c) */
	struct mutex dma_lock;		/* dma_list, dma_gone (csa_dma.c) */
	struct list_head dma_list;	/* live struct csa_dma_res */
	bool dma_gone;			/* unbound: no new DMA resources */
};

static inline struct csa_device *to_csa(struct drm_device *drm)
{
	return container_of(drm, struct csa_device, drm);
}

static inline u32 csa_read(struct csa_device *csa, u32 reg)
{
	return readl(csa->regs + reg);
}

static inline void csa_write(struct csa_device *csa, u32 reg, u32 val)
{
	writel(val, csa->regs + reg);
}

/* csa_hw.c */
int csa_hw_identify(struct csa_device *csa);
void csa_hw_reset(struct csa_device *csa);
void csa_hw_irq_enable(struct csa_device *csa, u32 mask);
void csa_hw_quiesce(struct csa_device *csa);
irqreturn_t csa_hw_irq_misc(int irq, void *arg);

/* csa_fw.c */
int csa_fw_load(struct csa_device *csa);

/* csa_dma.c: DMA resources released at the latest at unbind */
int csa_dma_setup(struct csa_device *csa, struct csa_dma_res *res,
		  int (*setup)(struct csa_dma_res *res),
		  void (*release)(struct csa_dma_res *res));
void csa_dma_release(struct csa_device *csa, struct csa_dma_res *res);
void csa_dma_release_all(struct csa_device *csa);

/* csa_reset.c: device recovery, PCI error handlers, system sleep */
void csa_reset_init(struct csa_device *csa);
void csa_reset_fini(struct csa_device *csa);
void csa_recover(struct csa_device *csa, const char *why);
extern const struct pci_error_handlers csa_pci_err_handler;
extern const struct dev_pm_ops csa_pm_ops;

/* csa_ioctl.c */
int csa_ioctl_get_param(struct drm_device *drm, void *data,
			struct drm_file *file);

/*
 * csa_gem.c: buffer objects (GEM shmem, userptr, PRIME), see docs/uapi.md.
 * csa_sched.c: hardware rings and schedulers; csa_queue.c: queue contexts
 * and per-file state; csa_job.c: submit.  Internals in csa_queue.h.
 */
void csa_gem_init(struct csa_device *csa);
struct drm_gem_object *csa_gem_create_object(struct drm_device *drm, size_t size);
int csa_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int csa_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
int csa_ioctl_bo_userptr(struct drm_device *drm, void *data, struct drm_file *file);
int csa_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file);
int csa_bos_show(struct seq_file *m, void *data);

int csa_queues_init(struct csa_device *csa);
void csa_queues_fini(struct csa_device *csa);
void csa_queues_stop(struct csa_device *csa, bool drain);
int csa_queues_show(struct seq_file *m, void *data);
void csa_queues_start(struct csa_device *csa, int fw_error);
int csa_file_open(struct drm_device *drm, struct drm_file *file);
void csa_file_postclose(struct drm_device *drm, struct drm_file *file);
int csa_ioctl_queue_create(struct drm_device *drm, void *data, struct drm_file *file);
int csa_ioctl_queue_destroy(struct drm_device *drm, void *data, struct drm_file *file);
int csa_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);

/* csa_sysfs.c */
extern const struct attribute_group *csa_sysfs_groups[];

#endif /* CSA_DRV_H */

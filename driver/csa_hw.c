// SPDX-License-Identifier: GPL-2.0
/*
 * CSA card register-level bring-up: identity and capability check, soft
 * reset, interrupt mask and the misc (firmware/error) interrupt.
 */
#include "csa_drv.h"

/* Interrupt sources routed to the misc MSI-X vector. */
#define CSA_IRQ_MISC_SOURCES	(CSA_IRQ_FW | CSA_IRQ_ERROR)

int csa_hw_identify(struct csa_device *csa)
{
	struct device *dev = &csa->pdev->dev;
	struct csa_caps *caps = &csa->caps;
	u32 id, major;

	id = csa_read(csa, CSA_REG_ID);
	if (id != CSA_ID_MAGIC) {
		dev_err(dev, "ID register reads 0x%08x, expected 0x%08x: not a CSA card\n",
			id, CSA_ID_MAGIC);
		return -ENODEV;
	}

	/* Minor revisions only add features; a new major breaks the contract. */
	caps->hw_version = csa_read(csa, CSA_REG_HW_VERSION);
	major = caps->hw_version >> 16;
	if (major != CSA_HW_VERSION_MAJOR) {
		dev_err(dev, "hardware version %u.%u not supported (driver supports %u.x)\n",
			major, caps->hw_version & 0xffff, CSA_HW_VERSION_MAJOR);
		return -ENODEV;
	}

	caps->num_queues = csa_read(csa, CSA_REG_NUM_QUEUES);
	if (caps->num_queues < 1 || caps->num_queues > CSA_MAX_QUEUES) {
		dev_err(dev, "card reports %u hardware queues, valid range is 1..%u\n",
			caps->num_queues, CSA_MAX_QUEUES);
		return -ENODEV;
	}

	caps->dp_lanes = csa_read(csa, CSA_REG_DP_LANES);
	caps->max_k = csa_read(csa, CSA_REG_MAX_K);
	caps->max_dim = csa_read(csa, CSA_REG_MAX_DIM);
	caps->max_tensor = csa_read(csa, CSA_REG_MAX_TENSOR);
	caps->clock_khz = csa_read(csa, CSA_REG_CLOCK_KHZ);
	caps->serial = (u64)csa_read(csa, CSA_REG_SERIAL_HI) << 32 |
		       csa_read(csa, CSA_REG_SERIAL_LO);
	return 0;
}

/* Soft reset: the card forgets its firmware and stops all DMA. */
void csa_hw_reset(struct csa_device *csa)
{
	csa_write(csa, CSA_REG_RESET, CSA_RESET_MAGIC);
}

/* Enable exactly @mask and drop anything that was pending before. */
void csa_hw_irq_enable(struct csa_device *csa, u32 mask)
{
	WRITE_ONCE(csa->irq_mask, mask);
	csa_write(csa, CSA_REG_IRQ_MASK, 0);
	csa_write(csa, CSA_REG_IRQ_STATUS, ~0u);
	csa_write(csa, CSA_REG_IRQ_MASK, mask);
}

/* Silence the card: no interrupts, no DMA.  Used on every way out. */
void csa_hw_quiesce(struct csa_device *csa)
{
	csa_hw_irq_enable(csa, 0);
	csa_hw_reset(csa);
}

irqreturn_t csa_hw_irq_misc(int irq, void *arg)
{
	struct csa_device *csa = arg;
	u32 pending;

	pending = csa_read(csa, CSA_REG_IRQ_STATUS);
	if (pending == ~0u)	/* card gone from the bus */
		return IRQ_NONE;
	pending &= READ_ONCE(csa->irq_mask) & CSA_IRQ_MISC_SOURCES;
	if (!pending)
		return IRQ_NONE;

	/* Write-1-to-clear, before acting, so a new event is not lost. */
	csa_write(csa, CSA_REG_IRQ_STATUS, pending);

	if (pending & CSA_IRQ_FW)
		complete(&csa->fw_done);
	/* Recovery sleeps (firmware reload): a work item does it. */
	if (pending & CSA_IRQ_ERROR)
		schedule_work(&csa->recover_work);
	return IRQ_HANDLED;
}

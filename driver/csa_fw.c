// SPDX-License-Identifier: GPL-2.0
/*
 * CSA firmware load: hand csa/csa-fw.bin to the card over DMA and wait for
 * its verdict.  The card verifies the image (magic, format, CRC, ABI); the
 * driver only refuses sizes it could never accept.
 */
#include <linux/dma-mapping.h>
#include <linux/firmware.h>
#include <linux/module.h>

#include "csa_drv.h"

#define CSA_FW_NAME		"csa/csa-fw.bin"
MODULE_FIRMWARE(CSA_FW_NAME);

/* Verification of a 1 MiB image takes milliseconds; TCG is ~50x slower. */
#define CSA_FW_TIMEOUT_MS	5000

/* Log the card's reason for refusing the image, as one line. */
static int csa_fw_report_error(struct csa_device *csa, const struct firmware *fw)
{
	struct device *dev = &csa->pdev->dev;
	u32 err = csa_read(csa, CSA_REG_FW_ERROR);
	const struct csa_fw_header *hdr;
	const char *why;

	switch (err) {
	case CSA_FW_ERR_SIZE:
		why = "image size invalid";
		break;
	case CSA_FW_ERR_MAGIC:
		why = "not a CSA firmware image (bad magic)";
		break;
	case CSA_FW_ERR_FORMAT:
		why = "unknown image format version";
		break;
	case CSA_FW_ERR_CRC:
		why = "payload CRC mismatch";
		break;
	case CSA_FW_ERR_ABI:
		/* fw->data is page aligned and at least a header long */
		hdr = (const struct csa_fw_header *)fw->data;
		dev_err(dev, "firmware %s rejected by card: firmware ABI %u not supported (card supports ABI %u)\n",
			CSA_FW_NAME, le32_to_cpu((__force __le32)hdr->abi_version),
			csa_read(csa, CSA_REG_FW_ABI_SUPPORTED));
		return -EINVAL;
	case CSA_FW_ERR_HEADER:
		why = "reserved header field not zero";
		break;
	case CSA_FW_ERR_DMA:
		dev_err(dev, "firmware %s rejected by card: image could not be read over DMA\n",
			CSA_FW_NAME);
		return -EIO;
	default:
		dev_err(dev, "firmware %s rejected by card: unknown error code %u\n",
			CSA_FW_NAME, err);
		return -EIO;
	}
	dev_err(dev, "firmware %s rejected by card: %s\n", CSA_FW_NAME, why);
	return -EINVAL;
}

/* Run the load handshake of csa_hw.h on an image already in DMA memory. */
static int csa_fw_handshake(struct csa_device *csa, const struct firmware *fw,
			    dma_addr_t dma)
{
	struct device *dev = &csa->pdev->dev;
	unsigned long left;
	u32 status;

	csa_hw_reset(csa);
	reinit_completion(&csa->fw_done);
	csa_hw_irq_enable(csa, CSA_IRQ_FW | CSA_IRQ_ERROR);

	csa_write(csa, CSA_REG_FW_ADDR_LO, lower_32_bits(dma));
	csa_write(csa, CSA_REG_FW_ADDR_HI, upper_32_bits(dma));
	csa_write(csa, CSA_REG_FW_SIZE, fw->size);
	csa_write(csa, CSA_REG_FW_CTRL, CSA_FW_CTRL_LOAD);

	left = wait_for_completion_timeout(&csa->fw_done,
					   msecs_to_jiffies(CSA_FW_TIMEOUT_MS));
	status = csa_read(csa, CSA_REG_FW_STATUS);
	if (!left) {
		dev_err(dev, "firmware %s: no completion interrupt within %u ms (FW_STATUS %u)\n",
			CSA_FW_NAME, CSA_FW_TIMEOUT_MS, status);
		return -ETIMEDOUT;
	}

	switch (status) {
	case CSA_FW_STATUS_READY:
		csa->caps.fw_version = csa_read(csa, CSA_REG_FW_VERSION);
		csa->caps.fw_abi = csa_read(csa, CSA_REG_FW_ABI);
		return 0;
	case CSA_FW_STATUS_FAILED:
		return csa_fw_report_error(csa, fw);
	default:
		dev_err(dev, "firmware %s: card signalled completion but FW_STATUS is %u\n",
			CSA_FW_NAME, status);
		return -EIO;
	}
}

int csa_fw_load(struct csa_device *csa)
{
	struct device *dev = &csa->pdev->dev;
	const struct firmware *fw;
	dma_addr_t dma;
	void *buf;
	int ret;

	/* _nowarn: the failure gets one line of our own below, not three. */
	ret = firmware_request_nowarn(&fw, CSA_FW_NAME, dev);
	if (ret) {
		dev_err(dev, "firmware %s %s (%d)\n", CSA_FW_NAME,
			ret == -ENOENT ? "not found" : "could not be read", ret);
		return ret;
	}

	if (fw->size < CSA_FW_HEADER_SIZE || fw->size > CSA_FW_MAX_SIZE) {
		dev_err(dev, "firmware %s rejected: size %zu bytes, must be %u..%u\n",
			CSA_FW_NAME, fw->size, CSA_FW_HEADER_SIZE, CSA_FW_MAX_SIZE);
		ret = -EINVAL;
		goto out_release;
	}

	buf = dma_alloc_coherent(dev, fw->size, &dma, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;	/* the allocator already logged the failure */
		goto out_release;
	}
	memcpy(buf, fw->data, fw->size);

	csa_dbg(dev, FW, "loading %s, %zu bytes\n", CSA_FW_NAME, fw->size);
	ret = csa_fw_handshake(csa, fw, dma);
	csa_dbg(dev, FW, "handshake: %d\n", ret);
	/* A card that failed or hung may still read the buffer: stop it first. */
	if (ret)
		csa_hw_quiesce(csa);
	dma_free_coherent(dev, fw->size, buf, dma);
out_release:
	release_firmware(fw);
	return ret;
}

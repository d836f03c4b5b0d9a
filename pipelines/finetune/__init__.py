"""LoRA fine-tuning on Ray Train: data, training step, precision check, driver."""

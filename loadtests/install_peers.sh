#!/usr/bin/env bash
# Install the peer systems the benchmarks compare against into their OWN virtual environment
# (never into the project's .venv: LiteLLM and llama-cpp-python pin their own versions of
# fastapi, pydantic, openai, ...):
#
#   - LiteLLM's proxy (litellm[proxy]) for bench_gateway.py;
#   - llama.cpp's OpenAI server (llama-cpp-python[server]), built from source, for bench_engine.py;
#   - packaged safety detectors whose model ships in the wheel and runs offline, for
#     bench_classifier_peers.py: jailguard (prompt injection; MIT OR Apache-2.0; an MLP in the
#     wheel on all-MiniLM-L6-v2 embeddings, whose ONNX file it would download: the benchmark
#     points JAILGUARD_MODEL_DIR at the project's own export instead) and alt-profanity-check
#     (offensive language; MIT; a scikit-learn model in the wheel, pins scikit-learn and joblib),
#     toolwall-guard (indirect prompt injection in tool outputs; Apache-2.0; its rule layers run
#     offline, its DeBERTa judge would come from the Hugging Face hub and is not used) and
#     prompt-guardrail (prompt injection; Apache-2.0; TF-IDF + logistic regression pickles in the
#     wheel, made with scikit-learn 1.7.2 and loaded here with the 1.9.1 alt-profanity-check pins).
#
# Usage:  bash loadtests/install_peers.sh            # venv at ./.venv-bench
#         BENCH_VENV=/work/bench-venv bash loadtests/install_peers.sh
#         PEERS=litellm bash loadtests/install_peers.sh   # only some of: litellm, llamacpp, classifiers
#         PRINT_LLAMA_CMAKE_ARGS=1 bash loadtests/install_peers.sh   # the llama.cpp build flags for this CPU
#
# FAISS (loadtests/bench_rag_scale.py) is a runtime dependency of the project (the RAG store's
# ANN index): it comes with the project's venv.
#
# llama-cpp-python is compiled from source (about 7 minutes on 2 cores, run at nice 19): its
# prebuilt wheels use AMX tile instructions that raise SIGILL in VMs that do not expose AMX.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_VENV="${BENCH_VENV:-.venv-bench}"
PYTHON="${PYTHON:-python3.11}"
PEERS="${PEERS:-litellm llamacpp}"
# Pinned. LiteLLM 1.82.7, 1.82.8 and 1.107.0 are reported as compromised uploads (missing from
# PyPI's version list); 1.81.13 predates them. Bump deliberately, after checking the release history.
LITELLM_VERSION="${LITELLM_VERSION:-1.81.13}"
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
JAILGUARD_VERSION="${JAILGUARD_VERSION:-0.1.2}"
ALT_PROFANITY_CHECK_VERSION="${ALT_PROFANITY_CHECK_VERSION:-1.9.1}"
TOOLWALL_GUARD_VERSION="${TOOLWALL_GUARD_VERSION:-0.4.0}"
PROMPT_GUARDRAIL_VERSION="${PROMPT_GUARDRAIL_VERSION:-1.0.1}"
# Never AMX (see DESIGN.md §4); AVX-512 only where this CPU has it: an AVX-512 build dies with
# SIGILL (exit -4) on a CPU without it (an AMD EPYC with AVX2 only, 2026-11-30).
CPUINFO="${CPUINFO:-/proc/cpuinfo}"
NO_AMX="-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
if grep -qw avx512f "$CPUINFO"; then
    DEFAULT_LLAMA_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON $NO_AMX"
else
    DEFAULT_LLAMA_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF $NO_AMX"
fi
LLAMA_CMAKE_ARGS="${LLAMA_CMAKE_ARGS:-$DEFAULT_LLAMA_ARGS}"
if [ "${PRINT_LLAMA_CMAKE_ARGS:-0}" = 1 ]; then
    echo "$LLAMA_CMAKE_ARGS"
    exit 0
fi

if [ ! -x "$BENCH_VENV/bin/python" ]; then
    "$PYTHON" -m venv "$BENCH_VENV"
fi
"$BENCH_VENV/bin/python" -m pip install --quiet --upgrade pip wheel

for peer in $PEERS; do
    case "$peer" in
    litellm)
        "$BENCH_VENV/bin/python" -m pip install "litellm[proxy]==${LITELLM_VERSION}"
        ;;
    llamacpp)
        CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
            nice -n 19 "$BENCH_VENV/bin/python" -m pip install --no-cache-dir --no-binary llama-cpp-python \
            "llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION}"
        ;;
    classifiers)
        "$BENCH_VENV/bin/python" -m pip install "jailguard==${JAILGUARD_VERSION}" \
            "alt-profanity-check==${ALT_PROFANITY_CHECK_VERSION}" "toolwall-guard==${TOOLWALL_GUARD_VERSION}" \
            "prompt-guardrail==${PROMPT_GUARDRAIL_VERSION}"
        ;;
    *)
        echo "unknown peer: $peer (expected litellm, llamacpp or classifiers)" >&2
        exit 2
        ;;
    esac
done

echo "peers installed in $BENCH_VENV:"
"$BENCH_VENV/bin/python" -m pip list 2>/dev/null | grep -iE '^(litellm|llama.cpp.python|jailguard|alt-profanity-check|toolwall-guard|prompt-guardrail) ' || true

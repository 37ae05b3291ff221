"""The networks: the model zoo (`ModelSpec` -> `keras.Model`), the quantile head and its loss, the Keras
training loop with its callbacks, data-parallel training, the backend's quiet start, and seed
ensembles (networks trained side by side, one model averaging them). Written against Keras 3 alone,
so every model runs on TensorFlow, JAX and PyTorch.

Public names load from their modules when first used (`tsrnn._lazy`).
"""
from __future__ import annotations

from tsrnn._lazy import lazy_exports

_EXPORTS = {
    "EmbeddingSpec": "zoo",
    "ModelSpec": "zoo",
    "SlowPathWarning": "zoo",
    "TrainingResult": "training",
    "average_of": "ensemble",
    "build": "zoo",
    "data_parallel": "distribute",
    "fit_model": "training",
    "load_keras_quietly": "backend",
    "names": "zoo",
    "pinball_loss": "quantiles",
    "resolve": "zoo",
    "seed_everything": "training",
    "trained_together": "ensemble",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

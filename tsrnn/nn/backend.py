"""Loading Keras and its backend quietly, for the command line and the library alike.

TensorFlow 2.19+ writes start-up notes (oneDNN, missing CUDA drivers) to stderr before its logging
can be configured, so TF_CPP_MIN_LOG_LEVEL cannot hide them. The CLI loads Keras once with the
process's stderr pointed at /dev/null, so users see their progress bar and errors, not noise; the
library does the same before its first fit or load (a user's own TF_CPP_MIN_LOG_LEVEL is kept).
Import errors still surface as Python exceptions after stderr is restored.

Usage:
    keras = load_keras_quietly()
    keras.backend.backend()
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys


@contextlib.contextmanager
def _stderr_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_keras_quietly():
    """Import Keras (and probe the devices of the TensorFlow backend) with stderr silenced.

    Returns:
        The `keras` module.

    Examples:
        >>> load_keras_quietly().__name__
        'keras'
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _stderr_silenced():
        import keras

        # Keras's data adapters import TensorFlow on the other backends too, when it is installed.
        if importlib.util.find_spec("tensorflow") is not None:
            import tensorflow as tf

            if keras.backend.backend() == "tensorflow":
                tf.config.list_physical_devices()
            # Retracing notices are expected when a backtest builds one model per fold.
            tf.get_logger().setLevel("ERROR")
    return keras

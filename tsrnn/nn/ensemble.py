"""One Keras model that averages the outputs of several networks of the same shape (a seed ensemble).

The averaged model saves, loads and exports like any other functional model: its members are
nested inside it, and every output (the point forecast, and a quantile head's quantiles, averaged
as Vincentization averages quantile forecasts) is the mean of the members' outputs.

Examples:
    >>> import keras, numpy as np
    >>> def member(bias):
    ...     inputs = keras.Input((2,), name="windows")
    ...     layer = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer=keras.initializers.Constant(bias))
    ...     return keras.Model(inputs, layer(inputs))
    >>> averaged = average_of([member(0.0), member(2.0)])
    >>> averaged.predict(np.ones((1, 2)), verbose=0).tolist()  # (2 + 4) / 2
    [[3.0]]
"""
from __future__ import annotations


def average_of(networks: list, name: str = "ensemble"):
    """A functional `keras.Model` whose every output is the mean of `networks`' outputs.

    Args:
        networks: models that take the same single input and give outputs of the same structure
            (one tensor, or a dict of named tensors).
        name: the averaged model's name.

    Returns:
        The first network itself where there is one, else the averaging model.

    Raises:
        ValueError: no networks.

    Examples:
        >>> import keras
        >>> network = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> average_of([network]) is network
        True
        >>> average_of([network, keras.models.clone_model(network)]).output_shape
        (None, 2)
    """
    import keras

    if not networks:
        raise ValueError("average_of needs at least one network")
    if len(networks) == 1:
        return networks[0]
    template = networks[0].inputs[0]
    inputs = keras.Input(shape=template.shape[1:], dtype=template.dtype, name=template.name)
    # Each member wrapped under its own name (Keras refuses two nested models of one name).
    outputs = [keras.Model(inputs, network(inputs), name=f"member_{index}")(inputs) for index, network in enumerate(networks)]
    if isinstance(outputs[0], dict):
        averaged = {key: keras.layers.Average(name=key)([output[key] for output in outputs]) for key in outputs[0]}
    else:
        averaged = keras.layers.Average(name="average")(outputs)
    return keras.Model(inputs, averaged, name=name)

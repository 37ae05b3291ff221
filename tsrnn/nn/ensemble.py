"""Seed ensembles in Keras: several networks of the same shape trained side by side as one model, and
one model that averages their outputs.

`trained_together` wraps compiled networks in one model whose outputs are every member's own, each
with its member's loss: one `fit` trains them all, each member's weights moved only by its own loss
(the summed loss's gradient with respect to a member's weights is that member's gradient), on the
same batches. On a CPU, where a small recurrent network's step is mostly fixed cost, two members
trained so take little longer than one (`bench/ensemble_training.py`).

The averaged model (`average_of`) saves, loads and exports like any other functional model: its
members are nested inside it, and every output (the point forecast, and a quantile head's
quantiles, averaged as Vincentization averages quantile forecasts) is the mean of the members'
outputs.

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


def trained_together(networks: list):
    """One compiled model that trains `networks` side by side, and the names of its outputs.

    Args:
        networks: compiled models that take the same single input (each with its own optimizer
            and loss, or a loss per output for a model of named outputs).

    Returns:
        `(model, output names)`: the model's outputs are `member_{i}` (or `member_{i}_{output}` for
        networks of named outputs), each with its member's loss; give every output the targets (the
        names are `tsrnn.features.batches.window_input`'s `target_names`). Training it trains the
        members themselves (their layers are shared, not copied). The optimizer is a fresh one of
        the first member's kind and settings (an Adam-like optimizer moves each weight by its own
        gradient alone, so each member trains as it would alone on those batches).

    Examples:
        >>> import keras, numpy as np
        >>> def member():
        ...     network = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        ...     network.compile("adam", "mae")
        ...     return network
        >>> model, names = trained_together([member(), member()])
        >>> names
        ('member_0', 'member_1')
        >>> history = model.fit(np.ones((4, 2)), {name: np.ones((4, 1)) for name in names}, epochs=1, verbose=0)
        >>> sorted(key for key in history.history if key.startswith("member_0"))
        ['member_0_loss']
    """
    import keras

    inputs, members = _on_one_input(networks)
    outputs, losses = {}, {}
    for index, (network, output) in enumerate(zip(networks, members)):
        named = output if isinstance(output, dict) else {"": output}
        for key, tensor in named.items():
            name = f"member_{index}_{key}" if key else f"member_{index}"
            outputs[name] = tensor
            losses[name] = network.loss[key] if key else network.loss
    model = keras.Model(inputs, outputs, name="members")
    optimizer = networks[0].optimizer
    model.compile(optimizer=type(optimizer).from_config(optimizer.get_config()), loss=losses)
    return model, tuple(outputs)


def member_losses(history: dict, members: int) -> list[float]:
    """Each member's last training loss from `trained_together`'s model's history (a member of
    several outputs: the sum of their losses, as its own fit would log it).

    Examples:
        >>> member_losses({"loss": [3.0], "member_0_loss": [1.0], "member_1_forecast_loss": [0.5],
        ...                "member_1_quantiles_loss": [1.5]}, 2)
        [1.0, 2.0]
    """
    return [float(sum(values[-1] for key, values in history.items()
                      if key.startswith(f"member_{index}_") and key.endswith("loss")))
            for index in range(members)]


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
    inputs, outputs = _on_one_input(networks)
    if isinstance(outputs[0], dict):
        averaged = {key: keras.layers.Average(name=key)([output[key] for output in outputs]) for key in outputs[0]}
    else:
        averaged = keras.layers.Average(name="average")(outputs)
    return keras.Model(inputs, averaged, name=name)


def _on_one_input(networks: list):
    """One input like the first network's, and each network's output on it, each network wrapped
    under its own name `member_{i}` (Keras refuses two nested models of one name).
    """
    import keras

    template = networks[0].inputs[0]
    inputs = keras.Input(shape=template.shape[1:], dtype=template.dtype, name=template.name)
    return inputs, [keras.Model(inputs, network(inputs), name=f"member_{index}")(inputs)
                    for index, network in enumerate(networks)]

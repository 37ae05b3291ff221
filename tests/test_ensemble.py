"""Seed ensembles (`tsrnn.nn.ensemble`): networks trained side by side as one model learn exactly what
each would learn alone on the same batches, and the averaged model's outputs are the members' mean."""
from __future__ import annotations

import numpy as np
import pytest

from tsrnn.nn import zoo
from tsrnn.nn.ensemble import average_of, member_losses, trained_together
from tsrnn.nn.training import seed_everything

SPEC = zoo.ModelSpec(body="gru", units=(4,), input_shape=(6, 1), horizon=2, linear=True, loss="mae")


def network(seed: int, spec: zoo.ModelSpec = SPEC):
    seed_everything(seed)
    return zoo.build(spec)


@pytest.fixture(scope="module")
def windows():
    rng = np.random.default_rng(0)
    return rng.normal(size=(96, 6, 1)).astype("float32"), rng.normal(size=(96, 2)).astype("float32")


def test_members_trained_together_learn_what_each_learns_alone(windows):
    x, y = windows
    alone = [network(seed) for seed in (0, 1)]
    together = [network(seed) for seed in (0, 1)]
    for network_alone, network_together in zip(alone, together):
        network_together.set_weights(network_alone.get_weights())
        network_alone.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    model, names = trained_together(together)
    history = model.fit(x, {name: y for name in names}, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert names == ("member_0", "member_1")
    for network_alone, network_together in zip(alone, together):  # the members' own weights moved
        for a, b in zip(network_alone.get_weights(), network_together.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    losses = member_losses(history.history, 2)
    assert sum(losses) == pytest.approx(history.history["loss"][-1], rel=1e-5)
    assert losses[0] != pytest.approx(losses[1])


def test_a_quantile_head_member_keeps_both_of_its_losses_and_the_average_has_both_outputs(windows):
    x, y = windows
    spec = zoo.ModelSpec(body="gru", units=(4,), input_shape=(6, 1), horizon=2, quantiles=(0.1, 0.9), loss="mae")
    members = [network(0, spec), network(1, spec)]
    model, names = trained_together(members)
    assert names == ("member_0_forecast", "member_0_quantiles", "member_1_forecast", "member_1_quantiles")
    history = model.fit(x, {name: y[..., None] for name in names}, batch_size=32, epochs=1, verbose=0)
    assert sum(member_losses(history.history, 2)) == pytest.approx(history.history["loss"][-1], rel=1e-5)
    averaged = average_of(members).predict(x[:4], verbose=0)
    each = [member.predict(x[:4], verbose=0) for member in members]
    for output in ("forecast", "quantiles"):
        np.testing.assert_allclose(averaged[output], (each[0][output] + each[1][output]) / 2, rtol=1e-5, atol=1e-6)

"""tsrnn behind sktime's forecaster interface: fit, predict and intervals on sktime's own index, and
sktime's own estimator checks (`check_estimator`, the suite its 200+ forecasters pass). sktime pins
pandas < 3.1, so CI runs this in its interoperability environment (TSRNN_REQUIRE_INTEROP=1);
elsewhere it skips without sktime. `check_estimator` runs every check on the first test parameter
set (CI sets TSRNN_SKTIME_CHECKS=1); on both sets, as sktime's own CI would, it takes about twice
as long. The checks are split by name into `CHECK_SHARDS` tests, so that pytest-xdist runs them on
every core: one after another, its 385 checks took 742 s on a 2-core AMD EPYC (2026-12-07), the
longest (`test_update_predict_predicted_index`, which refits at each of its cutoffs) 215 s.
Those checks test the interface (indices, fh, update, intervals), not TensorFlow's graphs, and their
fits are tiny, so tracing each `tf.function` cost more than the training: the shards run TensorFlow's
functions eagerly (`tf.config.run_functions_eagerly`), which about halves each fit. The adapter's
own tests below keep graph mode."""
from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

from tests.conftest import require_backend

CHECK_SHARDS = 8  # more shards than CI's 2 cores, so that xdist can even out their unequal lengths


def sktime_check_names(instance) -> list[str]:
    """The names of every check `check_estimator` runs on `instance`, sorted: the `test*` methods
    of each of sktime's test classes for it (TestAllObjects, TestAllEstimators, TestAllForecasters)."""
    from sktime.tests.test_class_register import get_test_classes_for_obj

    return sorted({name for suite in get_test_classes_for_obj(instance) for name in dir(suite) if name.startswith("test")})


@pytest.fixture
def eager_tensorflow():
    """TensorFlow's functions run eagerly for the test, then as before (no-op on other backends)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


@pytest.mark.skipif(os.environ.get("TSRNN_SKTIME_CHECKS") != "1",
                    reason="sktime's check_estimator takes minutes; CI runs it (TSRNN_SKTIME_CHECKS=1)")
@pytest.mark.parametrize("shard", range(CHECK_SHARDS))
def test_sktime_check_estimator_passes_in_full(shard, eager_tensorflow):
    require_backend("sktime", extra="sktime")
    from sktime.utils.estimator_checks import check_estimator

    from tsrnn.integrations.sktime import TsrnnForecaster

    started = time.perf_counter()
    instance = TsrnnForecaster(**TsrnnForecaster.get_test_params()[0])
    names = sktime_check_names(instance)
    assert len(names) > 20, names  # sktime's suites were found: a shard of none would pass vacuously
    results = check_estimator(instance, raise_exceptions=False, verbose=False, tests_to_run=names[shard::CHECK_SHARDS])
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    print(f"sktime check_estimator, shard {shard + 1} of {CHECK_SHARDS}: {len(results)} checks in "
          f"{time.perf_counter() - started:.0f} s")
    assert results and not failed, {name: str(error)[:300] for name, error in list(failed.items())[:5]}


def test_the_adapter_forecasts_with_intervals_on_sktimes_index():
    require_backend("sktime", extra="sktime")
    from sktime.forecasting.base import ForecastingHorizon

    from tsrnn.integrations.sktime import TsrnnForecaster

    rows = pd.read_csv("datasets/seasonal/airpassengers.csv", parse_dates=["Date"])
    y = pd.Series(rows["passengers"].to_numpy(), index=pd.PeriodIndex(rows["Date"], freq="M"), name="passengers")
    forecaster = TsrnnForecaster(lookback=24, units=4, epochs=2, seed=0).fit(y, fh=[1, 2, 3])
    forecast = forecaster.predict()
    assert list(forecast.index) == list(ForecastingHorizon([1, 2, 3]).to_absolute_index(y.index[-1]))
    intervals = forecaster.predict_interval(coverage=[0.8])
    lower, upper = intervals.iloc[:, 0].to_numpy(), intervals.iloc[:, 1].to_numpy()
    assert (lower <= forecast.to_numpy()).all() and (forecast.to_numpy() <= upper).all() and np.isfinite(upper).all()

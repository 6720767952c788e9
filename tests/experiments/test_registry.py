"""The registry's contract: sizes are defined once, results are shared read-only, names are unique."""
import numpy as np
import pytest

from dynamics.experiments import registry
from dynamics.experiments.registry import Experiment


def _experiment(run, sizes):
    return Experiment(name="probe", title="a probe", order=0, sizes=sizes, run=run, figures=lambda r: {},
                      claims=lambda r: [])


def test_a_run_default_that_drifts_from_the_full_size_is_refused():
    def run(*, grid: int = 41):
        return grid
    with pytest.raises(ValueError, match=r"run's default grid=41 is not its 'full' size 61"):
        _experiment(run, {"quick": {"grid": 31}, "full": {"grid": 61}})
    _experiment(run, {"quick": {"grid": 31}, "full": {"grid": 41}})  # the same value: fine

    def no_default(*, grid: int):
        return grid
    _experiment(no_default, {"quick": {"grid": 31}, "full": {"grid": 61}})  # no default: fine


def test_a_size_naming_a_parameter_run_does_not_take_is_refused():
    with pytest.raises(ValueError, match="sets 'points', which its run does not take"):
        _experiment(lambda *, grid=61: grid, {"quick": {"points": 3}, "full": {"grid": 61}})
    with pytest.raises(ValueError, match="defines no size 'full'"):
        _experiment(lambda *, grid=61: grid, {"quick": {"grid": 3}})


def test_every_registered_run_defaults_to_its_full_size():
    import inspect
    for experiment in registry.all_experiments():
        parameters = inspect.signature(experiment.run).parameters
        for key, value in experiment.sizes["full"].items():
            default = parameters[key].default
            assert default is inspect.Parameter.empty or registry._same(default, value), (experiment.name, key)


def test_results_are_computed_once_per_size_and_read_only():
    calls = []

    def run(*, points: int = 5):
        calls.append(points)
        return {"values": np.arange(points, dtype=float)}

    probe = _experiment(run, {"quick": {"points": 3}, "full": {"points": 5}})
    first, again = probe.result("quick"), probe.result("quick")
    assert first is again and calls == [3]
    with pytest.raises(ValueError, match="read-only"):
        first["values"][0] = 1.0
    assert probe.result("full")["values"].size == 5 and calls == [3, 5]
    with pytest.raises(ValueError, match="size='huge' is not valid"):
        probe.result("huge")


def test_names_are_unique_and_ordered():
    names = [e.name for e in registry.all_experiments()]
    orders = [e.order for e in registry.all_experiments()]
    assert len(set(names)) == len(names) and orders == sorted(orders)
    with pytest.raises(ValueError, match="no experiment is named 'nope'"):
        registry.get("nope")


def test_the_drawing_check_fails_for_a_figure_made_through_pyplot(draw):
    import matplotlib.pyplot as plt

    def through_pyplot(result):
        return {"bad": plt.figure()}  # registered with pyplot: what experiments must not do
    try:
        with pytest.raises(AssertionError):
            draw(through_pyplot, None)
    finally:
        plt.close("all")

"""Bad and extreme inputs of the margin area (issue 9): the mode map, ``integrate``, ``Trajectory`` and losses.

Each row asserts the exact outcome: the error type and the parameter named in its message, or the correct value.
"""
import numpy as np
import pytest
import sympy as sp

import derivations
import dynamics
from derivations import margin
from dynamics.groundtruth.losses import loss_and_slope

TWO = {"n_1": 1.0, "n_2": 1.0, "p": 0.5}
STATE = [0.1, 0.1, 0.1, -0.1]


def _call(function, defaults, changes):
    """A call built when the test runs: the model (``model=`` a factory) is derived then, not at collection."""
    def call():
        kwargs = {**defaults, **changes}
        model = kwargs.pop("model")
        return function(model() if callable(model) else model, *(kwargs.pop(k) for k in positional(function)),
                        **kwargs)
    return call


def positional(function):
    return ("initial",) if function is dynamics.iterate_mode_map else ("initial", "t")


def mode_map(**changes):
    defaults = dict(model=lambda: derivations.two_layer("hinge"), initial=STATE, eta=0.1, steps=3, parameters=TWO)
    return _call(dynamics.iterate_mode_map, defaults, changes)


def flow(**changes):
    defaults = dict(model=lambda: derivations.two_layer("hinge"), initial=STATE, t=[0.0, 1.0], parameters=TWO)
    return _call(dynamics.integrate, defaults, changes)


def loss(expr):
    return lambda: derivations.resolve_loss(expr)


ERRORS = [
    # iterate_mode_map: learning rate
    ("eta negative", mode_map(eta=-1), ValueError, "eta"),
    ("eta zero", mode_map(eta=0), ValueError, "eta"),
    ("eta 1e300 overflows", mode_map(eta=1e300), ValueError, "eta"),
    ("eta nan", mode_map(eta=float("nan")), ValueError, "eta"),
    ("eta inf", mode_map(eta=float("inf")), ValueError, "eta"),
    ("eta a string", mode_map(eta="fast"), TypeError, "eta"),
    # iterate_mode_map: steps and records
    ("steps zero", mode_map(steps=0), ValueError, "steps"),
    ("steps negative", mode_map(steps=-3), ValueError, "steps"),
    ("steps non-integer", mode_map(steps=2.5), TypeError, "steps"),
    ("steps a bool", mode_map(steps=True), TypeError, "steps"),
    ("steps above the limit", mode_map(steps=10**9), ValueError, "steps"),
    ("record_every zero", mode_map(record_every=0), ValueError, "record_every"),
    # iterate_mode_map: state, parameters, model
    ("map initial too short", mode_map(initial=[0.1, 0.1, 0.1]), ValueError, "initial"),
    ("map initial 3-d", mode_map(initial=np.zeros((2, 2, 4))), ValueError, "initial"),
    ("map initial nan", mode_map(initial=[np.nan, 0.1, 0.1, -0.1]), ValueError, "initial"),
    ("map parameter missing", mode_map(parameters={"n_1": 1.0, "n_2": 1.0}), ValueError, "p"),
    ("map parameter unknown", mode_map(parameters={**TWO, "q": 1.0}), ValueError, "'q'"),
    ("map norm negative", mode_map(parameters={**TWO, "n_1": -1.0}), ValueError, "n_1"),
    ("map frequency above 1", mode_map(parameters={**TWO, "p": 5.0}), ValueError, "p"),
    ("map parameters not a mapping", mode_map(parameters=[1.0, 1.0, 0.5]), TypeError, "parameters"),
    ("map model a string", mode_map(model="not a model"), TypeError, "model"),
    ("map shared stop", mode_map(model=lambda: derivations.shared_neuron("hinge"), initial=[0.5, 0.1, 0.5], steps=300),
     ValueError, "shares coordinates"),
    # integrate: parameters
    ("norm negative", flow(parameters={"n_1": -1, "n_2": 1.0, "p": 0.5}), ValueError, "n_1"),
    ("issue row: n_1=-1, p=5", flow(parameters={"n_1": -1, "n_2": 1.0, "p": 5}), ValueError, "n_1"),
    ("frequency 5", flow(parameters={"n_1": 1, "n_2": 1.0, "p": 5}), ValueError, "p"),
    ("frequency 0", flow(parameters={"n_1": 1, "n_2": 1.0, "p": 0}), ValueError, "p"),
    ("norm zero", flow(parameters={"n_1": 1, "n_2": 0.0, "p": 0.5}), ValueError, "n_2"),
    ("norm nan", flow(parameters={"n_1": np.nan, "n_2": 1.0, "p": 0.5}), ValueError, "n_1"),
    ("parameter missing", flow(parameters={"n_1": 1.0, "p": 0.5}), ValueError, "n_2"),
    ("parameter unknown", flow(parameters={**TWO, "lambda": 0.5}), ValueError, "lambda"),
    ("per-mode parameter of the wrong length", flow(parameters={**TWO, "p": [0.5, 0.5, 0.5]}), ValueError, "p"),
    ("parameters not a mapping", flow(parameters=None), TypeError, "parameters"),
    # integrate: model, targets, state, times, solver settings
    ("model a string", flow(model="not a model"), TypeError, "model"),
    ("model None", flow(model=None), TypeError, "model"),
    ("unknown target name", flow(targets={"class_3": 0.9}), ValueError, "class_1"),
    ("target level nan", flow(targets={"class_1": np.nan}), ValueError, "targets"),
    ("initial too short", flow(initial=[0.1, 0.1, 0.1]), ValueError, "initial"),
    ("initial 3-d", flow(initial=np.zeros((2, 2, 4))), ValueError, "initial"),
    ("initial inf", flow(initial=[np.inf, 0.1, 0.1, -0.1]), ValueError, "initial"),
    ("times decreasing", flow(t=[1.0, 0.0]), ValueError, "t must"),
    ("times negative", flow(t=[-1.0, 0.0]), ValueError, "t must"),
    ("method unknown", flow(method="Euler"), ValueError, "method"),
    ("rtol zero", flow(rtol=0.0), ValueError, "rtol"),
    ("atol negative", flow(atol=-1.0), ValueError, "atol"),
    # Trajectory
    ("margin of an unknown logit", lambda: flow()().margin("class_3"), ValueError, "name"),
    # losses: what sympy cannot split, and what is not a loss
    ("Piecewise on a periodic condition", loss(sp.Piecewise((1 - margin, sp.sin(margin) < 0), (0, True))),
     ValueError, "loss"),
    ("two_layer of that Piecewise", lambda: derivations.two_layer(sp.Piecewise((1 - margin, sp.sin(margin) < 0),
                                                                                (0, True))), ValueError, "loss"),
    ("two learning pieces (Abs)", loss(sp.Abs(1 - margin)), ValueError, "loss"),
    ("jump at the margin", loss(sp.Piecewise((2 - margin, margin < 1), (0, True))), ValueError, "loss"),
    ("undefined between pieces", loss(sp.Piecewise((1 - margin, margin < 1), (0, margin > 2))), ValueError, "loss"),
    ("flat piece on the wrong side", loss(sp.Min(1, sp.exp(-margin))), ValueError, "loss"),
    ("floor", loss(sp.floor(margin)), ValueError, "loss"),
    ("a string is never parsed", loss("Max(0, 1 - m)"), ValueError, "loss"),
    ("a float is not a loss", loss(1.0), TypeError, "loss"),
    ("ground-truth loss name", lambda: loss_and_slope("Hinge", np.zeros(2)), ValueError, "loss"),
]


@pytest.mark.parametrize("call, error, words", [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_bad_input_is_refused_with_the_parameter_named(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_no_error_is_a_raw_sympy_or_attribute_error():
    with pytest.raises(ValueError):  # not sympy's NotImplementedError
        derivations.resolve_loss(sp.Piecewise((1 - margin, sp.sin(margin) < 0), (0, True)))


VALUES = [
    ("hinge stops at 1", lambda: derivations.resolve_loss("hinge").stop_margin, 1),
    ("Max hinge stops at 1", lambda: derivations.resolve_loss(sp.Max(0, 1 - margin)).stop_margin, 1),
    ("squared hinge stops at 1", lambda: derivations.resolve_loss(sp.Max(0, 1 - margin) ** 2 / 2).stop_margin, 1),
    ("shifted hinge stops at 2", lambda: derivations.resolve_loss(sp.Max(0, 2 - margin)).stop_margin, 2),
    ("linear never stops", lambda: derivations.resolve_loss(1 - margin).stop_margin, None),
    ("bce never stops", lambda: derivations.resolve_loss("bce").stop_margin, None),
    ("squared never stops", lambda: derivations.resolve_loss("squared").stop_margin, None),
    ("Piecewise hinge is the hinge", lambda: derivations.resolve_loss(
        sp.Piecewise((1 - margin, margin <= 1), (0, True))).name, "hinge"),
    ("overflowing states are not a success", lambda: flow(initial=[1e200, 1e200, 1.0, -1.0])().success, False),
    ("shared stop is not a success", lambda: flow(model=derivations.shared_neuron("hinge"), initial=[0.5, 0.1, 0.5],
                                                  t=[0.0, 10.0])().success, False),
    ("a wrong-side class-2 logit has confidence < 1/2",
     lambda: round(float(flow(initial=[0.1, 0.1, 0.6, 0.6], t=[0.0])().confidence("class_2")[0, 0]), 12),
     round(1 / (1 + np.exp(0.36)), 12)),
    ("mode map with p = 1 leaves class 2 still", lambda: dynamics.iterate_mode_map(
        derivations.two_layer("hinge"), STATE, eta=0.1, steps=2, parameters={**TWO, "p": 1.0}).states[-1, 0, 2:].tolist(),
     [0.1, -0.1]),
]


@pytest.mark.parametrize("call, expected", [row[1:] for row in VALUES], ids=[row[0] for row in VALUES])
def test_edge_input_gives_the_correct_value(call, expected):
    assert call() == expected

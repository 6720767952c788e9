"""dynamics.Problem end to end: the user's data, loss and initialization, derived, predicted and measured.

The measurement is numpy gradient descent on the real network (the ground truth, which differentiates the loss
expression itself); the theory is compiled from the derivations.  Gradient descent follows the gradient flow to
O(lr), so the gap must shrink in proportion to the learning rate (log-log slope 1, the issue's acceptance).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

import derivations
from dynamics import Problem
from dynamics.groundtruth.assumptions import check_binary

m = derivations.margin
#: Learning rates of the convergence checks (halving) and the flow time they reach.
LRS = (4e-3, 2e-3, 1e-3)
HORIZON = 2.0
#: The slope must be 1 within this, and the relative error at the smallest lr below the next (acceptance).
SLOPE_TOL, SMALLEST_LR_REL = 0.1, 1e-3
#: Losses written as expressions: exponential, logistic at temperature 2, hinge as Max.
EXPRESSIONS = {"exponential": sp.exp(-m), "logistic_T2": 2 * sp.log(1 + sp.exp(-m / 2)),
               "hinge_max": sp.Max(0, 1 - m)}


def _h1_data(seed, sizes=(5, 3), d=4):
    """H1 in general position: two cones around +a and -a, several points of different norms, unequal classes."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=d)
    a /= np.linalg.norm(a)
    while True:
        rows = []
        for size, sign in zip(sizes, (1.0, -1.0)):
            directions = sign * a + 0.3 * rng.normal(size=(size, d))
            directions /= np.linalg.norm(directions, axis=1, keepdims=True)
            rows.append(directions * rng.uniform(0.5, 1.8, size=(size, 1)))
        X = np.vstack(rows)
        labels = np.array(["yes"] * sizes[0] + ["no"] * sizes[1])
        G, same = X @ X.T, np.equal.outer(labels, labels)
        if np.all(G[same] > 0.05) and np.all(G[~same] < -0.05):
            return X, labels


def _slope(lrs, errors):
    return float(np.polyfit(np.log(lrs), np.log(errors), 1)[0])


def _errors(problem, theory="auto", horizon=HORIZON):
    out = []
    for lr in LRS:
        steps = int(round(horizon / lr))
        comparison = problem.compare(problem.train(lr=lr, steps=steps, record_every=steps // 10), theory=theory)
        out.append(comparison)
    return out


def test_labels_any_two_values_are_mapped_and_said():
    X, labels = _h1_data(0)
    problem = Problem(X, labels, init="balanced", hidden=2, seed=1)
    assert problem.classes == ("no", "yes")  # sorted: "no" is class 1
    assert problem.label_mapping == "labels 'no' -> class 1, 'yes' -> class 2"
    assert np.array_equal(problem.labels, np.where(labels == "no", 1, 2))
    assert Problem(X, np.where(labels == "yes", 1, 2)).label_mapping == "labels 1 -> class 1, 2 -> class 2 (kept)"


@pytest.mark.parametrize("seed", [3, 13, 23])
def test_h1_data_in_general_position_gd_converges_to_the_prediction_linearly(seed):
    """Several points per class (norms 0.5-1.8, 5 vs 3), three units per class: modes, slope 1, < 1e-3 relative."""
    X, labels = _h1_data(seed)
    problem = Problem(X, labels, init="balanced", hidden=3, seed=seed)
    report = problem.assumptions()
    assert report.holds and problem.W0.shape == (6, 4)
    comparisons = _errors(problem)
    assert {c.theory for c in comparisons} == {"modes"}
    errors = [c.max_abs_logit for c in comparisons]
    assert abs(_slope(LRS, errors) - 1) <= SLOPE_TOL, errors
    assert comparisons[-1].max_rel_logit < SMALLEST_LR_REL
    assert all(c.first_pattern_change is None for c in comparisons)  # Lemma 3.1: the pattern never changes


def test_modes_equal_the_data_coordinate_flow_under_h1():
    X, labels = _h1_data(4)
    problem = Problem(X, labels, init="balanced", hidden=2, seed=3, weights=np.linspace(1, 2, len(X)))
    t = np.linspace(0, 4, 9)
    modes, flow = problem.predict(t), problem.predict(t, theory="data-coordinate flow")
    assert modes.theory == "modes" and flow.theory == "data-coordinate flow" and flow.switches == ()
    assert np.max(np.abs(modes.logits - flow.logits) / np.abs(flow.logits)) < 1e-9


def test_a_repeated_point_per_class_uses_the_closed_form_and_matches_gd():
    x1, x2 = np.array([0.6, 0.3, 0.0]), np.array([-0.2, 0.1, 1.1])
    X = np.array([x1, x1, x1, x2])
    problem = Problem(X, [0, 0, 0, 1], u0=0.05)
    assert problem.predict([0.0, 1.0]).theory == "closed form"
    errors = [c.max_abs_logit for c in _errors(problem, horizon=4.0)]
    assert abs(_slope(LRS, errors) - 1) <= SLOPE_TOL


@pytest.mark.parametrize("key", list(EXPRESSIONS))
def test_losses_written_as_expressions_train_predict_and_compare(key):
    X, labels = _h1_data(5)
    problem = Problem(X, labels, loss=EXPRESSIONS[key], init="balanced", hidden=2, seed=4)
    assert problem.network_loss.name in ("custom", "hinge")  # trained from the expression (Max is the hinge)
    comparisons = _errors(problem)
    errors = [c.max_abs_logit for c in comparisons]
    assert abs(_slope(LRS, errors) - 1) <= SLOPE_TOL, (key, errors)
    assert comparisons[-1].max_rel_logit < SMALLEST_LR_REL


def test_the_hinge_stops_every_point_at_its_margin():
    X, labels = _h1_data(6)
    problem = Problem(X, labels, loss=EXPRESSIONS["hinge_max"], init="balanced", hidden=2, seed=5)
    prediction = problem.predict([0.0, 200.0])
    assert np.all(prediction.margins[-1] >= 1 - 1e-9)
    run = problem.train(lr=1e-3, steps=20_000, record_every=20_000)
    assert np.all(run.logits[-1] * problem.signs >= 1 - 1e-2)


def test_outside_h1_the_exact_flow_is_used_and_its_switches_meet_gd():
    """Positive cross-class inner products: the flow in data coordinates, whose first switch is where GD's
    activation pattern first changes (the gap shrinking with lr)."""
    X = np.array([[1.0, 0.1, 0.0], [0.7, 0.5, 0.1], [0.6, -0.2, 0.9], [0.3, 0.2, 1.2]])
    problem = Problem(X, [1, 1, 2, 2], init="class_mean")
    report = problem.assumptions()
    assert not report.holds and not report.reports["H1"].holds
    assert report.as_dict()["assumptions"]["H1"]["violations"]
    gaps, errors = [], []
    for lr in LRS:
        steps = int(round(3.0 / lr))
        comparison = problem.compare(problem.train(lr=lr, steps=steps))
        assert comparison.theory == "data-coordinate flow" and comparison.first_switch is not None
        gaps.append(abs(comparison.first_pattern_change - comparison.first_switch))
        errors.append(comparison.max_abs_logit)
    assert gaps[-1] <= 2 * LRS[-1] and gaps[-1] < gaps[0]
    assert abs(_slope(LRS, errors) - 1) <= SLOPE_TOL, errors
    decoupled = problem.compare(problem.train(lr=LRS[-1], steps=3000, record_every=100), theory="modes")
    assert decoupled.max_abs_logit > 10 * errors[-1]  # the paper's theory would be far off here


def test_point_weights_change_the_objective_and_both_sides_follow():
    X, labels = _h1_data(7)
    weights = np.linspace(0.5, 3.0, len(X))
    problem = Problem(X, labels, weights=weights, init="balanced", hidden=2, seed=6)
    plain = Problem(X, labels, init="balanced", hidden=2, seed=6)
    assert not np.allclose(problem.predict([3.0]).logits, plain.predict([3.0]).logits)
    errors = [c.max_abs_logit for c in _errors(problem)]
    assert abs(_slope(LRS, errors) - 1) <= SLOPE_TOL


def test_given_weights_random_init_and_sgd():
    X, labels = _h1_data(8)
    random = Problem(X, labels, init="random", hidden=5, seed=9)
    assert random.W0.shape == (5, 4) and random.init == "random"
    again = Problem(X, labels, init="random", hidden=5, seed=9)
    assert np.array_equal(random.W0, again.W0)
    given = Problem(X, labels, W0=random.W0, Z0=random.Z0)
    assert given.init == "given" and np.array_equal(given.Z0, random.Z0)
    run = given.train(lr=0.01, steps=50, batch_size=3, seed=1)
    assert run.logits.shape == (51, len(X))
    assert np.array_equal(run.logits, given.train(lr=0.01, steps=50, batch_size=3, seed=1).logits)


def test_the_assumption_report_agrees_with_the_ground_truth_checks_and_is_json():
    X, labels = _h1_data(9)
    problem = Problem(X, labels, init="random", hidden=3, seed=0)
    report = problem.assumptions()
    expected = check_binary(problem.X, problem.labels, problem.W0, problem.Z0)
    assert [r.holds for r in report.reports.values()] == [r.holds for r in expected]
    payload = json.loads(json.dumps(report.as_dict()))
    assert set(payload) == {"holds", "assumptions"} and set(payload["assumptions"]) == {"H1", "H2", "H3"}
    assert set(payload["assumptions"]["H2"]) == {"holds", "margin", "violations"}
    assert payload["holds"] == report.holds


def test_results_are_read_only():
    X, labels = _h1_data(10)
    problem = Problem(X, labels)
    prediction = problem.predict([0.0, 1.0])
    for array in (problem.X, problem.W0, prediction.logits, prediction.probabilities):
        with pytest.raises(ValueError):
            array[0] = 1.0


@pytest.mark.parametrize("kwargs, exc, name", [
    ({"labels": [1, 2, 3, 1, 2, 3, 1, 2]}, ValueError, "labels"),
    ({"labels": [1] * 8}, ValueError, "labels"),
    ({"X": np.ones((8, 4)) * np.nan}, ValueError, "X"),
    ({"weights": -np.ones(8)}, ValueError, "weights"),
    ({"weights": np.ones(3)}, ValueError, "weights"),
    ({"loss": "mse"}, ValueError, "loss"),
    ({"loss": 3.0}, TypeError, "loss"),
    ({"init": "xavier"}, ValueError, "init"),
    ({"W0": np.ones((2, 4))}, ValueError, "W0 and Z0"),
    ({"W0": np.ones((2, 3)), "Z0": np.ones(2)}, ValueError, "W0"),
    ({"W0": np.ones((2, 4)), "Z0": np.ones(3)}, ValueError, "Z0"),
    ({"u0": (-0.1, 0.1)}, ValueError, "u0"),
    ({"hidden": 0}, ValueError, "hidden"),
    ({"init": "random", "u0": 0.1}, ValueError, "u0"),
])
def test_bad_input_names_the_parameter(kwargs, exc, name):
    X, labels = _h1_data(11)
    arguments = {"X": X, "labels": labels, **kwargs}
    with pytest.raises(exc, match=name):
        Problem(arguments.pop("X"), arguments.pop("labels"), **arguments)


def test_bad_calls_name_the_parameter():
    X, labels = _h1_data(12)
    problem = Problem(X, labels)
    with pytest.raises(ValueError, match="theory"):
        problem.predict([0.0, 1.0], theory="ntk")
    with pytest.raises(ValueError, match="t must"):
        problem.predict([[0.0, 1.0]])
    with pytest.raises(TypeError, match="run"):
        problem.compare("run")


def test_a_dead_unit_serves_no_class_in_the_decoupled_theory():
    """A unit inactive on every point never moves (its gradient is 0): the modes leave it out, as GD does."""
    X, labels = _h1_data(14)
    X = np.column_stack([X, np.full(len(X), -0.1)])  # every point leans away from e5 (H1 still holds)
    base = Problem(X, labels, init="balanced", hidden=2, seed=2)
    W0 = np.vstack([base.W0, np.eye(X.shape[1])[-1]])  # w = e5: negative on every point
    Z0 = np.append(base.Z0, 0.2)
    problem = Problem(X, labels, W0=W0, Z0=Z0)
    run = problem.train(lr=1e-3, steps=2000, record_every=100)
    assert np.array_equal(run.preactivations[-1][:, -1], run.preactivations[0][:, -1])  # the unit stayed put
    modes, exact = problem.compare(run, theory="modes"), problem.compare(run)
    assert exact.theory == "data-coordinate flow"  # H2 fails (strictly: a unit serves no class)
    assert modes.max_rel_logit < 1e-3 and exact.max_rel_logit < 1e-3


def test_the_relative_error_is_on_the_scale_of_the_logits():
    """max_rel_logit = max |error| / max |u_GD|: finite and meaningful when a logit passes through 0."""
    X = np.array([[1.0, 0.1, 0.0], [0.7, 0.5, 0.1], [0.6, -0.2, 0.9], [0.3, 0.2, 1.2]])
    problem = Problem(X, [1, 1, 2, 2], init="random", hidden=4, seed=3)
    run = problem.train(lr=2e-3, steps=1500, record_every=50)
    comparison = problem.compare(run)
    assert comparison.max_rel_logit == pytest.approx(comparison.max_abs_logit / np.max(np.abs(run.logits)))
    assert comparison.max_rel_logit < 1e-2


def test_a_run_from_other_weights_is_refused():
    X, labels = _h1_data(15)
    problem = Problem(X, labels, init="balanced", hidden=2, seed=1)
    other = Problem(X, labels, init="balanced", hidden=2, seed=2)
    with pytest.raises(ValueError, match="W0"):
        problem.compare(other.train(lr=0.01, steps=10))


def test_a_zero_unit_and_an_all_zero_start_match_gradient_descent():
    """A unit with w = 0 never moves (relu'(0) = 0): both theories leave it out; an all-zero start stays at 0."""
    X, labels = _h1_data(20)
    base = Problem(X, labels, init="balanced", hidden=2, seed=1)
    problem = Problem(X, labels, W0=np.vstack([base.W0, np.zeros(X.shape[1])]), Z0=np.append(base.Z0, 0.3))
    run = problem.train(lr=1e-3, steps=2000, record_every=100)
    for theory in ("auto", "modes"):
        assert problem.compare(run, theory=theory).max_rel_logit < 1e-3
    frozen = Problem(X, labels, W0=np.zeros_like(problem.W0), Z0=problem.Z0)
    comparison = frozen.compare(frozen.train(lr=1e-3, steps=100, record_every=10))
    assert comparison.max_abs_logit == 0.0 and np.all(comparison.theory_logits == 0.0)


def test_a_run_of_another_problem_is_refused():
    """Other data, labels, loss or point weights from the same initial weights: each is caught (initial logits or
    initial objective), while the problem's own runs, full batch or SGD, are accepted."""
    X, labels = _h1_data(16)
    problem = Problem(X, labels, init="balanced", hidden=2, seed=1)
    run = problem.train(lr=1e-3, steps=100, record_every=50)
    assert problem.compare(run).max_rel_logit < 1e-2
    assert problem.compare(problem.train(lr=1e-3, steps=100, batch_size=3, seed=2)).max_rel_logit < 1e-1
    same = {"W0": problem.W0, "Z0": problem.Z0}
    for other, words in ((Problem(1.5 * X, labels, **same), "data"),
                         (Problem(X, labels[::-1].copy(), **same), "labels, loss"),
                         (Problem(X, labels, loss="hinge", **same), "labels, loss"),
                         (Problem(X, labels, weights=np.arange(1.0, len(X) + 1), **same), "point weights")):
        with pytest.raises(ValueError, match=words):
            other.compare(run)


def test_sizes_beyond_the_limits_are_refused_clearly():
    X, labels = _h1_data(17)
    with pytest.raises(ValueError, match="hidden"):
        Problem(X, labels, init="balanced", hidden=10**7)
    with pytest.raises(ValueError, match="rescale"):
        Problem(X * 1e150, labels)
    assert Problem(X * 1e-90, labels).assumptions().holds  # tiny but inside the range: fine

"""Every claim of every canonical model is proven symbolically (or numerically where stated)."""
import mpmath
import pytest

import derivations

#: The canonical models whose claims the suite proves, by id.
CANONICAL = {
    "two_layer-bce": lambda: derivations.two_layer("bce"),
    "two_layer-hinge": lambda: derivations.two_layer("hinge"),
    "two_layer-squared": lambda: derivations.two_layer("squared"),
    "deep2-bce": lambda: derivations.deep(2),
    "deep3-bce": lambda: derivations.deep(3),
    "deep4-bce": lambda: derivations.deep(4),
    "deep8-bce": lambda: derivations.deep(8),
    "deep16-bce": lambda: derivations.deep(16),
    "deep4-hinge": lambda: derivations.deep(4, "hinge"),
    "wide2-bce": lambda: derivations.wide(2),
    "wide3-hinge": lambda: derivations.wide(3, "hinge"),
    "points3-bce": lambda: derivations.orthogonal_points(3),
    "shared-bce": lambda: derivations.shared_neuron("bce"),
    "shared-hinge": lambda: derivations.shared_neuron("hinge"),
    "starvation-bce": lambda: derivations.starvation("bce"),
    "starvation-hinge": lambda: derivations.starvation("hinge"),
    "multiclass2": lambda: derivations.multiclass(2),
    "multiclass3": lambda: derivations.multiclass(3),
}


@pytest.mark.parametrize("key", list(CANONICAL))
def test_every_claim_of_the_model_holds(key):
    """Each model is built when its test runs (not at collection), and every claim of it is proven; a failure
    names each failing claim with the method that refuted it."""
    model = CANONICAL[key]()
    proofs = model.proofs()
    assert len(proofs) == len(model.all_claims()) >= 3
    failed = [f"{r.statement} ({r.method})" for r in proofs if not r.holds]
    assert not failed, f"{key}: {len(failed)} of {len(proofs)} claims fail:\n" + "\n".join(failed)
    checked = model.check()
    assert len(checked) >= 3 and all(checked.values())


def test_deep_two_reduces_to_eq_14():
    import sympy as sp
    two = derivations.two_layer("bce").reductions[0]
    deep2 = derivations.deep(2).reductions[0]
    from derivations.symbols import n, n1, p, u
    assert sp.simplify(two.rhs.subs(n1, n) - deep2.rhs) == 0
    assert sp.simplify(deep2.rhs - 2 * n * p * u / (1 + sp.exp(u))) == 0  # (14), typed from the paper


def _deep_time_mp(depth, norm, p, u0, u, drive):
    """Flow time from u0 to u of eq. (5), u' = N n^(2/N) p u^(2-2/N) drive(u), by mpmath quadrature of 1/u'."""
    with mpmath.workdps(30):
        n, q = mpmath.mpf(norm), mpmath.mpf(depth)
        rate = q * n ** (2 / q) * mpmath.mpf(p)
        return float(mpmath.quad(lambda s: 1 / (rate * s ** (2 - 2 / q) * drive(s)), [u0, u]))


@pytest.mark.slow
def test_depth_sixteen_hinge_has_stopping_time():
    """deep(16): the derived quantities and the full 16-variable flow against eq. (5) worked by mpmath."""
    import numpy as np

    import dynamics
    from derivations.symbols import n, p, u0
    depth, norm, freq, start = 16, 0.7, 0.6, 0.05
    values = {n: norm, p: freq, u0: start}
    hinge = derivations.deep(depth, "hinge")
    inside = lambda s: 1  # noqa: E731 - the hinge drive -l'(u) = 1 inside the margin
    stop = float(hinge.quantity("stopping_time").subs(values))
    assert abs(stop / _deep_time_mp(depth, norm, freq, start, 1, inside) - 1) <= 1e-12
    by_hand = (start ** -(1 - 2 / depth) - 1) / ((depth - 2) * norm ** (2 / depth) * freq)
    assert abs(stop / by_hand - 1) <= 1e-12
    half = float(hinge.closed_form.time.subs({**values, hinge.reductions[0].variable: 0.5}))
    assert abs(half / _deep_time_mp(depth, norm, freq, start, 0.5, inside) - 1) <= 1e-12

    scale = (start / norm) ** (1 / depth)  # balanced start z0 = z^i_0 = y0 / n
    init = [norm * scale] + [scale] * (depth - 1)
    for model, drive, times in ((hinge, inside, [0.0, 0.5 * stop, 0.9 * stop]),
                                (derivations.deep(depth), lambda s: 1 / (1 + mpmath.exp(s)), [0.0, 0.5, 3.0, 10.0])):
        traj = dynamics.integrate(model, init, times, parameters={"n": norm, "p": freq})
        logits = traj.logits["class_1"][:, 0]
        assert traj.success and abs(logits[0] / start - 1) <= 1e-14
        for t, u in zip(times[1:], logits[1:]):  # the time eq. (5) needs to reach the integrated logit
            assert abs(_deep_time_mp(depth, norm, freq, start, u, drive) / t - 1) <= 1e-8, (model.loss.name, t)
    assert np.all(np.diff(logits) > 0)

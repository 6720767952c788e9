"""Every claim of every canonical model is proven symbolically (or numerically where stated)."""
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


def _cases():
    for key, build in CANONICAL.items():
        for claim in build().all_claims():
            yield pytest.param(key, claim.statement, id=f"{key}: {claim.statement}")


@pytest.mark.parametrize("key, statement", list(_cases()))
def test_claim_holds(key, statement):
    results = {r.statement: r for r in CANONICAL[key]().proofs()}
    assert results[statement].holds, f"{key}: {statement} ({results[statement].method})"


@pytest.mark.parametrize("key", list(CANONICAL))
def test_every_model_checks_and_has_claims(key):
    model = CANONICAL[key]()
    checked = model.check()
    assert len(checked) >= 3
    assert all(checked.values())


def test_deep_two_reduces_to_eq_14():
    import sympy as sp
    two = derivations.two_layer("bce").reductions[0]
    deep2 = derivations.deep(2).reductions[0]
    from derivations.symbols import n, n1
    assert sp.simplify(two.rhs.subs(n1, n) - deep2.rhs) == 0


@pytest.mark.slow
def test_depth_sixteen_hinge_has_stopping_time():
    m = derivations.deep(16, "hinge")
    assert "stopping time (u = 1)" in m.quantities

"""The derived identities of every model (the old report's symbolic claims) at the shared quick size."""
import pytest
from derivations import ClaimResult

from dynamics.experiments.identities import (EXPERIMENT, MODELS, QUICK_MODELS, IdentitiesResult, ModelProofs, claims,
                                             figures, run)


@pytest.fixture(scope="module")
def result():
    """The shared quick result (computed once per session, also used by the report test and the examples)."""
    return EXPERIMENT.result("quick")


def test_sizes_are_the_quick_models_and_all_models(result):
    assert EXPERIMENT.sizes["quick"]["models"] == QUICK_MODELS == tuple(MODELS)[:3]
    assert EXPERIMENT.sizes["full"]["models"] == tuple(MODELS) and len(MODELS) == 9
    assert [m.key for m in result.models] == list(QUICK_MODELS)
    assert [m.label for m in result.models] == ["two_layer (BCE)", "two_layer (hinge)", "deep N=4 (BCE)"]


def test_claims_pass_at_quick_size_one_per_model(result):
    records = claims(result)
    assert [r.id for r in records] == ["derived_two_layer_bce_4", "derived_two_layer_hinge_4", "derived_deep_bce_4"]
    for record, model in zip(records, result.models):
        assert record.passed and record.error == 0.0 and record.kind == "theory" and record.measured is None
        assert record.theory["proven"] == len(model.proofs) == len(record.theory["identities"]) > 0


def test_an_unproven_identity_fails_its_claim():
    broken = ModelProofs("toy", "toy", "toy", "bce", 1, "nowhere",
                         (ClaimResult("holds", True, "symbolic"), ClaimResult("does not", False, "symbolic")))
    (record,) = claims(IdentitiesResult((broken,)))
    assert not record.passed and record.error == 1.0 and record.theory["failed"] == ["does not"]
    assert record.id == "derived_toy_bce_1" and record.theory["proven"] == 1


def test_bad_model_identifiers_are_refused_by_name():
    with pytest.raises(ValueError, match=r"models: 'two_layer \(BCE\)' is not a model identifier; choose from "
                                         r"'two_layer_bce'"):
        run(("two_layer (BCE)",))  # a label is display text, not an identifier
    with pytest.raises(TypeError, match="models must be a tuple"):
        run("wide2")


def test_no_figure(result, draw):
    assert draw(figures, result) == {}

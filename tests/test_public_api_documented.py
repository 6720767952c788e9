"""Every public function of the package has a numpydoc docstring and complete type hints.

"Public" means named in its module's ``__all__`` and defined in that module (re-exports are checked where
they are defined).  Each such function needs a docstring with a ``Parameters`` section when it takes
parameters and a ``Returns`` section unless it returns ``None``, and an annotation on every parameter
(``*args`` and ``**kwargs`` included) and on the return.  ``tests/test_theory_contracts.py`` checks the same
for ``dynamics.theory``; this test covers every module of ``dynamics`` and ``derivations``.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import derivations
import dynamics

PACKAGES = (dynamics, derivations)
#: Known gaps, each with the fix it needs (none today).  The test below fails once a gap
#: is closed (so the entry is removed) and whenever a function not listed here has a gap.
KNOWN_GAPS: dict = {}


def _modules() -> list[ModuleType]:
    """The packages and every module below them, imported."""
    modules = list(PACKAGES)
    for package in PACKAGES:
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            modules.append(importlib.import_module(info.name))
    return modules


def _has_section(doc: str, title: str) -> bool:
    """Whether ``doc`` (dedented) has the numpydoc section ``title`` (its name underlined by dashes)."""
    return re.search(rf"^{title}\n-{{{len(title)}}}\s*$", doc, flags=re.MULTILINE) is not None


def _returns_none(signature: inspect.Signature) -> bool:
    """Whether the return annotation says ``None`` (a string under ``from __future__ import annotations``)."""
    return signature.return_annotation in (None, "None", type(None))


def _problems(function: object) -> list[str]:
    """What ``function``'s docstring and annotations lack (empty when it is documented and typed)."""
    signature = inspect.signature(function)
    doc = inspect.getdoc(function) or ""
    problems = []
    if not doc:
        problems.append("no docstring")
    else:
        if signature.parameters and not _has_section(doc, "Parameters"):
            problems.append("no Parameters section")
        if not _returns_none(signature) and not _has_section(doc, "Returns"):
            problems.append("no Returns section")
    unannotated = [name for name, p in signature.parameters.items() if p.annotation is inspect.Parameter.empty]
    if unannotated:
        problems.append(f"no type hint on {', '.join(unannotated)}")
    if signature.return_annotation is inspect.Signature.empty:
        problems.append("no return type hint")
    return problems


def test_the_walk_finds_the_public_functions_of_both_packages() -> None:
    names = {m.__name__ for m in _modules()}
    assert {"derivations.deep", "derivations.model", "dynamics.groundtruth.initialization",
            "dynamics.theory.flow"} <= names


def test_the_check_catches_a_function_without_docstring_sections_or_hints() -> None:
    def bare(x, **kwargs):  # noqa: ANN001, ANN003 - deliberately untyped
        """Only a summary."""

    def documented(x: int) -> None:
        """A summary.

        Parameters
        ----------
        x : int
            A number.
        """

    assert _problems(bare) == ["no Parameters section", "no Returns section", "no type hint on x, kwargs",
                               "no return type hint"]
    assert _problems(documented) == []


def test_every_public_function_has_a_numpydoc_docstring_and_type_hints() -> None:
    offenders = []
    for module in _modules():
        for public in getattr(module, "__all__", ()):
            function = getattr(module, public, None)
            if not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            problems = "; ".join(_problems(function))
            name = f"{module.__name__}.{public}"
            if problems != KNOWN_GAPS.get(name, ""):
                offenders.append(f"{name}: {problems or 'now documented: remove it from KNOWN_GAPS'}")
    assert not offenders, ("public functions without a numpydoc docstring (Parameters/Returns sections) or "
                           "complete type hints:\n  " + "\n  ".join(offenders))

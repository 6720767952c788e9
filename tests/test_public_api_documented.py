"""Every public function and method of the package has a numpydoc docstring and complete type hints.

"Public" means named in its module's ``__all__`` and defined in that module (re-exports are checked where
they are defined).  Each such function needs a docstring with a ``Parameters`` section when it takes
parameters and a ``Returns`` section unless it returns ``None``, and an annotation on every parameter
(``*args`` and ``**kwargs`` included) and on the return.  ``tests/test_theory_contracts.py`` checks the same
for ``dynamics.theory``; this test covers every module of ``dynamics`` and ``derivations``.

The same holds for the public methods of every public class: each function, static method or class method
whose name does not start with ``_`` and that the class itself defines (in ``cls.__dict__``: inherited and
dataclass-generated methods are not its own API), ``self`` / ``cls`` exempt from the ``Parameters`` section
and from annotations.  A public property needs a docstring (one line is enough) and a return annotation.
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


def _problems(function: object, *, bound: bool = False) -> list[str]:
    """What ``function``'s docstring and annotations lack (empty when it is documented and typed).

    With ``bound``, the first parameter (``self`` or ``cls`` of a method) needs neither a hint nor a
    ``Parameters`` entry.
    """
    signature = inspect.signature(function)
    if bound:
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
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


def _property_problems(prop: property) -> list[str]:
    """What a property's docstring and return annotation lack (a one-line docstring is enough)."""
    problems = [] if inspect.getdoc(prop) else ["no docstring"]
    if prop.fget is None or inspect.signature(prop.fget).return_annotation is inspect.Signature.empty:
        problems.append("no return type hint")
    return problems


def _member_problems(member: object) -> list[str] | None:
    """What a class attribute's documentation lacks, or ``None`` when it is not a method or property."""
    if isinstance(member, property):
        return _property_problems(member)
    if isinstance(member, staticmethod):
        return _problems(member.__func__)
    if isinstance(member, classmethod):
        return _problems(member.__func__, bound=True)
    if inspect.isfunction(member):
        return _problems(member, bound=True)
    return None


def _public_classes() -> list[tuple[str, type]]:
    """``(qualified name, class)`` of every class named in an ``__all__`` and defined in that module."""
    classes = []
    for module in _modules():
        for public in getattr(module, "__all__", ()):
            cls = getattr(module, public, None)
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                classes.append((f"{module.__name__}.{public}", cls))
    return classes


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


def test_the_check_catches_a_method_or_property_without_docstring_sections_or_hints() -> None:
    class Thing:
        def bare(self, x, **values):  # noqa: ANN001, ANN003 - deliberately untyped
            """Only a summary."""

        def no_arguments(self) -> int:
            """Only a summary."""
            return 1

        def documented(self, x: int) -> int:
            """A summary.

            Parameters
            ----------
            x : int
                A number.

            Returns
            -------
            int
                ``x`` itself.
            """
            return x

        @property
        def untyped(self):  # noqa: ANN201 - deliberately untyped
            return 1

        @property
        def typed(self) -> int:
            """One line is enough."""
            return 1

    members = vars(Thing)
    assert _member_problems(members["bare"]) == ["no Parameters section", "no Returns section",
                                                 "no type hint on x, values", "no return type hint"]
    assert _member_problems(members["no_arguments"]) == ["no Returns section"]
    assert _member_problems(members["documented"]) == []
    assert _member_problems(members["untyped"]) == ["no docstring", "no return type hint"]
    assert _member_problems(members["typed"]) == []
    assert _member_problems(members["__module__"]) is None


def test_the_walk_finds_the_public_classes_and_their_methods() -> None:
    classes = dict(_public_classes())
    assert {"derivations.model.ModeModel", "derivations.losses.Loss", "derivations.named.Named",
            "dynamics.agreement.Agreement"} <= set(classes)
    assert "at" in vars(classes["derivations.model.ModeModel"])


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


def test_every_public_method_and_property_has_a_numpydoc_docstring_and_type_hints() -> None:
    offenders = []
    for class_name, cls in _public_classes():
        for attribute, member in vars(cls).items():
            if attribute.startswith("_"):
                continue
            problems = _member_problems(member)
            if problems is None:
                continue
            name = f"{class_name}.{attribute}"
            problems = "; ".join(problems)
            if problems != KNOWN_GAPS.get(name, ""):
                offenders.append(f"{name}: {problems or 'now documented: remove it from KNOWN_GAPS'}")
    assert not offenders, ("public methods and properties without a numpydoc docstring (Parameters/Returns "
                           "sections; a docstring for a property) or complete type hints:\n  "
                           + "\n  ".join(offenders))

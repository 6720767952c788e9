"""The theory document and every citation of it: nothing cited that is not in the repository.

``docs/theory.md`` states the theory with stable anchors (``<a id="..."></a>``); code, README, examples and every
claim of ``reproduce`` point into it.  These tests read the repository's text files and check that

- no file that is not in the repository is cited (in particular not the private restatement of the paper), and
  no citation uses that restatement's "§" section numbers;
- every ``docs/theory.md#anchor`` cited anywhere, and every ``#anchor`` link inside the document, resolves;
- every claim of every experiment points to an anchor that resolves;
- every erratum names a test that exists;
- every formula of the document parses (matplotlib's mathtext), and every derivation, reduction and quantity
  the toolkit derives is named in it.

Each checker is a small function of text, also run on a broken input to show it can fail.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import derivations
import pytest
from matplotlib.mathtext import MathTextParser

from dynamics.experiments import claims as claims_module
from dynamics.experiments import identities
from dynamics.experiments.claims import THEORY_ANCHORS, THEORY_DOCUMENT, ClaimRecord, theory_reference

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / THEORY_DOCUMENT

#: Folders of the repository whose text is scanned for citations, with the file endings read there.
SCANNED = {"dynamics": ("py",), "derivations": ("py",), "examples": ("py", "ipynb", "md"), "tests": ("py",),
           "docs": ("md",)}
#: Files at the repository's root that are scanned too.
ROOT_FILES = ("README.md", "setup.cfg", "pyproject.toml")
#: Markdown files the toolkit *writes*, by base name (named in code and README, in an output folder, without
#: being in the repository).
WRITTEN_BY_THE_TOOLKIT = frozenset({"report.md"})
#: The private restatement of the paper that must never be cited (spelled in two pieces so that this file does
#: not cite it either).
PRIVATE_RESTATEMENT = "PAPER" + ".md"

MARKDOWN_FILE = re.compile(r"[\w./-]*\w\.md\b")
URL = re.compile(r"https?://\S+")
THEORY_LINK = re.compile(r"theory\.md#([\w-]+)")
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
LOCAL_LINK = re.compile(r"\]\(#([^)]*)\)")
SECTION_SIGN = "\u00a7"
ERRATUM_TEST = re.compile(r"Test: `([^`:]+)::(\w+)`")
LITERAL_CLAIM_ID = re.compile(r'ClaimRecord\(\s*"([^"]+)"')
ANY_CLAIM_CALL = re.compile(r"ClaimRecord\(\s*(\S)")


def scanned_files() -> list[Path]:
    """The text files whose citations are checked."""
    files = [ROOT / name for name in ROOT_FILES if (ROOT / name).exists()]
    for folder, endings in SCANNED.items():
        for ending in endings:
            files += sorted((ROOT / folder).rglob(f"*.{ending}"))
    # this file is left out: it holds broken citations on purpose, to show that the checkers fail
    return [f for f in files if "__pycache__" not in f.parts and f != Path(__file__).resolve()]


def repository_names() -> tuple[set[str], set[str]]:
    """Relative paths and base names of every file in the repository (outside ``.git``)."""
    paths = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
             if p.is_file() and ".git" not in p.parts and "__pycache__" not in p.parts}
    return paths, {path.rsplit("/", 1)[-1] for path in paths}


def missing_markdown_files(text: str, paths: set[str], names: set[str]) -> list[str]:
    """Markdown files ``text`` names that are neither in the repository nor written by the toolkit."""
    missing = []
    for cited in MARKDOWN_FILE.findall(URL.sub("", text)):
        cited = cited.lstrip("./")
        known = cited in paths if "/" in cited else cited in names
        if not known and cited.rsplit("/", 1)[-1] not in WRITTEN_BY_THE_TOOLKIT:
            missing.append(cited)
    return missing


def anchors(document: str) -> list[str]:
    """Every explicit anchor id of a document, in order."""
    return ANCHOR.findall(document)


def unresolved_links(text: str, known: set[str], *, local: bool = False) -> list[str]:
    """Anchors ``text`` cites (``theory.md#x``, and ``](#x)`` when ``local``) that are not in ``known``."""
    cited = THEORY_LINK.findall(text) + (LOCAL_LINK.findall(text) if local else [])
    return [a for a in cited if a not in known]


def erratum_tests(document: str) -> dict[str, tuple[str, str]]:
    """Each erratum's anchor -> the (file, test name) its section names."""
    out = {}
    parts = re.split(r'(?=<a id="erratum-)', document)
    for part in parts[1:]:
        (anchor,) = ANCHOR.findall(part)[:1]
        found = ERRATUM_TEST.findall(part)
        out[anchor] = found[0] if found else ("", "")
    return out


def defines_function(path: Path, name: str) -> bool:
    """Whether the Python file ``path`` defines the function ``name`` at its top level."""
    if not path.is_file():
        return False
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


@pytest.fixture(scope="module")
def document() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def texts() -> dict[Path, str]:
    return {f: f.read_text(encoding="utf-8") for f in scanned_files()}


# --- (a) nothing cited that is not in the repository ---------------------------------------------------------

def test_the_theory_document_is_in_the_repository():
    assert DOCUMENT.is_file()
    assert THEORY_DOCUMENT == "docs/theory.md"


def outside_tests(texts: dict[Path, str]) -> dict[Path, str]:
    """The texts of code, README, docs and examples: tests may name scratch files, or forbidden names to forbid
    them (the anchors tests cite are still checked, below)."""
    return {f: text for f, text in texts.items() if ROOT / "tests" not in f.parents}


def test_no_cited_markdown_file_is_missing(texts):
    paths, names = repository_names()
    missing = {f.relative_to(ROOT).as_posix(): m for f, text in outside_tests(texts).items()
               if (m := missing_markdown_files(text, paths, names))}
    assert not missing


def test_the_private_restatement_is_never_cited(texts):
    citing = [f.relative_to(ROOT).as_posix() for f, text in outside_tests(texts).items() if PRIVATE_RESTATEMENT in text]
    assert not citing


def test_no_citation_uses_section_signs(texts):
    citing = [f.relative_to(ROOT).as_posix() for f, text in outside_tests(texts).items() if SECTION_SIGN in text]
    assert not citing


def test_code_readme_docs_and_examples_are_scanned(texts):
    scanned = {f.relative_to(ROOT).parts[0] for f in outside_tests(texts)}
    assert {"README.md", "dynamics", "derivations", "docs", "examples"} <= scanned


def test_the_file_checker_catches_a_missing_file():
    paths, names = {"docs/theory.md", "README.md"}, {"theory.md", "README.md"}
    text = f"see {PRIVATE_RESTATEMENT} and docs/theory.md, README.md, docs/other.md, https://x.org/a.md, out/report.md"
    assert missing_markdown_files(text, paths, names) == [PRIVATE_RESTATEMENT, "docs/other.md"]


# --- (b) every anchor cited resolves -------------------------------------------------------------------------

def test_anchors_are_unique_and_well_formed(document):
    ids = anchors(document)
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a) for a in ids), ids
    # the anchors the notebooks and the issue name
    assert {"theorem-3-2", "lemma-3-1", "sec-6-starvation", "eq-8", "eq-15", "lemma-a-1", "erratum-1"} <= set(ids)


def test_every_heading_has_an_anchor(document):
    lines = document.splitlines()
    unanchored = [line for i, line in enumerate(lines) if line.startswith("## ") and line != "## Contents"
                  and not (i > 0 and ANCHOR.search(lines[i - 1]))]
    assert not unanchored


def test_every_cited_anchor_resolves(texts, document):
    known = set(anchors(document))
    broken = {f.relative_to(ROOT).as_posix(): bad for f, text in texts.items()
              if (bad := unresolved_links(text, known, local=f == DOCUMENT))}
    assert not broken


def test_the_anchor_checker_catches_a_dangling_link():
    known = {"theorem-3-2"}
    text = "docs/theory.md#theorem-3-2, docs/theory.md#theorem-9-9 and [here](#nowhere)"
    assert unresolved_links(text, known, local=True) == ["theorem-9-9", "nowhere"]
    assert unresolved_links(text, known) == ["theorem-9-9"]


def test_display_math_is_balanced(document):
    blocks = re.findall(r"\$\$(.*?)\$\$", document, flags=re.S)
    assert len(blocks) > 20
    for block in blocks:
        assert block.count("{") == block.count("}"), block
        assert block.count("\\left") == block.count("\\right"), block


#: What MathJax (GitHub, Jupyter) reads but matplotlib's mathtext spells differently or lacks: each is rewritten
#: before mathtext parses a formula, so that mathtext can check everything else (braces, commands, sub/superscripts).
MATHJAX_ONLY = ((re.compile(r"\\tag\{[^}]*\}"), ""), (re.compile(r"\\[tdc]frac\b"), r"\\frac"),
                (re.compile(r"\\(le|ge)\b"), r"\\\1q"), (re.compile(r"\\[bB]ig\b"), ""),
                (re.compile(r"\\overset\{[^}]*\}\{([^}]*)\}"), r"\1"))


def formulas(document: str, *, inline: bool = True) -> list[str]:
    """The display (``$$...$$``) formulas of a Markdown document, then (if ``inline``) its inline (``$...$``) ones."""
    display = re.findall(r"\$\$(.*?)\$\$", document, flags=re.S)
    if not inline:
        return display
    return display + re.findall(r"(?<!\$)\$([^$\n]+?)\$(?!\$)", re.sub(r"\$\$.*?\$\$", "", document, flags=re.S))


def unparsable(formula_list: list[str]) -> list[str]:
    """The formulas matplotlib's mathtext cannot parse (after :data:`MATHJAX_ONLY`)."""
    parser, bad = MathTextParser("path"), []
    for formula in formula_list:
        text = " ".join(formula.split())
        for pattern, replacement in MATHJAX_ONLY:
            text = pattern.sub(replacement, text)
        try:
            parser.parse(f"${text}$")
        except ValueError:
            bad.append(formula)
    return bad


def test_every_equation_parses(document):
    found = formulas(document, inline=False)
    assert len(found) > 20
    assert not unparsable(found)


@pytest.mark.slow
def test_every_inline_formula_parses(document):  # some 300 formulas: seconds of mathtext
    found = formulas(document)
    assert len(found) > 100
    assert not unparsable(found)


def test_the_formula_checker_catches_a_typo():
    assert unparsable([r"\frac{a}{b}", r"\frac{a}{b", r"\sigmaa(u)", r"u \le 1"]) == [r"\frac{a}{b", r"\sigmaa(u)"]


def test_every_derivation_is_named(document):
    unnamed = [name for name in derivations.MODELS if f"derivations.{name}(" not in document]
    assert not unnamed


@pytest.mark.slow
def test_every_reduction_and_quantity_of_the_paper_models_is_named(document):
    models = [derivations.two_layer("bce"), derivations.two_layer("hinge"), derivations.deep(4),
              derivations.deep(3, "hinge"), derivations.shared_neuron(), derivations.starvation(),
              derivations.wide(2), derivations.orthogonal_points(3)]
    unnamed = [(m.name, r.name) for m in models for r in m.reductions if f"`{r.name}`" not in document
               and f"`{r.name.split(' (')[0]}`" not in document]
    unnamed += [(m.name, q) for m in models for q in m.quantities if f'quantity("{q}")' not in document]
    assert not unnamed


# --- (c) every claim of every experiment points to its theory ---------------------------------------------------

def literal_claim_ids() -> dict[str, str]:
    """Claim id -> module, for every ``ClaimRecord("<id>", ...)`` written with a literal id in an experiment."""
    out = {}
    for path in sorted((ROOT / "dynamics" / "experiments").glob("*.py")):
        for claim_id in LITERAL_CLAIM_ID.findall(path.read_text(encoding="utf-8")):
            out[claim_id] = path.stem
    return out


def test_only_the_identities_build_claim_ids_at_run_time():
    computed = [path.stem for path in sorted((ROOT / "dynamics" / "experiments").glob("*.py"))
                for first in ANY_CLAIM_CALL.findall(path.read_text(encoding="utf-8")) if first != '"']
    assert computed == ["identities"]


def test_every_literal_claim_points_to_an_anchor_that_resolves(document):
    known = set(anchors(document))
    ids = literal_claim_ids()
    assert len(ids) >= 20
    unlisted = sorted(i for i in ids if i not in THEORY_ANCHORS)
    assert not unlisted
    dangling = sorted(i for i in ids if THEORY_ANCHORS[i] not in known)
    assert not dangling


def test_every_listed_claim_exists_and_every_model_has_one_anchor(document):
    derived = [i for i in THEORY_ANCHORS if i.startswith("derived_")]
    assert len(derived) == len(identities.MODELS)  # one proven-identities claim per model
    stale = sorted(set(THEORY_ANCHORS) - set(literal_claim_ids()) - set(derived))
    assert not stale
    assert set(THEORY_ANCHORS.values()) <= set(anchors(document))


def test_the_quick_identity_claims_point_to_anchors():
    records = identities.claims(identities.EXPERIMENT.result("quick"))  # the session's shared quick result
    assert records and all(r.docs.startswith(f"{THEORY_DOCUMENT}#") for r in records)
    assert all(r.docs == theory_reference(r.id) for r in records)


@pytest.mark.slow
def test_every_identity_claim_points_to_an_anchor(document):
    known = set(anchors(document))
    models = []
    for key, (label, build) in identities.MODELS.items():
        model = build()
        models.append(identities.ModelProofs(key, label, model.name, model.loss.name, len(model.state),
                                             model.source, ()))
    records = identities.claims(identities.IdentitiesResult(tuple(models)))
    assert {r.id for r in records} == {i for i in THEORY_ANCHORS if i.startswith("derived_")}
    assert all(r.docs.split("#", 1)[1] in known for r in records)


def test_claim_records_carry_their_anchor_into_the_report():
    fields = dict(section="Sec. 3.2, Corollary 3.3", statement="s", theory=1.0, measured=1.0, error=0.0,
                  passed=True, kind="measured", tolerance=0.0, criterion="c")
    assert ClaimRecord("cor33_ratio", **fields).docs == "docs/theory.md#corollary-3-3"
    assert ClaimRecord("new_claim", **fields).docs == ""  # unlisted: the tests above fail for a real claim
    assert ClaimRecord("new_claim", **fields, docs="docs/theory.md#eq-5").docs == "docs/theory.md#eq-5"
    with pytest.raises(TypeError, match="docs must be a str"):
        ClaimRecord("cor33_ratio", **fields, docs=5)
    assert "docs" in claims_module.ClaimRecord.__dataclass_fields__


# --- (d) every erratum names a test that exists ------------------------------------------------------------------

def test_every_erratum_names_a_test_that_exists(document):
    errata = erratum_tests(document)
    assert list(errata) == [f"erratum-{k}" for k in range(1, len(errata) + 1)] and len(errata) >= 6
    missing = {a: f"{path}::{name}" for a, (path, name) in errata.items() if not defines_function(ROOT / path, name)}
    assert not missing


def test_the_erratum_checker_catches_a_missing_test():
    text = ('<a id="erratum-1"></a>\nTest: `tests/test_docs.py::test_every_erratum_names_a_test_that_exists`\n'
            '<a id="erratum-2"></a>\nTest: `tests/test_docs.py::test_that_was_never_written`\n'
            '<a id="erratum-3"></a>\nno test named\n')
    errata = erratum_tests(text)
    assert [defines_function(ROOT / path, name) for path, name in errata.values()] == [True, False, False]

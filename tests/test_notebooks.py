"""The example notebooks: stored clean, on the public API, citing the theory's anchors, and run top to bottom.

``examples/*.ipynb`` are read with :mod:`nbformat` and executed with :mod:`nbclient` in a ``python3`` kernel
whose working folder is a temporary one (nothing a notebook writes lands in the repository) and whose
``PYTHONPATH`` starts with this repository, so the kernel imports the package under test (in CI the project is
also pip-installed; the repository still comes first).  The execution tests are skipped, with the reason, when
nbclient, nbformat or ipykernel is missing (``pip install -e .[test]`` installs them).
"""
import ast
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES_DIR.glob("*.ipynb"))
#: The notebooks the project promises (a researcher's three entry points).
EXPECTED = {"derivation_tour", "theory_vs_gradient_descent", "gradient_starvation"}
#: The only kernelspec a stored notebook may name: the standard one ipykernel installs.
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
#: Anchors of docs/theory.md the notebooks may cite (created by the theory document).
THEORY_ANCHORS = {"theorem-3-2", "sec-6-starvation", "eq-8", "lemma-3-1"}
#: Top-level modules a notebook may import: the project's two packages and the libraries it depends on.
ALLOWED_IMPORTS = {"dynamics", "derivations", "numpy", "scipy", "sympy", "matplotlib", "IPython"}
#: Seconds a single cell may take before the run fails.  Each notebook takes well under ~10 s of CPU here;
#: the margin is for a shared, loaded machine (kernel start-up, first imports), not for slow cells.
CELL_TIMEOUT = 300
#: Text that, in a cell's stderr, means the notebook emitted a warning or an error message.
STDERR_PROBLEM = re.compile(r"warning|error|traceback", re.IGNORECASE)

ids = [p.stem for p in NOTEBOOKS]


def _read(path):
    nbformat = pytest.importorskip("nbformat", reason="reading notebooks needs nbformat (the 'test' extra)")
    return nbformat.read(path, as_version=4)


def _code(nb):
    """The notebook's code cells as Python source, IPython magics (``%...``) removed."""
    return ["\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
            for cell in nb.cells if cell.cell_type == "code"]


def test_the_notebooks_ship():
    """The three promised notebooks are there (and no notebook the tests below would not see)."""
    assert {p.stem for p in NOTEBOOKS} == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_without_outputs(path):
    """Stored clean: valid nbformat 4, no outputs, no execution counts, no cell metadata, and notebook metadata
    that is only the ``python3`` kernelspec (so a diff shows only what a person wrote)."""
    import nbformat

    nb = _read(path)
    nbformat.validate(nb)
    assert dict(nb.metadata) == {"kernelspec": KERNELSPEC}, nb.metadata
    for cell in nb.cells:
        assert dict(cell.metadata) == {}, (cell.id, cell.metadata)
        assert "attachments" not in cell, cell.id
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "a title comes first"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_public_api_only(path):
    """Code imports only the project's packages and its dependencies, never a private name (``_x``), and does not
    reach into the experiment or report internals: what a notebook shows, a user can write."""
    for source in _code(_read(path)):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
                names = [alias.name for alias in node.names]
                for module in modules:
                    assert module.split(".")[0] in ALLOWED_IMPORTS, module
                    assert not any(part.startswith("_") for part in module.split(".")), module
                    assert module.split(".")[:2] not in (["dynamics", "experiments"], ["dynamics", "report"]), module
                assert not any(name.startswith("_") for name in names), names
            elif isinstance(node, ast.Attribute):
                assert not node.attr.startswith("_"), f"private attribute {node.attr} in {path.name}"
                assert node.attr not in ("experiments", "report"), f"{node.attr} internals in {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_citations(path):
    """Markdown cites the paper's own numbering and the theory document's anchors, never a private file."""
    text = "\n".join(cell.source for cell in _read(path).cells)
    assert "§" not in text and "PAPER" + ".md" not in text  # the private restatement, never named
    anchors = set(re.findall(r"docs/theory\.md#([\w-]+)", text))
    assert anchors, "the notebook cites no anchor of docs/theory.md"
    assert anchors <= THEORY_ANCHORS, anchors - THEORY_ANCHORS
    assert re.search(r"\b(Sec\.|Theorem|eq\.|Fig\.) ?[\dA-D]", text), "no citation of the paper's numbering"
    theory = ROOT / "docs" / "theory.md"
    if theory.exists():  # the document is written alongside; once it is there, every anchor must resolve
        document = theory.read_text()
        assert all(f'id="{anchor}"' in document for anchor in anchors), anchors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_executes(path, tmp_path, monkeypatch):
    """The notebook runs top to bottom in a fresh ``python3`` kernel, without an error or a warning on stderr,
    in a temporary working folder, and draws at least one figure."""
    pytest.importorskip("nbclient", reason="executing notebooks needs nbclient (the 'test' extra)")
    pytest.importorskip("ipykernel", reason="executing notebooks needs ipykernel (the 'test' extra)")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient import NotebookClient

    try:
        KernelSpecManager().get_kernel_spec(KERNELSPEC["name"])
    except NoSuchKernel:
        pytest.skip("no 'python3' Jupyter kernel is installed (ipykernel provides it)")
    nb = _read(path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))  # no history or profile written to the home,
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))  # nor a connection file
    work = tmp_path / "work"
    work.mkdir()
    NotebookClient(nb, kernel_name=KERNELSPEC["name"], timeout=CELL_TIMEOUT,
                   resources={"metadata": {"path": str(work)}}).execute()  # raises CellExecutionError on error
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not any(STDERR_PROBLEM.search(text) for text in stderr), stderr
    assert any("image/png" in o.get("data", {}) for o in outputs), "the notebook drew no figure"

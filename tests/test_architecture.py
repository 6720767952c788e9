"""The house keeps its rooms: who may import whom, read from the source (ast), not from the README.

- the ground truth imports neither :mod:`derivations` nor the theory room (so agreement is evidence);
- the theory room never imports the ground truth;
- the report imports no training code and no theory (it renders experiment results);
- :mod:`derivations` imports nothing of :mod:`dynamics`;
- :mod:`dynamics.sweep` imports only :mod:`dynamics.progress`;
- there is no import cycle between modules.

(That importing the package and drawing leave matplotlib's backend alone is tests/test_matplotlib_backend.py.)
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set:
    """Absolute names of the project modules ``path`` imports (at any depth of the file)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            for alias in node.names:
                found.add(f"{target}.{alias.name}")
                found.add(_defined_in(target, alias.name))  # a name re-exported by a package: where it lives
    return {m for m in found if m.split(".")[0] in ("dynamics", "derivations")}


def _defined_in(package: str, name: str) -> str:
    """The module that defines ``package.name`` when it is a function or class re-exported by the package."""
    import importlib
    try:
        obj = getattr(importlib.import_module(package), name, None)
    except ImportError:
        return package
    return getattr(obj, "__module__", None) or package if callable(obj) else package


MODULES = {_module_name(p): p for top in ("dynamics", "derivations") for p in sorted((ROOT / top).rglob("*.py"))}
GRAPH = {name: {m for m in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def _in(room: str) -> list:
    return [m for m in GRAPH if m == room or m.startswith(room + ".")]


@pytest.mark.parametrize("room, forbidden", [
    ("dynamics.groundtruth", ("derivations", "dynamics.theory", "dynamics.experiments", "dynamics.report",
                              "dynamics.agreement", "dynamics.cli")),
    ("dynamics.theory", ("dynamics.groundtruth", "dynamics.experiments", "dynamics.report", "dynamics.agreement",
                         "dynamics.cli")),
    ("dynamics.report", ("dynamics.groundtruth", "dynamics.theory", "derivations", "dynamics.cli")),
    ("dynamics.experiments", ("dynamics.report", "dynamics.cli")),
    ("derivations", ("dynamics",)),
])
def test_a_room_does_not_import_what_it_must_not(room, forbidden):
    offenders = sorted(f"{m} imports {t}" for m in _in(room) for t in GRAPH[m]
                       if any(t == f or t.startswith(f + ".") for f in forbidden))
    assert not offenders, offenders


def test_a_name_taken_from_the_package_counts_as_an_import_of_the_module_defining_it(tmp_path):
    """``from .. import train`` inside the report reaches the ground truth through the package: detected."""
    global ROOT
    probe = tmp_path / "dynamics" / "report" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from .. import train, __version__\n")
    saved, ROOT = ROOT, tmp_path
    try:
        assert "dynamics.groundtruth.training" in _imports(probe)
    finally:
        ROOT = saved



def test_the_sweep_facility_imports_only_the_progress_bar():
    """:mod:`dynamics.sweep` is a room of its own below every experiment: it knows no theory, training or report."""
    assert GRAPH["dynamics.sweep"] <= {"dynamics.progress"}, GRAPH["dynamics.sweep"]


def test_the_rooms_exist_and_hold_modules():
    for room in ("dynamics.theory", "dynamics.groundtruth", "dynamics.experiments", "dynamics.report"):
        assert len(_in(room)) >= 3, room


def test_there_is_no_import_cycle():
    # a package's __init__ re-exporting its modules is not a cycle: drop edges from a package into itself
    graph = {m: {t for t in targets if not (MODULES[m].name == "__init__.py" and t.startswith(m + "."))}
             for m, targets in GRAPH.items()}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles[:3]


def test_a_detector_of_forbidden_imports_can_fail(tmp_path):
    bad = tmp_path / "dynamics" / "groundtruth" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from ..theory.flow import integrate\nimport derivations\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _imports(bad) >= {"dynamics.theory.flow", "derivations"}
    finally:
        ROOT = saved



def test_every_room_is_reachable_from_a_bare_import_dynamics():
    """``import dynamics`` then ``dynamics.<room>`` works for every room (loaded on first use), in a fresh process
    where nothing else imported them."""
    import subprocess
    import sys
    code = ("import sys, dynamics; assert 'dynamics.report' not in sys.modules; "
            "print(dynamics.experiments.get('depth').name, dynamics.report.figures.FORMATS, dynamics.io.RUN_MARKER, "
            "callable(dynamics.cli.main)); dynamics.no_such_room")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert out.stdout.split()[0] == "depth" and "True" in out.stdout, out.stderr[-1500:]
    assert "AttributeError: module 'dynamics' has no attribute 'no_such_room'" in out.stderr

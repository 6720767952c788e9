"""Importing the library and drawing its figures leave matplotlib's backend alone (a notebook keeps inline
figures): no ``matplotlib.use`` and no ``matplotlib.pyplot`` import anywhere in ``dynamics``.

Checked in one fresh process (this test process has long imported pyplot), which first picks a backend of its
own, as a notebook does, and reports what each stage did.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The backend the fresh process chooses before importing the library: not the one a library would force.
CHOSEN = "svg"

PROBE = f"""
import io, json, sys, tempfile
from pathlib import Path
import matplotlib
matplotlib.use({CHOSEN!r})
stages = {{}}

def stage(name):
    stages[name] = {{"pyplot": "matplotlib.pyplot" in sys.modules, "backend": matplotlib.get_backend()}}

import dynamics
import dynamics.experiments
from dynamics.experiments import registry
experiments = registry.all_experiments()  # imports every experiment module
from dynamics.experiments.style import new_figure
fig, ax = new_figure()
ax.plot([0.0, 1.0], [0.0, 1.0])
fig.savefig(io.BytesIO(), format="png")
stage("library")
try:
    from dynamics.report.figures import save_figure
    with tempfile.TemporaryDirectory() as folder:
        save_figure(fig, Path(folder) / "figure")
    stage("report")
except Exception as exc:
    stages["report"] = {{"error": repr(exc)}}
print(json.dumps(stages))
"""


@pytest.fixture(scope="module")
def stages():
    env = {"CI": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_library_and_drawing_leave_the_backend_alone(stages):
    assert stages["library"] == {"pyplot": False, "backend": CHOSEN}


def test_saving_a_figure_through_the_report_leaves_the_backend_alone(stages):
    assert stages["report"] == {"pyplot": False, "backend": CHOSEN}

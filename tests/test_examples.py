"""Every example script runs at small size and writes its output into the folder it is given."""
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[1] / "examples").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CI": "1", "MPLBACKEND": "Agg",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, str(script), str(tmp_path), "--small"], capture_output=True, text=True,
                         env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    written = list(tmp_path.iterdir())
    assert written, "the example wrote nothing"
    assert any(p.suffix in (".png", ".tex") for p in written)

"""Every example script runs at small size and writes its output into the folder it is given."""
import re
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
    assert out.stdout.strip(), "the example printed nothing"
    assert not re.search(r"\b(nan|inf)\b", out.stdout, re.IGNORECASE), out.stdout[-2000:]  # no silent NaN/inf
    written = list(tmp_path.iterdir())
    assert any(p.suffix in (".png", ".tex") for p in written), "the example wrote no figure or LaTeX"
    for path in written:
        assert path.stat().st_size > 0, f"{path.name} is empty"
        if path.suffix == ".png":
            from PIL import Image  # matplotlib depends on pillow
            with Image.open(path) as im:
                assert im.size[0] > 200 and im.size[1] > 100, (path.name, im.size)

"""Shared by the experiment tests: drawing an experiment's figures, checked to leave matplotlib alone."""
import matplotlib
import pytest
from matplotlib import _pylab_helpers


@pytest.fixture
def draw():
    """``draw(figures, result)`` -> the figures dict, asserting that drawing kept the backend and opened no
    pyplot figure (figures are plain ``Figure`` objects; the fresh-process check is test_matplotlib_backend.py)."""
    def drawn(figures, result):
        backend, open_figures = matplotlib.get_backend(), _pylab_helpers.Gcf.get_num_fig_managers()
        out = figures(result)
        assert matplotlib.get_backend() == backend
        assert _pylab_helpers.Gcf.get_num_fig_managers() == open_figures
        return out
    return drawn

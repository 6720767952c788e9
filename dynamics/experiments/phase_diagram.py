"""Phase diagram of a class-1 neuron in the (z0, y0) plane (Sec. 3.3, Fig. 2 Left)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import derivations

from ..theory.flow import integrate
from ..progress import progress
from ..groundtruth.training import train_batch

__all__ = ["PhaseDiagramResult", "phase_diagram", "REGIONS", "theory_region"]

REGIONS = ("frozen", "success", "stalls", "dies")
#: Width (in y0) of the band around region boundaries excluded from the agreement count.
BOUNDARY_BAND = 0.05


def theory_region(z0, y0, norm):
    """Region predicted by §5 for a class-1 point: frozen / success / stalls / dies (codes 0..3)."""
    z0, y0 = np.asarray(z0, float), np.asarray(y0, float)
    out = np.full(np.broadcast(z0, y0).shape, 1)
    out = np.where(y0 > -norm * z0, 1, np.where(np.isclose(y0, -norm * z0), 2, 3))
    return np.where(y0 <= 0, 0, out)


@dataclass(frozen=True)
class PhaseDiagramResult:
    norm: float
    z0: np.ndarray
    y0: np.ndarray
    theory: np.ndarray      # region codes (grid, grid)
    measured: np.ndarray    # region codes from batched GD
    agreement: float        # fraction of grid points away from boundaries where they agree
    counted: int
    flow_lines: tuple       # ((z, y) arrays) of theory trajectories
    horizon: float
    lr: float


def _classify_runs(pre0, pre_T, z_T):
    """Region codes from GD: frozen (inactive from the start), dies (ReLU dead), success (z > 0 alive)."""
    code = np.where(pre0 <= 0, 0, np.where(pre_T <= 0, 3, np.where(z_T > 0, 1, 2)))
    return code


def phase_diagram(*, norm=0.7, grid=41, extent=1.0, horizon=60.0, lr=0.05, quiet=True) -> PhaseDiagramResult:
    """Theory regions vs a batched GD sweep over a grid of initializations (one class-1 point)."""
    values = np.linspace(-extent, extent, grid)
    Z0g, Y0g = np.meshgrid(values, values)  # rows: y0, columns: z0
    x = np.zeros(2)
    x[0] = norm
    X, labels = x[None], np.array([1])
    W0 = (Y0g.ravel()[:, None] * x / norm**2)[:, None, :]  # (K, 1, 2): w.x = y0
    Z0 = Z0g.ravel()[:, None]
    steps = int(round(horizon / lr))
    chunks = np.array_split(np.arange(W0.shape[0]), max(1, W0.shape[0] // 512))
    measured = np.empty(W0.shape[0], dtype=int)
    for idx in progress(chunks, quiet=quiet, desc="phase diagram", unit="batch"):
        run = train_batch(X, labels, W0[idx], Z0[idx], lr=lr, steps=steps, record_every=steps)
        measured[idx] = _classify_runs(run.preactivations[0, :, 0, 0], run.preactivations[-1, :, 0, 0],
                                       run.Z_history[-1, :, 0])
    measured = measured.reshape(grid, grid)
    theory = theory_region(Z0g, Y0g, norm)
    distance = np.minimum(np.abs(Y0g), np.abs(Y0g + norm * Z0g) / np.hypot(1, norm))
    away = distance > BOUNDARY_BAND
    agree = float(np.mean(measured[away] == theory[away]))
    model = derivations.two_layer("bce")
    starts = [(z, y) for z in (-0.9, -0.5, -0.2, 0.3, 0.8) for y in (0.2, 0.6, 0.95)]
    init = np.array([[y, z, 1.0, -1.0] for z, y in starts])
    traj = integrate(model, init, np.linspace(0, 40, 400), parameters={"n_1": norm, "n_2": 1.0, "p": 1.0})
    lines = tuple((traj.states[:, k, 1], traj.states[:, k, 0]) for k in range(len(starts)))
    return PhaseDiagramResult(norm, values, values, theory, measured, agree, int(away.sum()), lines, horizon, lr)

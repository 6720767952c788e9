"""Shared fixtures: the canonical symbolic models, built once per session."""
import matplotlib

matplotlib.use("Agg")

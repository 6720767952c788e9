"""Shared test configuration.

No matplotlib backend is selected here: the library must leave the backend alone (see
``tests/test_matplotlib_backend.py``), and its figures are drawn on ``matplotlib.figure.Figure`` directly,
which needs no backend; headless, matplotlib picks a non-interactive one by itself.
"""

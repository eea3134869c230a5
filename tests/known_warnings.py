"""A known warning of a third-party package that pytest's filters (pyproject.toml) do
not reach, because it is raised once, while a module loads before the tests run:
TensorFlow's on jax, silenced here, where it is loaded first (a plugin, conftest.py)."""

import importlib
import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="jax.xla_computation is deprecated", category=DeprecationWarning
    )
    importlib.import_module("tensorflow.lite.python.util")

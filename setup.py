"""Build of the optional C accelerator for the SIE reader (pipeline/sie/_speedups.c).

Everything else is declared in pyproject.toml. The extension is optional: where it does not compile, the
install still succeeds and the reader uses its pure-Python path (pipeline/sie/bulk.py).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("pipeline.sie._speedups", ["pipeline/sie/_speedups.c"], optional=True)])

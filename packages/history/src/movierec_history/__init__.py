"""movierec-history."""

from importlib.metadata import version

__version__ = version("movierec-history")

"""movierec-movies."""

from importlib.metadata import version

__version__ = version("movierec-movies")

"""movierec-ratings."""

from importlib.metadata import version

__version__ = version("movierec-ratings")

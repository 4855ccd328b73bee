"""movierec-recs."""

from importlib.metadata import version

__version__ = version("movierec-recs")

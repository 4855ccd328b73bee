"""movierec-auth."""

from importlib.metadata import version

__version__ = version("movierec-auth")

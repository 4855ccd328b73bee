"""The user-data library: what history and ratings share as services holding users' data.

Only services that keep per-user entries depend on it; the kernel (``movierec_common``)
stays infrastructure only.
"""

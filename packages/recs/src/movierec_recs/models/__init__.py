"""The offline recommendation library: data, split protocol, metrics, strategies.

Needs no running service: everything works from MovieLens-style CSV files.
"""

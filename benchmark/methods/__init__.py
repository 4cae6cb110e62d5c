"""The method plugin interface and its registry."""

from benchmark.methods.interface import ENTRY_POINT_GROUP, Encoder, Method

__all__ = ["ENTRY_POINT_GROUP", "Encoder", "Method"]

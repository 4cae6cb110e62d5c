"""The data layer: loading (``loading``), examples, tokenization cache, collation.

Submodules are imported where needed; importing this package stays cheap (no torch,
no ``datasets``).
"""

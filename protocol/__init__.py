"""The accord protocol: typed wire messages and the pure rules engine.

Imports only the standard library and msgspec; no I/O, no clocks, no global
randomness. Time and seeds come in as arguments.
"""

PROTOCOL_VERSION = 1

"""accord: multilateral talks between software delegations.

- :mod:`accord.protocol`: the wire messages and the pure rules engine;
- :mod:`accord.server`: the server (rooms over websockets, the HTTP API, storage);
- :mod:`accord.bots`: the SDK strategy authors write delegations with, its
  transports and the built-in strategies;
- :mod:`accord.cli`: the ``accord`` command line (also ``python -m accord``).
"""

from accord.protocol import PROTOCOL_VERSION

__version__ = "0.1.0"

__all__ = ["PROTOCOL_VERSION", "__version__"]

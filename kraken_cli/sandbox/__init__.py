"""krx sandbox: a protocol-faithful fake Kraken (spot REST, WS v2 public and private) on loopback.

Start it with ``python -m kraken_cli.sandbox`` or ``krx sandbox``; find a running one with
:func:`kraken_cli.config.sandbox_state.read_state`. Importing this package pulls in no server
dependency; ``server`` needs the ``sandbox`` extra (starlette, uvicorn, websockets).
"""

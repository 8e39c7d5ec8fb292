"""``krx serve``: the platform's Provider API for Kraken, an HTTP adapter over krx's services.

The routes parse their own input (path and query), call the same services as the CLI and hand
the typed records to JSON; no data logic lives here. Layout: ``app`` builds the ASGI app,
``auth`` checks the bearer token, ``problems`` maps krx errors to HTTP statuses, ``queries``
parses the platform's query forms, ``routes_*`` hold the handlers, ``docs`` serves the
interactive page offline.
"""

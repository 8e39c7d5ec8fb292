"""Kraken's wire primitives shared by the client and the sandbox: signing and book checksums.

Pure functions only (no I/O, no krx types), so both sides of the wire use the same code.
"""

"""Run krx as ``python -m kraken_cli``."""

from kraken_cli.cli.entry import main

if __name__ == "__main__":
    main()

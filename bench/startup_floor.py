"""The floor of a one-shot krx command: the same I/O through the standard library, same bytes out.

It reads the same local files as krx (the sandbox state, the pairs cache; JSON-decoded), makes
the same HTTP GETs over one ``http.client`` connection (each reply JSON-decoded), reads the same
trades from the SQLite store, then writes the bytes krx printed (given in a file): what a
command costs in Python with nothing but the work itself.

Usage: startup_floor.py EXPECTED_OUTPUT [--read FILE]... [--get URL]... [--trades DB LO HI]
"""

import sys


def main(argv: list[str]) -> None:
    """Do the I/O ``argv`` names, then write the expected output to stdout."""
    import json

    expected, args = argv[0], argv[1:]
    conn = None
    while args:
        flag, value, args = args[0], args[1], args[2:]
        if flag == "--read":
            with open(value, "rb") as handle:
                json.loads(handle.read())
        elif flag == "--get":
            import http.client
            from urllib.parse import urlsplit

            url = urlsplit(value)
            if conn is None:
                conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
            conn.request("GET", url.path + (f"?{url.query}" if url.query else ""))
            json.loads(conn.getresponse().read())
        elif flag == "--trades":
            import sqlite3

            lo, hi, args = int(args[0]), int(args[1]), args[2:]
            db = sqlite3.connect(value)
            sql = "SELECT time_ns, price, volume FROM trades WHERE time_ns >= ? AND time_ns < ?"
            db.execute(sql, (lo, hi)).fetchall()
            db.close()
    with open(expected, "rb") as handle:
        sys.stdout.buffer.write(handle.read())


if __name__ == "__main__":
    main(sys.argv[1:])

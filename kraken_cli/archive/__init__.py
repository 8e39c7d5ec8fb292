"""``krx archive``: streamed records kept as Hive-partitioned Parquet that DuckDB, Polars,
pyarrow and Spark read unchanged.

``schema`` holds one Arrow schema per channel (exact decimals), ``layout`` the partition paths
and file names, ``writer`` the crash-safe partition writers, ``query`` the DuckDB views.
"""

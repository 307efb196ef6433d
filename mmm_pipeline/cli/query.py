"""``mmm query``: read-only SQL on the warehouse."""

from __future__ import annotations

import argparse
import sys

from mmm_pipeline.cli.environment import apply_overrides
from mmm_pipeline.warehouse_lock import open_warehouse


def cmd_query(args: argparse.Namespace) -> int:
    """Run read-only SQL on the warehouse and print the result.

    Read-only still lets DuckDB read and write other files (``COPY ... TO``, ``read_csv``,
    ``ATTACH``); with external access off a query sees the warehouse and nothing else. A
    MotherDuck warehouse needs its extension from disk and the network, so it keeps
    DuckDB's default.

    Returns
    -------
    int
        0 on success, 1 when DuckDB refuses or fails the query, 2 when there is no warehouse.
    """
    import duckdb

    from mmm_pipeline.warehouse_lock import is_local_file

    settings = apply_overrides(None, args.warehouse, None)
    if not settings.warehouse_exists:
        print(
            f"mmm query: no warehouse at {settings.warehouse}; run `mmm run` first", file=sys.stderr
        )
        return 2
    local = is_local_file(settings.warehouse)
    config = {"enable_external_access": False} if local else None
    with open_warehouse(settings.warehouse, read_only=True, config=config) as conn:
        try:
            relation = conn.sql(args.sql)
            if relation is not None:
                relation.show(max_rows=args.max_rows, max_width=10_000)
        except duckdb.PermissionException as error:
            print(
                f"mmm query: {error}; queries read the warehouse's tables only, no other "
                "files, databases or extensions",
                file=sys.stderr,
            )
            return 1
        except duckdb.Error as error:
            print(f"mmm query: {error}", file=sys.stderr)
            return 1
    return 0

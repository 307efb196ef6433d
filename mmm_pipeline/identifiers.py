"""SQL identifiers built from names that come from users' files or our own schemas.

Column names of a delivered CSV reach ``create table`` and ``alter table`` statements,
which cannot take them as bound parameters; quoting them here, in one place, is what
keeps a header such as ``a"; drop table raw.deliveries; --`` a column name.
"""


def quote_identifier(name: str) -> str:
    """Quote a column name so it can never be read as SQL.

    Returns
    -------
    str
        ``name`` in double quotes, its own double quotes doubled.
    """
    return '"' + name.replace('"', '""') + '"'

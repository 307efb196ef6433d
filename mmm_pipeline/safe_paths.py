"""Paths built from data stay inside the folder they were meant for.

Segment and outcome names come from deliveries and ``artifact_path`` from a warehouse
table; either can hold ``..``, an absolute path or a link. Every such path is joined and
resolved here, and refused when it lands outside its base folder, before anything is
written there or loaded from it.
"""

from __future__ import annotations

from pathlib import Path


class OutsideBaseFolder(ValueError):
    """A path built from data resolves outside the folder it must stay in."""


def inside(base: Path, *parts: str | Path) -> Path:
    """Join ``parts`` onto ``base`` and return the result if it resolves inside ``base``.

    An absolute part replaces ``base`` (as in :class:`pathlib.Path`), so a stored absolute
    path is checked the same way as a relative one. Links are resolved on both sides.

    Parameters
    ----------
    base
        The folder the path must stay in.
    *parts
        Path parts taken from data, such as a segment name or a stored ``artifact_path``.

    Returns
    -------
    pathlib.Path
        The joined path, absolute and with links resolved; it need not exist.

    Raises
    ------
    OutsideBaseFolder
        When the resolved path is not ``base`` itself or below it.
    """
    root = base.resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(root):
        joined = " / ".join(str(part) for part in parts)
        raise OutsideBaseFolder(
            f"{joined!r} resolves to {target}, outside {root}; refusing to use it"
        )
    return target

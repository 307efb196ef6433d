"""The `mmm` command: every sub-command documents itself, and queries cannot write."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.cli import main


@pytest.mark.parametrize("command", ["simulate", "run", "demo", "query", "ui"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: mmm" in capsys.readouterr().out


def test_query_prints_results_and_refuses_to_write(
    pipeline_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(str(pipeline_env["warehouse"])) as conn:
        conn.execute("create schema marts; create table marts.t as select 42 as answer")
    assert main(["query", "select answer from marts.t"]) == 0
    assert "42" in capsys.readouterr().out
    assert main(["query", "drop table marts.t"]) == 1
    assert "read-only" in capsys.readouterr().err
    with duckdb.connect(str(pipeline_env["warehouse"]), read_only=True) as conn:
        assert conn.execute("select answer from marts.t").fetchall() == [(42,)]


def test_run_without_a_landing_zone_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pipeline_env: dict[str, Path]
) -> None:
    assert main(["run", "--landing", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err

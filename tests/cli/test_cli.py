"""The `mmm` command: every sub-command documents itself, and queries cannot write."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mmm_pipeline.cli import main
from mmm_pipeline.cli import parser as cli


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


def test_query_cannot_reach_files_outside_the_warehouse(
    pipeline_env: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(str(pipeline_env["warehouse"])) as conn:
        conn.execute("create schema marts; create table marts.t as select 42 as answer")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text("token\nhunter2\n")
    copied = outside / "copied.csv"

    assert main(["query", f"copy (select 1) to '{copied}'"]) == 1
    assert not copied.exists()
    assert "file system operations are disabled" in capsys.readouterr().err
    assert main(["query", f"select * from read_csv('{secret}')"]) == 1
    err = capsys.readouterr().err
    assert "queries read the warehouse's tables only" in err and "hunter2" not in err
    assert main(["query", f"attach '{outside / 'other.duckdb'}' as other"]) == 1
    assert not (outside / "other.duckdb").exists()
    capsys.readouterr()
    assert main(["query", "select answer * 2 as twice from marts.t"]) == 0
    assert "84" in capsys.readouterr().out


def test_ui_listens_on_localhost_only(
    pipeline_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_call(command: list[str], **_: object) -> int:
        calls.append(command)
        return 0

    monkeypatch.setattr("mmm_pipeline.cli.ui.subprocess.call", fake_call)
    assert main(["ui", "--port", "3999"]) == 0
    (command,) = calls
    assert command[command.index("-h") + 1] == "127.0.0.1"
    assert command[command.index("-p") + 1] == "3999"
    assert command.count("-h") == 1 and "--host" not in command


def test_fitting_commands_restart_with_a_fixed_hash_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded fits repeat across processes only under a fixed PYTHONHASHSEED."""
    restarts: list[list[str]] = []
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    monkeypatch.setattr(cli.os, "execv", lambda path, args: restarts.append(args))
    cli._with_fixed_hash_seed(["query", "select 1"])
    assert restarts == []
    cli._with_fixed_hash_seed(["run", "--parallel", "2"])
    assert restarts[0][1:] == ["-m", "mmm_pipeline.cli", "run", "--parallel", "2"]
    assert cli.os.environ["PYTHONHASHSEED"] == "0"
    cli._with_fixed_hash_seed(["run"])  # already set: no second restart
    assert len(restarts) == 1

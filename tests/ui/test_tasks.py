"""The task runner is generic over each task's result type (discharge_hub/ui/tasks.py,
like Anki's QueryOp[T]): the type checker ties ``on_done`` to what the work returns,
and ``query(...).success(...).failure(...).run()`` delivers on the GUI thread."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from mypy import api

from discharge_hub.errors import NotFoundError
from discharge_hub.services.reference_lists import site_names
from discharge_hub.ui.tasks import TaskRunner

ROOT = Path(__file__).resolve().parents[2]


def _mypy(tmp_path: Path, code: str) -> str:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(code), encoding="utf-8")
    out, err, _status = api.run(
        ["--strict", "--no-incremental", "--config-file", str(ROOT / "pyproject.toml"),
         str(snippet)]
    )  # fmt: skip
    return out + err


@pytest.mark.slow
def test_a_callback_for_another_result_type_is_a_type_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MYPYPATH", str(ROOT))
    out = _mypy(
        tmp_path,
        """
        from discharge_hub.services.reference_lists import site_names
        from discharge_hub.ui.tasks import TaskRunner

        def show_count(n: int) -> None: ...
        def show_names(names: list[str]) -> None: ...

        def use(runner: TaskRunner) -> None:
            runner.read("sites", site_names, show_count)  # wrong: a list[str] comes back
            runner.query("sites", site_names).success(show_count).run()  # wrong too
            runner.read("sites", site_names, show_names)  # right
            runner.query("sites", site_names).success(show_names).run()  # right
        """,
    )
    lines = [line for line in out.splitlines() if "snippet.py" in line and "error" in line]
    # Only the two wrong lines (9 and 10) are refused; mypy words line 9 as "cannot
    # infer T" (no T fits both), line 10 as the callback's type against list[str].
    assert [line.split(":")[1] for line in lines] == ["9", "10"], out
    assert "list[str]" in lines[1] and "int" in lines[1], out


def test_query_delivers_its_result_or_its_error_on_the_gui_thread(qtbot, demo_db) -> None:
    runner = TaskRunner(demo_db, "test.user")
    got: list[list[str]] = []
    failed: list[BaseException] = []
    runner.query("listing the sites", site_names).success(got.append).run()
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    with demo_db.read() as s:
        assert got == [site_names(s)]

    def missing(_s: object) -> int:
        raise NotFoundError("no such ward")

    bugs: list[str] = []
    runner.bug_raised.connect(lambda name, _text: bugs.append(name))
    runner.query("finding a ward", missing).success(lambda n: got.append([str(n)])).failure(
        failed.append
    ).run()
    qtbot.waitUntil(lambda: bool(failed), timeout=10_000)
    assert isinstance(failed[0], NotFoundError) and len(got) == 1
    assert bugs == []  # an error of the environment, not a bug
    runner.wait_idle()
    assert os.environ.get("QT_QPA_PLATFORM") == "offscreen"

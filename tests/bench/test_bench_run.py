"""bench/run.py's logic: how rows are judged and shown, how rounds alternate, which
measures run, how the original is described, and the process helpers. Nothing is timed."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from bench import run
from bench.measure import Original, alternate, percentile, ratio_row, value_row
from bench.servers import descendants, listening_pids, server_root


def test_rounds_alternate_and_the_order_reverses_every_other_round() -> None:
    calls: list[str] = []

    def contender(name: str) -> Callable[[], str]:
        def call() -> str:
            calls.append(name)
            return f"{name}{calls.count(name)}"

        return call

    out = alternate(4, {"a": contender("a"), "b": contender("b"), "c": contender("c")})
    assert calls == ["a", "b", "c", "c", "b", "a", "a", "b", "c", "c", "b", "a"]
    assert out == {"a": ["a1", "a2", "a3", "a4"], "b": ["b1", "b2", "b3", "b4"],
                   "c": ["c1", "c2", "c3", "c4"]}  # fmt: skip


def test_a_ratio_row_is_met_by_value_over_baseline_in_the_stated_direction() -> None:
    slower = ratio_row("list vs bare", 3.2, "ms", 1.0, 3.0)
    assert (slower.ratio, slower.met, slower.compare) == (3.2, False, "ratio <=")
    faster = ratio_row("domain vs raw", 20.0, "wf/s", 100.0, 0.1, "ratio >=")
    assert (faster.ratio, faster.met) == (0.2, True)


def test_a_row_without_its_baseline_keeps_its_value_and_says_not_measured() -> None:
    row = ratio_row("workflow vs the original", 41.5, "wf/s", None, 5.0, "ratio >=",
                    "not measured: run with --original URL")  # fmt: skip
    assert (row.value, row.baseline, row.ratio, row.met) == (41.5, None, None, None)
    assert row.note == "not measured: run with --original URL"
    line = next(x for x in run.table([row], "header").splitlines() if x.startswith("| work"))
    assert line.endswith("| 41.5 wf/s | — | — | ratio ≥ 5 | not measured |")


def test_a_value_row_is_met_by_its_value_and_shows_a_baseline_beside_it() -> None:
    row = value_row("server CPU per workflow", 16.0, "ms", 15.0, baseline=108.0)
    assert (row.met, row.compare, row.baseline, row.ratio) == (False, "value <=", 108.0, 0.1481)
    assert value_row("statements", 34, "statements", 35).met is True


def test_the_table_lists_every_row_and_its_note() -> None:
    rows = [ratio_row("a", 2.0, "ms", 1.0, 3.0, note="why a"), value_row("b", 9.0, "ms", 5.0)]
    text = run.table(rows, "header")
    assert "| a | 2 ms | 1 ms | 2 | ratio ≤ 3 | yes |" in text
    assert "| b | 9 ms | — | — | ≤ 5 ms | **no** |" in text
    assert text.splitlines()[-1] == "- a: why a"


def test_percentiles_interpolate_between_neighbours() -> None:
    samples = [float(n) for n in range(1, 101)]  # 1..100
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0


def test_only_runs_the_named_measures_in_the_registry_order() -> None:
    assert list(run.selected("concurrency, tui")) == ["tui", "concurrency"]
    assert run.selected(None) == run.MEASURES
    with pytest.raises(SystemExit, match="unknown measure nope"):
        run.selected("tui,nope")


def test_every_registered_measure_names_a_function_that_exists() -> None:
    for target in run.MEASURES.values():
        assert callable(run.load(target)), target


def test_the_original_is_described_by_its_url_users_and_optional_counter() -> None:
    one = run.original_from(run.parse(["--original", "http://127.0.0.1:8001/",
                                       "--original-users", "boss:pw"]))  # fmt: skip
    assert one == Original("http://127.0.0.1:8001", ("boss", "pw"), ("boss", "pw"), ("boss", "pw"))
    three = run.original_from(run.parse([
        "--original", "http://127.0.0.1:8001", "--original-users", "m:1,t:2,q:3",
        "--original-counter", "127.0.0.1:6544",
    ]))  # fmt: skip
    assert three is not None
    assert (three.intake, three.technician, three.qc) == (("m", "1"), ("t", "2"), ("q", "3"))
    assert three.counter == ("127.0.0.1", 6544)
    assert run.original_from(run.parse(["--smoke"])) is None
    with pytest.raises(SystemExit, match="--original-users"):
        run.original_from(run.parse(["--original", "http://127.0.0.1:8001"]))


def test_a_listening_socket_is_traced_to_this_process() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        pids = listening_pids(port)
    import os

    assert os.getpid() in pids
    assert server_root({os.getpid()}) == os.getpid()
    assert server_root(set()) is None


def test_a_process_tree_holds_every_descendant_and_nothing_else() -> None:
    parents = {10: 1, 11: 10, 12: 10, 13: 11, 20: 1}
    assert descendants(10, parents) == {10, 11, 12, 13}
    assert descendants(20, parents) == {20}

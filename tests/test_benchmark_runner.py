"""The benchmark runner: a missed target fails the run and says so in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import benchmarks.__main__ as runner


def _fake(monkeypatch: pytest.MonkeyPatch, results: dict[str, dict[str, object]]) -> None:
    monkeypatch.setattr(runner, "available", lambda: sorted(results))
    monkeypatch.setattr(
        runner, "load", lambda name: lambda quick=False: dict(results[name], quick=quick)
    )


RESULTS: dict[str, dict[str, object]] = {
    "fast": {"rate_rps": 10.0, "checks": {"rate >= 5": True}, "passed": True},
    "slow": {"rate_rps": 1.0, "checks": {"rate >= 5": False}, "passed": False},
    "info": {"rate_rps": 3.0},
}


def test_a_missed_target_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake(monkeypatch, RESULTS)
    assert runner.main(["--out", str(tmp_path)]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "BENCH-SUMMARY passed=fast missed=slow skipped=info"
    assert (tmp_path / "slow.json").is_file()


def test_report_only_keeps_exit_zero_but_still_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake(monkeypatch, RESULTS)
    assert runner.main(["slow", "--report-only", "--out", str(tmp_path)]) == 0
    assert "missed=slow" in capsys.readouterr().out


def test_all_targets_met_exits_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake(monkeypatch, RESULTS)
    assert runner.main(["fast", "info", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().endswith("missed=- skipped=info")


def test_part_runs_only_the_named_parts_of_a_split_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[list[str]] = []

    def split(quick: bool = False, parts: Any = None) -> dict[str, object]:
        ran = [p for p in ("soak", "live") if parts is None or parts(p)]
        asked.append(ran)
        return {"ran": ",".join(ran), "passed": True}

    monkeypatch.setattr(runner, "available", lambda: ["split"])
    monkeypatch.setattr(runner, "load", lambda name: split)
    monkeypatch.setattr(runner, "parts_of", lambda name: ("soak", "live"))
    assert runner.main(["split", "--part", "live", "--out", str(tmp_path)]) == 0
    assert asked == [["live"]]
    assert "--part live" in (tmp_path / "split.json").read_text()
    assert capsys.readouterr().out.strip().endswith("passed=split missed=- skipped=-")


@pytest.mark.parametrize(
    ("parts", "said"),
    [
        (("soak", "live"), "benchmark split has no part warp; its parts: soak, live"),
        ((), "benchmark split has no part warp; it has no parts"),
    ],
)
def test_an_unknown_part_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    parts: tuple[str, ...],
    said: str,
) -> None:
    monkeypatch.setattr(runner, "available", lambda: ["split"])
    monkeypatch.setattr(runner, "load", lambda name: pytest.fail("nothing may run"))
    monkeypatch.setattr(runner, "parts_of", lambda name: parts)
    assert runner.main(["split", "--part", "warp", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().out.strip() == said


def test_the_simulator_benchmark_names_its_parts() -> None:
    assert runner.parts_of("simulator") == ("throughput", "soak", "live", "numbers")
    assert runner.parts_of("cli") == ()


def test_the_simulator_benchmark_reports_the_cores_a_server_kept_busy() -> None:
    from benchmarks.bench_simulator import Sample, _summary
    from benchmarks.loadgen import LoadResult

    def sample(requests: int, cpu_us: float) -> Sample:
        return Sample(LoadResult(requests, 10.0, 1.0, 2.0, 0, 1.0), cpu_us)

    # 100,000 requests in 10 s at 160 us each: 16 CPU-seconds in 10 s, 1.6 cores.
    row = _summary([sample(100_000, 160.0), sample(80_000, 100.0), sample(90_000, 150.0)])
    assert row["median"] == 9_000
    assert row["cpu_us"] == 150.0
    assert row["cores"] == pytest.approx(1.35)  # medians of 1.6, 0.8 and 1.35


@pytest.mark.parametrize(
    ("live_met", "parts", "passed"),
    [
        (False, None, False),  # a live-call miss fails the run even without wrk
        (True, None, None),  # all measured targets met, throughput unmeasured: neither
        (True, {"live"}, True),  # only the live part wanted: it needs no wrk
    ],
)
def test_without_wrk_the_simulator_benchmark_still_checks_its_live_calls(
    monkeypatch: pytest.MonkeyPatch, live_met: bool, parts: set[str] | None, passed: bool | None
) -> None:
    import benchmarks.bench_simulator as bench

    monkeypatch.setattr(bench, "find_wrk", lambda: None)
    monkeypatch.setattr(
        bench, "_live_calls", lambda quick: {"live_checks": {"manual: 10,000 <= 1.2 x": live_met}}
    )
    monkeypatch.setattr(bench, "_numbers", lambda quick: {"numbers_new_vs_one": 1.4})
    figures = bench.run(quick=True, parts=parts.__contains__ if parts else None)
    assert figures.get("passed") is passed
    assert figures["checks"] == {"manual: 10,000 <= 1.2 x": live_met}
    assert ("skipped" in figures) is (parts is None)

"""Benchmarks: ``python -m benchmarks [name ...] [--quick]``.

Each ``benchmarks/bench_<name>.py`` exposes ``run(quick: bool = False) ->
dict[str, object]``: named figures whose keys carry their unit
(``render_map_us``), plus ``target`` (what the figure must meet) and ``passed``
when a target applies. The runner prints them and writes
``reports/bench/<name>.json``.
"""

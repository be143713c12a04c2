"""bench_projections' CPU account: per log position, and what 0.3 of the raw
read leaves a rebuild (the figures issue 4's verdict rests on)."""

from __future__ import annotations

import pytest

from benchmarks.projections_report import Figure, _cpu_lines
from benchmarks.projections_timing import CpuUse, machine_busy


def test_cpu_per_position_splits_the_process_from_the_rest() -> None:
    rebuild = Figure("v.rebuild", "(c) v rebuild", 1000, 2.0, True, 0.08, 0.12)
    process, rest = rebuild.cpu_us() or (0.0, None)
    assert process == pytest.approx(80.0)
    assert rest == pytest.approx(40.0)
    alone = Figure("raw", "raw", 10, 1.0, True, 0.1, None).cpu_us()
    assert alone is not None and alone[1] is None  # the machine unmeasured
    assert Figure("raw", "raw", 10, 1.0).cpu_us() is None


def test_the_budget_at_the_target_is_one_process_and_every_cpu() -> None:
    raw = Figure("raw", "(a) raw read", 100_000, 1.0, True, 0.5, 0.8)  # 100k/s
    rebuild = Figure("v.rebuild", "(c) v rebuild", 100_000, 10.0, True, 9.0, 12.0)
    lines = _cpu_lines([raw, rebuild], cpus=2)
    assert "(c) v rebuild" in lines[2] and lines[2].split()[-3:] == [
        "90.0",
        "30.0",
        "120.0",
    ]
    # 0.3 of 100,000/s is 30,000/s: 33.3 µs a position, 66.7 µs on two CPUs
    assert "33.3 µs of one Python process" in lines[-1]
    assert "66.7 µs of CPU in all" in lines[-1]


def test_cpu_use_counts_this_process_and_the_machine() -> None:
    with CpuUse() as cpu:
        sum(i * i for i in range(300_000))
    assert cpu.process > 0
    if machine_busy() is not None:  # Linux
        assert cpu.machine is not None and cpu.machine >= 0

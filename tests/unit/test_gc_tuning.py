"""A long-running process collects garbage less often (``infra.gc_tuning``);
``SFA_GC_DEFAULT=1`` keeps CPython's own thresholds."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from infra import gc_tuning


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tune_freezes_start_up_and_raises_the_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SFA_GC_DEFAULT", raising=False)
    made_at_start_up = [[n] for n in range(1000)]

    gc_tuning.tune()

    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    assert gc.get_freeze_count() >= len(made_at_start_up)


def test_sfa_gc_default_keeps_the_interpreters_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SFA_GC_DEFAULT", "1")
    before = gc.get_threshold()

    gc_tuning.tune()

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0

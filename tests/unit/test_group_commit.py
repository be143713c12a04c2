"""Group commit: writes arriving together run as one batch, each with its
own result; one failing write does not fail the others."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra.group_commit import GroupCommitter


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def run(self, requests: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(requests))
        time.sleep(0.005)  # a commit takes a while: others queue meanwhile
        return [ValueError(n) if n < 0 else n * 10 for n in requests]


class TestGroupCommitter:
    def test_a_lone_write_runs_at_once_alone(self) -> None:
        recorder = Recorder()
        committer = GroupCommitter(recorder.run)
        assert committer.submit(3) == 30
        assert recorder.batches == [[3]]

    def test_concurrent_writes_share_batches_and_get_their_own_results(
        self,
    ) -> None:
        recorder = Recorder()
        committer = GroupCommitter(recorder.run)
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(committer.submit, range(200)))
        assert results == [n * 10 for n in range(200)]
        assert sorted(n for batch in recorder.batches for n in batch) == list(
            range(200)
        )
        assert len(recorder.batches) < 200
        assert (committer.batches, committer.requests) == (len(recorder.batches), 200)

    def test_a_failing_write_fails_alone(self) -> None:
        committer = GroupCommitter(Recorder().run)
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(committer.submit, n) for n in (1, -1, 2, 3)]
        with pytest.raises(ValueError):
            futures[1].result()
        assert [f.result() for f in (futures[0], futures[2], futures[3])] == [
            10,
            20,
            30,
        ]

    def test_a_batch_that_fails_whole_fails_every_caller(self) -> None:
        down = True

        def broken(requests: Sequence[int]) -> list[int | BaseException]:
            if down:
                raise ConnectionError("store down")
            return list(requests)

        committer: GroupCommitter[int, int] = GroupCommitter(broken)
        errors: list[BaseException] = []

        def write() -> None:
            try:
                committer.submit(1)
            except ConnectionError as e:
                errors.append(e)

        threads = [threading.Thread(target=write) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(errors) == 5
        down = False
        assert committer.submit(7) == 7  # the lead was handed back

"""``new_id``: ``uuid4`` with the random bytes read for many ids at once."""

from __future__ import annotations

import os
from uuid import UUID

import pytest

from commands import ids
from commands.ids import new_id


def test_ids_are_random_version_4_uuids() -> None:
    made = [new_id() for _ in range(3 * ids.BATCH + 5)]  # past several refills
    assert all(isinstance(i, UUID) for i in made)
    assert {i.version for i in made} == {4}
    assert {i.variant for i in made} == {"specified in RFC 4122"}
    assert len(set(made)) == len(made)


def test_the_bytes_come_from_os_urandom_a_batch_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[int] = []

    def urandom(n: int) -> bytes:
        reads.append(n)
        return bytes(range(16)) * (n // 16)

    monkeypatch.setattr(ids, "_ready", type(ids._ready)())
    monkeypatch.setattr(os, "urandom", urandom)
    made = [new_id() for _ in range(ids.BATCH + 1)]
    assert reads == [16 * ids.BATCH] * 2
    assert made[0] == UUID(bytes=bytes(range(16)), version=4)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_hand_out_its_parents_ids() -> None:
    new_id()  # the parent holds a batch
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first id, then gone
        os.write(write, new_id().bytes)
        os._exit(0)
    os.close(write)
    child = UUID(bytes=os.read(read, 16))
    os.waitpid(pid, 0)
    os.close(read)
    assert child != new_id()

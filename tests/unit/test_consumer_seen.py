"""The consumer kit's memory of handled ids (infra/kafka/consumer.py)."""

from __future__ import annotations

from pathlib import Path

from infra.kafka.consumer import MemorySeen, SqliteSeen
from infra.kafka.tail import topic_names


class TestMemorySeen:
    def test_remembers_ids_up_to_its_size(self) -> None:
        seen = MemorySeen(max_ids=2)
        for event_id in ("a", "b", "c"):
            seen.add(event_id)
        assert "a" not in seen  # the oldest is forgotten
        assert "b" in seen and "c" in seen


class TestSqliteSeen:
    def test_remembers_ids_across_a_restart(self, tmp_path: Path) -> None:
        path = str(tmp_path / "seen.db")
        first = SqliteSeen(path)
        first.add("a")
        first.add("a")  # twice is harmless
        again = SqliteSeen(path)
        assert "a" in again and "b" not in again


class TestTailTopics:
    def test_bare_names_get_the_prefix_and_none_means_all(self) -> None:
        assert topic_names("sfa", ["contact", "x.lead"], []) == [
            "sfa.contact",
            "x.lead",
        ]
        assert topic_names("p", [], ["rep", "contact", "rep"]) == ["p.contact", "p.rep"]

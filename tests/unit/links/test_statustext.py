"""STATUSTEXT assembly: single texts pass, chunks join in order, a lost chunk leaves a mark."""

from __future__ import annotations

from gcs.links.statustext import MAX_PENDING_TEXTS, MISSING_CHUNK, StatusText, StatusTextAssembler
from gcs.protocol.dialect import seaport
from tests.unit.links.support import says

WARNING = seaport.MAV_SEVERITY_WARNING


def text(body: str, *, text_id: int = 0, chunk: int = 0, compid: int = 1) -> object:
    return says(seaport.MAVLink_statustext_message(WARNING, body.encode(), text_id, chunk), compid=compid)


def test_a_single_text_passes_through() -> None:
    assert StatusTextAssembler().feed(text("PreArm: GPS fix")) == StatusText(1, WARNING, "PreArm: GPS fix")


def test_chunks_are_joined_when_the_short_last_one_arrives() -> None:
    assembler = StatusTextAssembler()
    first, second = "A" * 50, "B" * 50
    assert assembler.feed(text(first, text_id=7, chunk=0)) is None
    assert assembler.feed(text(second, text_id=7, chunk=1)) is None
    done = assembler.feed(text("end", text_id=7, chunk=2))
    assert done == StatusText(1, WARNING, first + second + "end")


def test_a_lost_chunk_leaves_a_mark_and_texts_of_components_do_not_mix() -> None:
    assembler = StatusTextAssembler()
    assert assembler.feed(text("A" * 50, text_id=3, chunk=0)) is None
    assert assembler.feed(text("X" * 50, text_id=3, chunk=0, compid=2)) is None
    done = assembler.feed(text("end", text_id=3, chunk=2))
    assert done is not None
    assert done.text == "A" * 50 + MISSING_CHUNK + "end"


def test_unfinished_texts_are_bounded() -> None:
    assembler = StatusTextAssembler()
    for text_id in range(1, MAX_PENDING_TEXTS + 10):
        assembler.feed(text("A" * 50, text_id=text_id))
    assert len(assembler._pending) == MAX_PENDING_TEXTS

"""Files stored under their hash by several writers at once (app processes, or hosts sharing a
volume): every writer succeeds, the file is whole, and no temporary file is left behind."""
from __future__ import annotations

import hashlib
import threading

from core.files import store_once


def test_sixteen_writers_storing_the_same_file_at_once_all_succeed_and_the_file_is_whole(tmp_path):
    data = b"%PDF-1.7\n" + bytes(range(256)) * 4096  # 1 MB: long enough for the writes to overlap
    path = tmp_path / "attachments" / "ab" / hashlib.sha256(data).hexdigest()
    barrier = threading.Barrier(16)
    failures: list[BaseException] = []

    def write() -> None:
        barrier.wait()
        try:
            store_once(path, data)
        except BaseException as error:  # noqa: BLE001 - the test reports whatever a writer met
            failures.append(error)

    writers = [threading.Thread(target=write) for _ in range(16)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert failures == []
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_another_writers_temporary_file_is_neither_used_nor_removed(tmp_path):
    """A writer on another host, half way through, owns its temporary file."""
    path = tmp_path / "f" / "0123abcd"
    path.parent.mkdir()
    theirs = path.with_suffix(".part")
    theirs.write_bytes(b"half of som")
    store_once(path, b"the whole file")
    assert path.read_bytes() == b"the whole file"
    assert theirs.read_bytes() == b"half of som"


def test_a_file_already_stored_is_left_as_it_is(tmp_path):
    path = tmp_path / "same"
    store_once(path, b"first")
    store_once(path, b"first")
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"]

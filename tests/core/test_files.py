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


def _record_syncs(monkeypatch) -> list[tuple[str, str]]:
    """What reached the disk, in order: the file's bytes ("file"), its name ("rename") and the
    folder's entries ("folder")."""
    import os
    import stat

    import core.files

    seen: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        kind = "folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file"
        seen.append((kind, ""))
        real_fsync(descriptor)

    def replace(source, target):
        seen.append(("rename", os.path.basename(target)))
        real_replace(source, target)

    monkeypatch.setattr(core.files.os, "fsync", fsync)
    monkeypatch.setattr(core.files.os, "replace", replace)
    return seen


def test_a_file_is_synced_before_its_name_and_its_folder_after_it(tmp_path, monkeypatch):
    """A crash just after ``write_whole`` returns loses nothing: without the first sync the name could
    reach the disk before the bytes (an empty file after a crash); without the last, the name itself."""
    from core.files import write_whole

    seen = _record_syncs(monkeypatch)
    write_whole(tmp_path / "media" / "snapshot.jpg", b"\xff\xd8 a picture")
    assert seen == [("file", ""), ("rename", "snapshot.jpg"), ("folder", "")]
    assert (tmp_path / "media" / "snapshot.jpg").read_bytes() == b"\xff\xd8 a picture"
    assert [p.name for p in (tmp_path / "media").iterdir()] == ["snapshot.jpg"]


def test_the_invigilation_media_store_syncs_what_it_puts(tmp_path, monkeypatch):
    """The log row that names a snapshot is committed after the store returns: the file must be on
    the disk by then."""
    from proctoring.media import LocalMediaStore

    seen = _record_syncs(monkeypatch)
    LocalMediaStore(tmp_path).put("invigilation-7/" + "a" * 64 + ".jpg", b"sealed bytes", "image/jpeg")
    assert seen == [("file", ""), ("rename", "a" * 64 + ".jpg"), ("folder", "")]


def test_a_write_that_fails_leaves_no_temporary_file(tmp_path, monkeypatch):
    import core.files
    from core.files import write_whole

    def full_disk(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(core.files.os, "fsync", full_disk)
    try:
        write_whole(tmp_path / "f", b"data")
    except OSError as error:
        assert error.errno == 28
    else:
        raise AssertionError("the failing sync was not reported")
    assert list(tmp_path.iterdir()) == []

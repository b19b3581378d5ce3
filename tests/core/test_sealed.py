"""Evidence sealed at rest (core/sealed.py, ASVS V6.1.2): what is on disk reveals nothing without the
key, opens only under its own name, survives a key rotation, and files from before sealing still read."""
from __future__ import annotations

import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.sealed import MAGIC, SealBroken, Sealer
from tests import uploads_data

NAME = "ab" * 32  # a file is named by its plain content's SHA-256


@pytest.fixture()
def sealer(tmp_path):
    return Sealer(tmp_path / "keys")


def test_a_sealed_file_holds_no_plain_content_and_opens_to_it(sealer, tmp_path):
    plain = uploads_data.pdf("A letter from my consultant")
    path = tmp_path / "store" / NAME
    sealer.store(path, plain)
    on_disk = path.read_bytes()
    assert on_disk.startswith(MAGIC) and plain not in on_disk and b"consultant" not in on_disk
    assert sealer.read(path) == plain


def test_the_format_is_the_documented_one_and_opens_with_plain_aes_gcm(sealer, tmp_path):
    # An independent reading of the layout the module documents: magic, key number, nonce, AES-GCM
    # with the file's name as associated data. A backup restored elsewhere can be opened with this alone.
    path = tmp_path / NAME
    sealer.store(path, b"%PDF-1.4 evidence")
    blob = path.read_bytes()
    number = int.from_bytes(blob[8:12], "big")
    key = (tmp_path / "keys" / f"key-{number:04d}.bin").read_bytes()
    assert number == 1 and len(key) == 32
    assert AESGCM(key).decrypt(blob[12:24], blob[24:], NAME.encode()) == b"%PDF-1.4 evidence"


def test_two_seals_of_the_same_content_differ(sealer):
    assert sealer.seal(b"same", NAME) != sealer.seal(b"same", NAME)  # a fresh nonce each time


def test_a_sealed_file_moved_under_another_name_does_not_open(sealer, tmp_path):
    path = tmp_path / NAME
    sealer.store(path, b"evidence")
    moved = tmp_path / ("cd" * 32)
    path.rename(moved)
    with pytest.raises(SealBroken, match="altered, renamed or the wrong key"):
        sealer.read(moved)


def test_an_altered_byte_is_refused(sealer, tmp_path):
    path = tmp_path / NAME
    sealer.store(path, b"evidence of a disability")
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    with pytest.raises(SealBroken):
        sealer.read(path)


def test_a_cut_short_file_is_refused(sealer, tmp_path):
    path = tmp_path / NAME
    path.write_bytes(MAGIC + b"\x00\x00\x00\x01")
    with pytest.raises(SealBroken, match="cut short"):
        sealer.read(path)


def test_without_its_key_a_file_does_not_open(tmp_path):
    path = tmp_path / NAME
    Sealer(tmp_path / "keys").store(path, b"evidence")
    with pytest.raises(SealBroken, match="not in"):
        Sealer(tmp_path / "other-keys").read(path)


def test_after_rotation_new_files_use_the_new_key_and_old_files_still_open(sealer, tmp_path):
    old = tmp_path / NAME
    sealer.store(old, b"before")
    assert sealer.rotate() == 2 and sealer.current() == 2
    new = tmp_path / ("cd" * 32)
    sealer.store(new, b"after")
    assert int.from_bytes(new.read_bytes()[8:12], "big") == 2
    assert sealer.read(old) == b"before" and sealer.read(new) == b"after"


def test_keys_are_readable_by_their_owner_only(sealer, tmp_path):
    sealer.current()
    key = tmp_path / "keys" / "key-0001.bin"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_two_processes_making_the_first_key_agree_on_one(tmp_path):
    first, second = Sealer(tmp_path / "keys"), Sealer(tmp_path / "keys")
    path = tmp_path / NAME
    first.store(path, b"evidence")
    assert second.current() == 1 and second.read(path) == b"evidence"


def test_a_file_stored_before_sealing_began_is_read_as_it_is_and_can_be_sealed(sealer, tmp_path):
    path = tmp_path / NAME
    path.write_bytes(b"%PDF-1.4 plain, from an earlier version")
    assert sealer.read(path) == b"%PDF-1.4 plain, from an earlier version"
    assert sealer.seal_in_place(path) is True and path.read_bytes().startswith(MAGIC)
    assert sealer.seal_in_place(path) is False  # sealed already: left alone
    assert sealer.read(path) == b"%PDF-1.4 plain, from an earlier version"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [NAME]  # no temporary file left


def test_a_missing_file_reads_as_none(sealer, tmp_path):
    assert sealer.read(tmp_path / NAME) is None


def test_the_check_reads_headers_opens_one_file_per_key_and_names_what_does_not_open(sealer, tmp_path):
    def stored(name: str, data: bytes):
        path = tmp_path / "files" / name
        path.parent.mkdir(exist_ok=True)
        sealer.store(path, data)
        return path, name

    files = [stored("a", b"first"), stored("b", b"second")]
    sealer.rotate()
    files += [stored("c", b"third")]
    plain = tmp_path / "files" / "old"
    plain.write_bytes(b"stored before sealing began")
    files.append((plain, "old"))
    check = sealer.check(files)
    assert (check.files, check.sealed, check.keys, check.ok) == (4, 3, (1, 2), True)

    # The keys of another instance: the same numbers, other bytes. Each key's first file fails.
    elsewhere = Sealer(tmp_path / "other-keys")
    elsewhere.rotate(), elsewhere.rotate()
    wrong = elsewhere.check(files)
    assert wrong.keys == (1, 2) and len(wrong.problems) == 2
    assert wrong.problems[0].startswith("2 files sealed with evidence key 1: a does not open with key 1")
    # No keys at all: each key is named as missing.
    missing = Sealer(tmp_path / "no-keys").check(files)
    assert missing.problems == (f"2 files sealed with evidence key 1: the evidence key 1 is not in {tmp_path / 'no-keys'}",
                                f"1 file sealed with evidence key 2: the evidence key 2 is not in {tmp_path / 'no-keys'}")
    assert Sealer(tmp_path / "no-keys").check([]) == sealer.check([])  # nothing stored: nothing to open

"""The Bitstring Status List (W3C Recommendation, 2025): one bit per credential, set when the
credential is revoked, published as a GZIP-compressed bitstring, base64url-encoded without padding,
with the multibase prefix ``u``.

As the Recommendation says: index 0 is the left-most bit of the bitstring, that is the most
significant bit of the first byte; the list is at least 16 KB (131,072 bits) so that one credential's
index says little about whom it belongs to ("herd privacy"), which is also why indexes are drawn at
random rather than counted up.

Pure: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

import base64
import gzip
import secrets
from collections.abc import Iterable

MIN_BITS = 131_072  # 16 KB, the Recommendation's minimum


def bitstring(set_indexes: Iterable[int], size: int = MIN_BITS) -> bytes:
    """The uncompressed list: ``size`` bits, those at ``set_indexes`` set."""
    if size % 8 or size < MIN_BITS:
        raise ValueError(f"a status list has a whole number of bytes and at least {MIN_BITS} bits")
    data = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list (0 to {size - 1})")
        data[index // 8] |= 0x80 >> (index % 8)
    return bytes(data)


def encoded_list(set_indexes: Iterable[int], size: int = MIN_BITS) -> str:
    """The ``encodedList`` value: multibase base64url (prefix ``u``, no padding) of the GZIP of the bits.
    ``mtime=0`` keeps the output a function of the bits alone."""
    compressed = gzip.compress(bitstring(set_indexes, size), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decoded_list(encoded: str) -> bytes:
    """The bits of an ``encodedList`` (the inverse of ``encoded_list``)."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList starts with the multibase prefix 'u' (base64url)")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def random_free_index(taken: set[int], size: int = MIN_BITS, randbelow=secrets.randbelow) -> int:
    """An index no credential holds yet, drawn at random."""
    if len(taken) >= size:
        raise ValueError("the status list is full")
    while True:
        index = randbelow(size)
        if index not in taken:
            return index

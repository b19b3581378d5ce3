"""Pure: certificate codes (typeable, checked, unguessable) and the status list's bit order."""
from __future__ import annotations

import base64
import gzip
import random

import pytest

from assessment.results.certificates import codes, rules, statuslist


def test_a_new_code_has_the_printed_shape_and_reads_back_as_itself():
    code = codes.new_code()
    assert len(code) == len("COP-XXXX-XXXX-XXXX") and code.startswith("COP-")
    assert all(symbol in codes.ALPHABET for symbol in code[4:].replace("-", ""))
    assert codes.normalised(code) == code


def test_codes_do_not_repeat():
    assert len({codes.new_code() for _ in range(2000)}) == 2000


@pytest.mark.parametrize("typed", ["cop-7k2m-q9xd-4tr?", " cop 7k2m q9xd 4tr? ", "7K2MQ9XD4TR?", "COP7K2MQ9XD4TR?"])
def test_a_code_may_be_typed_loosely(typed):
    body = "7K2MQ9XD4TR"
    code = codes.formatted(body + codes.check_symbol(body))
    assert codes.normalised(typed.replace("?", code[-1].lower() if typed.islower() else code[-1])) == code


def test_letters_that_look_like_digits_are_read_as_digits():
    body = "10000000001"
    code = codes.formatted(body + codes.check_symbol(body))
    assert codes.normalised("COP-" + "IOOO-OOOO-OOL" + code[-1]) == code


def test_every_single_wrong_symbol_is_caught():
    rng = random.Random(7)
    body = "".join(rng.choice(codes.ALPHABET) for _ in range(11))
    symbols = body + codes.check_symbol(body)
    for position in range(len(symbols)):
        for other in codes.ALPHABET:
            if other != symbols[position]:
                changed = symbols[:position] + other + symbols[position + 1:]
                assert codes.normalised(changed) is None, (position, other)


def test_most_swaps_of_neighbours_are_caught():
    rng = random.Random(11)
    caught = total = 0
    for _ in range(300):
        body = "".join(rng.choice(codes.ALPHABET) for _ in range(11))
        symbols = body + codes.check_symbol(body)
        for i in range(len(symbols) - 1):
            if symbols[i] != symbols[i + 1]:
                swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2:]
                total += 1
                caught += codes.normalised(swapped) is None
    assert caught / total > 0.9


@pytest.mark.parametrize("typed", ["", "COP-", "COP-7K2M-Q9XD", "COP-7K2M-Q9XD-4TR8-XXXX", "COP-7K2M-Q9XD-4TU8",
                                   "COP-7K2M-Q9XD-4T!8", "x" * 500, None])
def test_what_cannot_be_a_code_is_none(typed):
    assert codes.normalised(typed) is None


def test_index_zero_is_the_left_most_bit_of_the_first_byte():
    bits = statuslist.bitstring({0, 9, 131_071})
    assert len(bits) == 16_384
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert sum(bin(b).count("1") for b in bits) == 3


def test_the_encoded_list_is_multibase_base64url_of_the_gzip_of_the_bits():
    encoded = statuslist.encoded_list({5, 1000})
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert bits == statuslist.bitstring({5, 1000})
    assert statuslist.decoded_list(encoded) == bits
    assert statuslist.is_set(bits, 1000) and not statuslist.is_set(bits, 999)


@pytest.mark.parametrize("bad", [{-1}, {131_072}])
def test_an_index_outside_the_list_is_refused(bad):
    with pytest.raises(ValueError):
        statuslist.bitstring(bad)


def test_a_list_below_the_minimum_size_is_refused():
    with pytest.raises(ValueError):
        statuslist.bitstring(set(), size=8 * 1024)


def test_a_free_index_is_never_one_taken():
    taken = set(range(0, statuslist.MIN_BITS - 1))
    assert statuslist.random_free_index(taken) == statuslist.MIN_BITS - 1


def test_status_folds_revocation_over_supersession():
    assert rules.status_of([]) == rules.Status.VALID
    assert rules.status_of(["superseded"]) == rules.Status.SUPERSEDED
    assert rules.status_of(["superseded", "revoked"]) == rules.Status.REVOKED


@pytest.mark.parametrize(("reason", "problem"), [("", "Enter the reason"), ("   ", "Enter the reason"),
                                                 ("x" * 2001, "2000 characters"), ("Fraud", None)])
def test_a_revocation_needs_a_reason(reason, problem):
    found = rules.reason_problem(reason)
    assert (found is None) if problem is None else (problem in found)


def test_keys_are_numbered_made_once_and_never_overwritten(tmp_path):
    from assessment.results.certificates.keys import Keyring

    ring = Keyring(tmp_path / "keys")
    first = ring.current()
    assert first.number == 1 and Keyring(tmp_path / "keys").current().private_key.public_key().public_bytes_raw() \
        == first.private_key.public_key().public_bytes_raw()
    assert ring.rotate().number == 2 and ring.current().number == 2
    assert [k.number for k in ring.keys()] == [1, 2]
    # Two processes making the same key: the second uses the first one's file.
    again = ring._create(2)
    assert again.private_key.public_key().public_bytes_raw() == ring.keys()[1].private_key.public_key().public_bytes_raw()

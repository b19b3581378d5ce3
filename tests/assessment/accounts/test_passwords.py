"""The password rules (ASVS V2.1) and how passwords are stored (V2.4)."""
from __future__ import annotations

from assessment.accounts.passwords import (MAX_LENGTH, MIN_LENGTH, common_passwords, hash_password,
                                           password_problems, verify_password)


def test_twelve_characters_are_required_and_sixty_four_allowed():
    assert password_problems("a" * (MIN_LENGTH - 1) + "") != []
    assert password_problems("plum harbour!") == []
    assert password_problems("x7" * 32) == []  # 64 characters


def test_more_than_128_characters_are_refused_not_cut_short():
    assert MAX_LENGTH == 128
    assert password_problems("tall ships " * 11 + "abcdefg") == []  # exactly 128
    assert any("128" in p for p in password_problems("tall ships " * 12))
    long_one = "quiet river stones " * 6  # 114 characters: the whole of it counts
    stored = hash_password(long_one, "fast")
    assert verify_password(stored, long_one, "fast")
    assert not verify_password(stored, long_one[:-1], "fast")
    assert not verify_password(stored, long_one[:72], "fast")  # no bcrypt-style 72-byte cut


def test_any_printable_unicode_is_allowed_with_no_rules_about_kinds_of_character():
    for password in ("ねこ と いぬ が すき です", "café crème brûlée", "🐢🐢 slow and steady 🐢🐢",
                     "all lower case words", "            x           "):
        assert password_problems(password) == [], password
        assert verify_password(hash_password(password, "fast"), password, "fast")


def test_passwords_known_from_breaches_are_refused_whatever_their_case():
    listed = sorted(common_passwords())
    assert len(listed) > 150 and all(len(p) >= MIN_LENGTH for p in listed)
    assert "qazwsxedcrfv" in common_passwords()
    assert any("breaches" in p for p in password_problems("QAZWSXEDCRFV"))
    assert any("breaches" in p for p in password_problems("  123123123123 "))


def test_the_email_address_is_not_a_password():
    assert password_problems("sam.lee@example.org", "Sam.Lee@example.org")


def test_passwords_are_stored_with_argon2id_salted_and_at_least_asvs_strength():
    stored = hash_password("plum harbour!")
    assert stored.startswith("$argon2id$")
    params = dict(part.split("=") for part in stored.split("$")[3].split(","))
    memory_kib, iterations, parallelism = int(params["m"]), int(params["t"]), int(params["p"])
    # ASVS V2.4.5: at least 15 MiB, 2 iterations, 1 degree of parallelism.
    assert memory_kib >= 15 * 1024 and iterations >= 2 and parallelism >= 1
    # V2.4.2: a unique salt of at least 32 bits for each hash.
    other = hash_password("plum harbour!")
    assert other != stored and stored.split("$")[4] != other.split("$")[4]
    assert len(stored.split("$")[4]) * 6 // 8 >= 4

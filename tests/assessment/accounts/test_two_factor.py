"""The pure two-factor rules: RFC 6238 codes, the ±1 step window, replay, recovery codes, the secret
at rest and the time limits."""
from __future__ import annotations

import base64
import datetime as dt

import pytest

from assessment.accounts import two_factor

T0 = dt.datetime(2026, 11, 23, 10, 0, 10, tzinfo=dt.timezone.utc)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_codes_follow_rfc_6238_30_second_steps_six_digits_sha1():
    # The RFC 6238 appendix B vector for SHA-1 at T = 59 s, truncated to 6 digits: 287082.
    rfc_secret = base64.b32encode(b"12345678901234567890").decode()
    assert two_factor.code_at(rfc_secret, 59 // 30) == "287082"
    assert two_factor.time_step(dt.datetime.fromtimestamp(59, dt.timezone.utc)) == 1
    assert len(two_factor.new_secret()) == 32


def test_a_code_from_the_step_either_side_is_accepted_but_not_two_away():
    step = two_factor.time_step(T0)
    for offset in (-1, 0, 1):
        checked = two_factor.check_totp(SECRET, two_factor.code_at(SECRET, step + offset), T0, None)
        assert checked.accepted and checked.step == step + offset
    for offset in (-2, 2):
        assert not two_factor.check_totp(SECRET, two_factor.code_at(SECRET, step + offset), T0, None).accepted


def test_a_used_code_is_refused_as_a_replay_and_so_is_an_earlier_one():
    step = two_factor.time_step(T0)
    code = two_factor.code_at(SECRET, step)
    first = two_factor.check_totp(SECRET, code, T0, None)
    again = two_factor.check_totp(SECRET, code, T0 + dt.timedelta(seconds=5), first.step)
    assert first.accepted and not again.accepted and again.replayed
    earlier = two_factor.check_totp(SECRET, two_factor.code_at(SECRET, step - 1), T0, first.step)
    assert not earlier.accepted and earlier.replayed
    later = two_factor.check_totp(SECRET, two_factor.code_at(SECRET, step + 1), T0, first.step)
    assert later.accepted


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(typed):
    assert not two_factor.check_totp(SECRET, typed, T0, None).accepted


def test_spaces_in_a_typed_code_do_not_matter():
    code = two_factor.code_at(SECRET, two_factor.time_step(T0))
    assert two_factor.check_totp(SECRET, f" {code[:3]} {code[3:]} ", T0, None).accepted


def test_recovery_codes_are_ten_distinct_unambiguous_codes_kept_as_digests():
    codes = two_factor.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(two_factor.looks_like_recovery_code(c) for c in codes)
    assert not any(ch in "".join(codes) for ch in "01ilo")
    digest = two_factor.recovery_code_digest(codes[0])
    assert len(digest) == 64 and codes[0] not in digest
    assert two_factor.recovery_code_digest(codes[0].upper().replace("-", " ")) == digest


def test_the_secret_is_encrypted_under_a_key_derived_from_secret_key():
    stored = two_factor.encrypt_secret(SECRET, "app secret")
    assert SECRET not in stored
    assert two_factor.decrypt_secret(stored, "app secret") == SECRET
    with pytest.raises(two_factor.SecretUnreadable):
        two_factor.decrypt_secret(stored, "another secret")


def test_the_provisioning_uri_and_qr_code_for_an_authenticator_app():
    uri = two_factor.provisioning_uri(SECRET, "ada@example.org")
    assert uri.startswith("otpauth://totp/") and f"secret={SECRET}" in uri and "issuer=Certificate" in uri
    qr = two_factor.qr_data_uri(uri)
    assert qr.startswith("data:image/svg+xml")
    assert two_factor.grouped_secret("ABCDEFGH") == "ABCD EFGH"


def test_a_half_finished_sign_in_lasts_five_minutes():
    assert two_factor.pending_sign_in_current(T0, T0 + dt.timedelta(minutes=4, seconds=59))
    assert not two_factor.pending_sign_in_current(T0, T0 + dt.timedelta(minutes=5))
    assert not two_factor.pending_sign_in_current(T0, T0 - dt.timedelta(seconds=1))


def test_a_reauthentication_covers_ten_minutes():
    assert two_factor.reauthentication_fresh(T0, T0 + dt.timedelta(minutes=9, seconds=59))
    assert not two_factor.reauthentication_fresh(T0, T0 + dt.timedelta(minutes=10))
    assert not two_factor.reauthentication_fresh(None, T0)

"""One formatter for every duration a person reads (pure): UK English, correct plurals, hours,
minutes and seconds, never rounded up — the start page, /sittings and staff pages agree with the
timer's clock to the second."""
from __future__ import annotations

import re

import pytest

from assessment.delivery.rules import allowed_duration_s, format_duration


@pytest.mark.parametrize("seconds, words", [
    (0, "0 minutes"),
    (1, "1 second"),
    (59, "59 seconds"),
    (60, "1 minute"),
    (61, "1 minute and 1 second"),
    (75, "1 minute and 15 seconds"),  # 1 minute with 25% extra time: never "2 minutes"
    (120, "2 minutes"),
    (3600, "1 hour"),
    (3660, "1 hour and 1 minute"),
    (4500, "1 hour and 15 minutes"),
    (3601, "1 hour and 1 second"),
    (3661, "1 hour, 1 minute and 1 second"),
    (7322, "2 hours, 2 minutes and 2 seconds"),
    (36000, "10 hours"),
])
def test_durations_are_written_in_words_with_correct_plurals(seconds, words):
    assert format_duration(seconds) == words


def test_a_duration_is_never_negative_and_fractions_of_a_second_are_dropped():
    assert format_duration(-5) == "0 minutes"
    assert format_duration(74.9) == "1 minute and 14 seconds"


def test_nothing_reads_one_minutes():
    for seconds in range(0, 3 * 3600, 7):
        assert not re.search(r"(?<!\d)1 (hours|minutes|seconds)\b", format_duration(seconds))


def test_the_effective_duration_adds_extra_time_rounded_up_to_the_second():
    assert allowed_duration_s(60, 25) == 75
    assert allowed_duration_s(3600, 25) == 4500
    assert allowed_duration_s(100, 33) == 133
    assert allowed_duration_s(101, 33) == 135  # 33.33 s of extra time: never shorter than allowed
    assert allowed_duration_s(600, 0) == 600

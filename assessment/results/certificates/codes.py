"""Certificate codes: ``COP-XXXX-XXXX-XXXX``, eleven random symbols and a check symbol.

The symbols are Douglas Crockford's base-32 alphabet (digits and capitals without I, L, O and U),
so a code read aloud or typed from paper survives: lower case is accepted, ``I`` and ``L`` are read
as ``1`` and ``O`` as ``0``, and spaces and hyphens are ignored. Eleven random symbols carry 55 bits
(about 3.6 × 10^16 codes), so codes cannot be guessed. The twelfth symbol is a Luhn mod N check
(N = 32; H. P. Luhn's algorithm generalised to any alphabet), which catches every single wrong
symbol and most swaps of two neighbours before anything is looked up.

Pure: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "COP"
RANDOM_SYMBOLS = 11
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_READ_AS = {"I": "1", "L": "1", "O": "0"}


def check_symbol(body: str) -> str:
    """The Luhn mod 32 check symbol of ``body`` (symbols of ``ALPHABET``)."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for symbol in reversed(body):
        addend = factor * _VALUE[symbol]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def is_consistent(symbols: str) -> bool:
    """True when the last symbol is the check symbol of the others."""
    return len(symbols) >= 2 and check_symbol(symbols[:-1]) == symbols[-1]


def formatted(symbols: str) -> str:
    """``COP-`` and the twelve symbols in groups of four."""
    return PREFIX + "-" + "-".join(symbols[i:i + 4] for i in range(0, len(symbols), 4))


def new_code(randbelow=secrets.randbelow) -> str:
    """A fresh code, e.g. ``COP-7K2M-Q9XD-4TR8``, from the operating system's random source."""
    body = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(RANDOM_SYMBOLS))
    return formatted(body + check_symbol(body))


def normalised(typed: str) -> str | None:
    """The code as stored, from what a person typed, or None when it cannot be a code (wrong
    length, a symbol outside the alphabet, or a check symbol that does not match)."""
    if not isinstance(typed, str) or len(typed) > 60:
        return None
    text = "".join(typed.split()).upper().replace("-", "")
    if text.startswith(PREFIX):
        text = text[len(PREFIX):]
    text = "".join(_READ_AS.get(symbol, symbol) for symbol in text)
    if len(text) != RANDOM_SYMBOLS + 1 or any(symbol not in _VALUE for symbol in text):
        return None
    if not is_consistent(text):
        return None
    return formatted(text)

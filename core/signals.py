"""The few named facts a lower layer tells upper ones about (DESIGN.md, "The house").

Subscribers are connected in the composition root (``assessment.app``), never by import side effects.
"""
from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
attempt_starting = _signals.signal("attempt-starting")
attempt_submitted = _signals.signal("attempt-submitted")
results_released = _signals.signal("results-released")

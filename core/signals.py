"""The few named facts a lower layer tells upper ones about (DESIGN.md, "The house").

Subscribers are connected in the composition root (``assessment.app.connect_signals``), never by
import side effects. Each is sent with the request's database session as the sender:

- ``attempt_starting(session, candidate_id=…, sitting=…)``: a receiver that returns a reason (a
  sentence for the candidate) vetoes the start; nothing is written and the candidate reads the reason.
- ``attempt_submitted(session, attempt_id=…)``: after a submission or an automatic one at the deadline.
- ``results_released(session, release_id=…)``: after a release of a sitting's results is written (in
  its transaction), for certificates, eligibility and evidence retention.
- ``user_registered``: reserved for registration.
- ``appeal_opened(session, appeal_id=…, attempt_id=…)`` and ``appeal_closed(session, appeal_id=…,
  attempt_id=…, outcome=…, now=…)``: while an appeal is open the attempt's evidence is held from
  deletion (a retention job also asks ``assessment.results.appeals.queries.evidence_holds``).
  ``outcome`` is the panel's (``dismissed``, ``upheld_remark``, ``upheld_void_resit``) or
  ``withdrawn`` when the candidate withdrew; marking hears ``upheld_remark`` and asks for a re-mark.
- ``save_carries_events(session, candidate_id=…, attempt_id=…, events=…, now=…)``: an autosave that was
  acknowledged (so the attempt is the signed-in candidate's) carried the player's queued invigilation events (heartbeats, browser events) so that
  they need no request of their own. Sent after the save's commit, in a transaction of its own (the
  caller commits, or rolls back a refusal); the receiver (invigilation's ingest) returns the answer
  the player reads for them (``{"acknowledged": [ids], …}`` or ``{"acknowledged": [], "refused":
  {…}}``) and never fails the save.
- ``save_asks_messages(session, attempt_id=…, candidate_id=…)``: an autosave asked for the
  invigilator's messages, so that the player need not poll for them while it is saving. Sent inside
  the save's transaction once the step is written, just before the commit; the save has already
  found the attempt to be the candidate's. The receiver (live invigilation) returns the messages as
  the messages API lists them, or none for a sitting that is not invigilated; it only reads, and an
  error in it fails the save's request whole, as an error in the save would.
"""
from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
attempt_starting = _signals.signal("attempt-starting")
attempt_submitted = _signals.signal("attempt-submitted")
results_released = _signals.signal("results-released")
appeal_opened = _signals.signal("appeal-opened")
appeal_closed = _signals.signal("appeal-closed")
save_carries_events = _signals.signal("save-carries-events")
save_asks_messages = _signals.signal("save-asks-messages")

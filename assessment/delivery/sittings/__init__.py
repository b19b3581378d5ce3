"""Sittings and bookings: ``services`` (administrators create and edit sittings; candidates book
and cancel) and ``queries`` (open sittings, a candidate's overview, counts)."""

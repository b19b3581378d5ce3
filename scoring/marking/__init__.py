"""Blind double marking of written (constructed-response) answers: allocations, queues of
anonymised scripts, appended marks, the agreement rule, seeded scripts and moderation."""

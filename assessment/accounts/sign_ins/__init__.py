"""Where a person is signed in: the list of their active sign-ins, and ending any of them (ASVS V3.3.4)."""

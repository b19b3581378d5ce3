"""Equality monitoring: questions the exam board asks, candidates' consented answers, for DIF."""

"""Scoring runs: immutable records of how a sitting was scored (items, keys, rules, marks taken),
each candidate's item scores and total, and the engine's item and test statistics. Excluding an
item, correcting a key or accepting a second key makes a new run; old runs stay."""

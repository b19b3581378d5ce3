"""The fairness report of automated invigilation flags: rates per sitting and flag kind, how many
reviewed flags were confirmed or dismissed (dismissed flags are false flags), and rates across the
groups the exam board monitors, from consented, optional equality monitoring answers."""

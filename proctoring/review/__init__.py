"""Review after the attempt: one timeline per attempt, flags confirmed or dismissed, the outcome and
the incident report."""

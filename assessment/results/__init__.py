"""Results: the results board, release (one scoring run and one approved cut-score decision), the
candidate's result and feedback by theme, certificates and appeals."""

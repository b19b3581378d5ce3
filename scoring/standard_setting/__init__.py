"""Standard-setting exercises in the platform: a lead examiner's exercise for a paper, its judges,
rounds and ratings, and the cuts they give. The maths is in ``scoring.psychometrics.standard_setting``."""

"""Registration: the eligibility rules, applications and their decision, appeals, the register and
renewal. The top layer below the composition root: it may read every package beneath it."""

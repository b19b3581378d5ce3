"""What invigilators, examiners and administrators see and do during and after a sitting:
``queries`` (the live list, one attempt, its timeline) and ``services`` (add time, pause, resume)."""

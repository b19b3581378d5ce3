"""What invigilators, examiners and administrators read during and after a sitting: the live list,
one attempt, its timeline (``queries``). What they do to an attempt (add time, pause, resume) is in
``assessment.delivery.services``, which owns every check of those writes."""

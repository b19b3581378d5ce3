"""Reasonable adjustments: ``rules`` (the choices and how a request reads, pure), ``services``
(candidates ask, administrators decide) and ``queries`` (a candidate's requests, the queue)."""

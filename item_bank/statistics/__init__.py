"""Item statistics in the bank: what each item version did in each sitting, per scoring run.

The item bank owns these rows although scoring runs (a higher layer) compute them: the bank must
not import scoring, so the runs call ``services.record_item_statistics`` after each run, and the
bank reads its own table for the item page and the bank's filters.
"""

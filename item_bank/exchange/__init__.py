"""QTI exchange with the item-bank database, the ``cop items`` commands and the item-bank JSON API.

The pure QTI code (:mod:`item_bank.qti`) reads and writes packages; this package builds its
case-study dicts from the tables, stores what an import brings as draft case studies (through the
authoring services, so nothing invalid is ever stored), and serves the bank as JSON per audience.
"""

"""Erasure of a person on request (`loupe forget`): the plan of tables, the erasure list that
keeps them out afterwards, and the record of each erasure. See privacy/erasure.py."""

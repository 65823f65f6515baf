"""Helpers of the tests: plain functions, constants and classes, imported by test modules.

Fixtures live in the conftests; a test module imports from here, never from another test module
or a conftest.
"""

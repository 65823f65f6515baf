"""Schemas: versioned migrations, the cluster DDL helper, and `loupe init`."""

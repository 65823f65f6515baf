"""Metabase provisioning: the dashboard definitions as native-SQL cards and dashboards.

`payloads` turns definitions into Metabase API bodies, `client` talks HTTP (session or API key),
`push` creates or updates everything idempotently, `export` writes the bodies for review.
"""

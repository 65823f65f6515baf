"""Dashboards as code: definitions (YAML + SQL), the built-in web UI, Metabase provisioning."""

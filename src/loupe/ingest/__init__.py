"""Ingestion of the shop's API-call records: the collector (`loupe collect`), file loads
(`loupe ingest`), and the batch writer and spool that make every accepted record durable."""

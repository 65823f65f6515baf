"""The human-readable form of a status report (`loupe status` without `--json`)."""

from __future__ import annotations

from typing import Any


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def _lag(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 2880:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def render_text(report: dict[str, Any]) -> str:
    """Plain text, one section per concern, the stale items marked `STALE`."""
    verdict = "healthy" if report["healthy"] else "STALE: " + ", ".join(report["stale"])
    lines = [
        f"loupe status at {report['now']} ({report['engine']}; "
        f"max lag {report['max_lag_minutes']:g} min): {verdict}",
        "",
        "tables                     rows        newest                     lag",
    ]
    for table in report["tables"]:
        mark = "  STALE " + table["note"] if table["stale"] else f"  {table['note']}".rstrip()
        lines.append(
            f"  {table['table']:<24} {table['rows']:>10}  {table['newest'] or '-':<25}  "
            f"{_lag(table['lag_minutes']):>8}{mark}"
        )
    lines += ["", "jobs"]
    if not report["jobs"]:
        lines.append("  (no scheduler ledger: run `loupe migrate`)")
    for job in report["jobs"]:
        took = f" in {job['duration_s']:.1f} s" if job["duration_s"] is not None else ""
        mark = "  STALE " + job["note"] if job["stale"] else ""
        lines.append(
            f"  {job['job']:<12} last {job['last_run'] or 'never'}: {job['result']}{took}; "
            f"next {job['next_run']}{mark}"
        )
        if job["result"] == "failed" and job["error"]:
            lines.append(f"      error: {job['error'][:200]}")
    if report["publishes_cut_short"]:
        lines += [
            "",
            "STALE publishes cut short by a crash (the next ETL run puts their days back): "
            + ", ".join(report["publishes_cut_short"]),
        ]
    failures = report["failures_24h"]
    lines += ["", f"failures in the last 24 h: {len(failures)}"]
    for failure in failures[:10]:
        lines.append(f"  {failure['started_at']} {failure['job']}: {failure['error'][:160]}")
    ingest = report["ingest"]
    lines += [
        "",
        f"ingestion: {ingest['rejected_24h']} records rejected in the last 24 h; "
        f"{ingest['spooled_records']} records in {ingest['spooled_batches']} spooled batches",
    ]
    if report["reconciliation"]:
        lines += ["", "order reconciliation (latest check per day)"]
        for row in report["reconciliation"]:
            lines.append(
                f"  {row['date']}: {row['matched']} of {row['logged_orders']} logged and "
                f"{row['db_orders']} database orders matched ({row['match_rate']:.1%})"
            )
    if report["retention"]:
        lines += ["", "oldest day kept"]
        for schema, kept in report["retention"].items():
            limit = f"keeps {kept['keep_days']} days" if kept["keep_days"] else "keeps every day"
            lines.append(f"  {schema:<10} {kept['oldest_day'] or '-':<10}  ({limit})")
    lines += ["", "disk"]
    for row in report["disk"]:
        lines.append(f"  {row['database']:<10} {_size(row['bytes']):>10}  {row['rows']:>12} rows")
    return "\n".join(lines)

"""A small Metabase API client over httpx: session or API-key auth, JSON in and out.

Secrets (password, API key, session id) are registered for log redaction and never appear in
error messages. Every request is logged (method and path) at debug level.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from loupe.errors import LoupeError
from loupe.logs import redact, register_secret

log = logging.getLogger(__name__)


class MetabaseError(LoupeError):
    """Metabase refused a request, or could not be reached."""


class MetabaseClient:
    """Authenticated JSON calls to one Metabase (`url` is the site, without `/api`)."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise MetabaseError(f"--url must start with http:// or https://, not {url[:40]!r}")
        if bool(api_key) == bool(user):
            raise MetabaseError("give either --api-key, or --user and --password")
        if user and not password:
            raise MetabaseError("--user needs --password (or LOUPE_METABASE_PASSWORD)")
        for secret in (api_key, password):
            register_secret(secret)
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url + "/api", timeout=timeout, transport=transport)
        if api_key:
            self._http.headers["X-API-KEY"] = api_key
        else:
            try:
                session = self.post("/session", {"username": user, "password": password})
            except MetabaseError:
                self.close()
                raise
            token = str(session.get("id") or "") if isinstance(session, dict) else ""
            if not token:
                self.close()
                raise MetabaseError("Metabase returned no session id for /api/session")
            register_secret(token)
            self._http.headers["X-Metabase-Session"] = token

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MetabaseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, body: Any = None, params: Any = None) -> Any:
        log.debug("metabase %s %s", method, path)
        try:
            response = self._http.request(method, path, json=body, params=params)
        except httpx.HTTPError as exc:
            raise MetabaseError(f"cannot reach Metabase at {self.url}: {exc}") from None
        if response.status_code >= 400:
            detail = redact(response.text.strip().replace("\n", " "))[:300]
            raise MetabaseError(
                f"Metabase answered {response.status_code} to {method} /api{path}: {detail}"
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise MetabaseError(f"Metabase answered non-JSON to {method} /api{path}") from None

    def get(self, path: str, params: Any = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def get_list(self, path: str, params: Any = None) -> list[dict[str, Any]]:
        """A list endpoint's items, whether bare or wrapped as `{"data": [...]}`."""
        result = self.get(path, params)
        if isinstance(result, dict):
            result = result.get("data", [])
        return list(result or [])

"""Who visits: browsers (platform sessions) that come back, guests and registered customers.

A browser keeps its `session_id` across visits; two visits of one session are always more than
31 minutes apart, so the 30-minute visit split finds exactly the visits generated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from loupe.simulate.agents import (
    DESKTOP,
    MOBILE,
    Agent,
    pick_bot_agent,
    pick_human_agent,
    random_ip,
)

SESSION_GAP_MS = 32 * 60 * 1000
# People behind one shared address: an office's desktops, and phones on a mobile carrier whose
# NAT gives many subscribers a few addresses of one /24 (documentation ranges, RFC 5737).
OFFICE_IP = "198.51.100.23"
CARRIER_NAT_IPS = ("192.0.2.40", "192.0.2.41", "192.0.2.42")
_OFFICE_SHARE = 0.15
_CARRIER_SHARE = 0.2
_RETURNING_SHARE = 0.4
_KNOWN_ACCOUNT_SHARE = 0.25
_REMEMBERED_LOGIN_SHARE = 0.6
_PICK_TRIES = 4


@dataclass(slots=True)
class Visitor:
    """One browser: its platform session, user agent, address and account, if any."""

    session_id: str
    agent: Agent
    ip: str
    account_id: int | None
    logged_in: bool
    free_after_ms: int = 0


class VisitorPool:
    """Draws the visitor of each visit: a returning browser that is free, or a new one."""

    def __init__(self, existing_users: int, address_rng: random.Random) -> None:
        self.existing_users = existing_users
        self.browsers: list[Visitor] = []
        # Who is behind a shared address is drawn from its own stream: the visits are the same.
        self.address_rng = address_rng

    def _session_id(self, rng: random.Random) -> str:
        return f"{rng.getrandbits(96):024x}"

    def pick(self, rng: random.Random, start_ms: int, is_bot: bool) -> Visitor:
        """The visitor of a visit starting at `start_ms`."""
        if is_bot:
            return Visitor(self._session_id(rng), pick_bot_agent(rng), random_ip(rng), None, False)
        if self.browsers and rng.random() < _RETURNING_SHARE:
            for _ in range(_PICK_TRIES):
                visitor = self.browsers[rng.randrange(len(self.browsers))]
                if visitor.free_after_ms <= start_ms:
                    if visitor.agent.device_type == "mobile" and rng.random() < 0.3:
                        visitor.ip = random_ip(rng)
                    return visitor
        account_id = None
        logged_in = False
        if rng.random() < _KNOWN_ACCOUNT_SHARE:
            account_id = rng.randint(1, self.existing_users)
            logged_in = rng.random() < _REMEMBERED_LOGIN_SHARE
        visitor = Visitor(
            self._session_id(rng), pick_human_agent(rng), random_ip(rng), account_id, logged_in
        )
        self._share_address(visitor)
        self.browsers.append(visitor)
        return visitor

    def _share_address(self, visitor: Visitor) -> None:
        """Put some new desktops in the office and some new phones behind the carrier's NAT."""
        roll = self.address_rng.random()
        if visitor.agent.device_type == DESKTOP and roll < _OFFICE_SHARE:
            visitor.ip = OFFICE_IP
        elif visitor.agent.device_type == MOBILE and roll < _CARRIER_SHARE:
            visitor.ip = self.address_rng.choice(CARRIER_NAT_IPS)

    @staticmethod
    def finished(visitor: Visitor, last_call_end_ms: int) -> None:
        """Keep the session's next visit more than 31 minutes after this one ended."""
        visitor.free_after_ms = last_call_end_ms + SESSION_GAP_MS

"""Rate limits on what anyone may ask of the tool before a launch proves who they are.

Login initiation stores a little state for each request (for ten minutes), with nothing
but a registered issuer needed, so it is limited per client address and per issuer. The
counters live in Redis when ``REDIS_URL`` is set (shared by every process), otherwise in
each process's memory (the embedded single-host default). The ``limits`` library (the
engine behind Flask-Limiter) does the counting, with a moving window.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from .config import ConfigError

OFF = ("", "off", "0")


def _limit(name: str, value: str) -> RateLimitItem | None:
    if value.strip().lower() in OFF:
        return None
    try:
        return parse(value)
    except ValueError as error:
        raise ConfigError(f"{name}: {error} (e.g. '120 per minute' or 'off')") from error


@dataclass
class LoginLimits:
    per_address: RateLimitItem | None
    per_issuer: RateLimitItem | None
    limiter: MovingWindowRateLimiter

    @classmethod
    def from_config(cls, config) -> LoginLimits:
        storage: Storage
        if config["REDIS_URL"]:
            storage = RedisStorage(config["REDIS_URL"], key_prefix="lti_tool:limits")
        else:
            storage = MemoryStorage()
        return cls(
            per_address=_limit(
                "LTI_LOGIN_RATE_LIMIT_PER_ADDRESS", config["LTI_LOGIN_RATE_LIMIT_PER_ADDRESS"]
            ),
            per_issuer=_limit(
                "LTI_LOGIN_RATE_LIMIT_PER_ISSUER", config["LTI_LOGIN_RATE_LIMIT_PER_ISSUER"]
            ),
            limiter=MovingWindowRateLimiter(storage),
        )

    def allow_login(self, address: str, issuer: str) -> bool:
        """Count one login; false when the address or the issuer is over its limit."""
        checks = [(self.per_address, "address", address), (self.per_issuer, "issuer", issuer)]
        return all(
            self.limiter.hit(limit, "login", kind, key)
            for limit, kind, key in checks
            if limit is not None
        )

"""`SharedState` in Redis (``APPLICANT_BOT_REDIS_URL``), for several machines behind one proxy."""

from __future__ import annotations

from typing import Any

# Compare-and-set in one round trip: Redis runs a script atomically.
_REPLACE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


def _milliseconds(ttl_s: float) -> int:
    return max(1, int(ttl_s * 1000))


class RedisSharedState:
    """Keys with a time to live in Redis, every key under `prefix` so one Redis can serve several bots."""

    def __init__(self, url: str, *, prefix: str = "applicant-bot:", client: Any = None) -> None:
        if client is None:
            try:
                import redis
            except ImportError as error:  # the redis extra
                raise RuntimeError(
                    "APPLICANT_BOT_REDIS_URL is set but the redis package is missing: "
                    "pip install -e '.[redis]'"
                ) from error
            client = redis.Redis.from_url(
                url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
            )
        self._redis = client
        self._prefix = prefix
        self._replace = client.register_script(_REPLACE_SCRIPT)

    def _key(self, key: str) -> str:
        return self._prefix + key

    def add(self, key: str, value: str, ttl_s: float) -> bool:
        return bool(self._redis.set(self._key(key), value, nx=True, px=_milliseconds(ttl_s)))

    def get(self, key: str) -> str | None:
        value = self._redis.get(self._key(key))
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl_s: float) -> None:
        self._redis.set(self._key(key), value, px=_milliseconds(ttl_s))

    def replace(self, key: str, expected: str, value: str, ttl_s: float) -> bool:
        return bool(self._replace(keys=[self._key(key)], args=[expected, value, _milliseconds(ttl_s)]))

    def delete(self, key: str) -> None:
        self._redis.delete(self._key(key))

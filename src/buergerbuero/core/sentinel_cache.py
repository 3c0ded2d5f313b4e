"""Django's Redis cache behind Redis Sentinel (CACHE_URL=redis+sentinel://…, see core/cache_url.py).

The sentinels name the current primary; redis-py's sentinel pool asks them again after a failover, so the
cache (and the rate limits on it) follow the primary without a restart. Reads go to the primary too: a
replica that lags would let a rate-limit counter run behind.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SentinelCacheClient(RedisCacheClient):
    def __init__(self, servers, *, sentinels, db=0, password=None, sentinel_password=None, ssl=False, **options):
        super().__init__(servers, **options)
        from redis.sentinel import Sentinel

        sentinel_kwargs = {"password": sentinel_password} if sentinel_password else None
        self._primary = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs).master_for(
            servers[0], db=db, password=password, ssl=ssl
        )

    def get_client(self, key=None, *, write=False):
        return self._primary


class SentinelRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SentinelCacheClient

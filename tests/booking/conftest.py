"""Fixtures of the booking tests."""

import pytest
from django.db import connection


@pytest.fixture
def pool_room(request):
    """A web process has as many threads as pooled connections (DB_POOL_MAX_SIZE); a race test runs more threads
    in one process, each holding its connection across a barrier, so its pool must hold them all (parametrize
    indirectly with the number of connections). Without room the extra threads wait for a connection while the
    others wait for them at the barrier."""
    options = connection.settings_dict["OPTIONS"]
    if "pool" not in options:
        yield
        return
    size = options["pool"]["max_size"]
    connection.close()
    connection.close_pool()
    options["pool"]["max_size"] = request.param
    yield
    connection.close()
    connection.close_pool()
    options["pool"]["max_size"] = size

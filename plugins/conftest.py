"""What every plugin's tests share with the root suite: this test process's own PostgreSQL and
Redis (``tests/servers.py``), never the machine's."""

from tests.servers import (  # noqa: F401 - fixtures
    postgres_server,
    postgres_url,
    redis_port,
    redis_url,
)

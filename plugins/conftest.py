"""What every plugin's tests share with the root suite: this test process's own PostgreSQL and
Redis (``tests/servers.py``), never the machine's."""

from tests.children import (  # noqa: F401 - fixtures: the pytests the suite starts
    _children_without_unused_plugins,
    _pytester_without_unused_plugins,
)
from tests.servers import (  # noqa: F401 - fixtures
    postgres_server,
    postgres_url,
    redis_port,
    redis_url,
)

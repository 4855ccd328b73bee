"""Test kit reused by every service's tests (loaded as a pytest plugin from the root config).

Everything a test run creates is named after the run, so runs never see each other's
data: databases ``mrt_<run>_<name>``, Redis keys under ``mrt:<run>:``, RabbitMQ exchange
``movierec.events.mrt_<run>`` and queues prefixed with the run.
"""

from movierec_common.testkit.proxy import TcpProxy

__all__ = ["TcpProxy"]

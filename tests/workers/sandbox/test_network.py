"""Attacks on the network: Redis, PostgreSQL (TCP and its unix socket), the outside world."""
from __future__ import annotations

import json


def test_no_network_at_all(hostile):
    code = """
import json, socket
got = {}
def attempt(name, family, address):
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(1)
        sock.connect(address)
        got[name] = "CONNECTED"
    except OSError as exc:
        got[name] = f"BLOCKED {exc}"
attempt("redis", socket.AF_INET, ("127.0.0.1", 6379))
attempt("postgres", socket.AF_INET, ("127.0.0.1", 5432))
attempt("postgres socket", socket.AF_UNIX, "/run/postgresql/.s.PGSQL.5432")
attempt("postgres socket via /var/run", socket.AF_UNIX, "/var/run/postgresql/.s.PGSQL.5432")
attempt("outside", socket.AF_INET, ("1.1.1.1", 443))
attempt("ipv6 loopback", socket.AF_INET6, ("::1", 6379))
try:
    got["dns"] = socket.gethostbyname("example.com")
except OSError as exc:
    got["dns"] = f"BLOCKED {exc}"
got["interfaces"] = [name for _, name in socket.if_nameindex()]
print(json.dumps(got))
"""
    outcome = hostile.attack("connect to Redis, PostgreSQL and an outside address", code)
    assert outcome.status == "ok", outcome
    got = json.loads(outcome.text)
    for name in ("redis", "postgres", "postgres socket", "postgres socket via /var/run",
                 "outside", "ipv6 loopback", "dns"):
        assert got[name].startswith("BLOCKED"), (name, got[name])
    assert got["interfaces"] == ["lo"]  # a new network namespace, loopback down
    hostile.record("connect to Redis, PostgreSQL (TCP and unix socket), outside, DNS", outcome,
                   "network unreachable (own network namespace, loopback down); /run hidden")

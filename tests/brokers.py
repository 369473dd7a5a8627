"""Real servers for the sync tests: Mosquitto on a free loopback port and a throwaway
PostgreSQL (the same runners the demo and the bench use)."""

from sync.servers import Broker, Postgres, free_port, wait_port

__all__ = ["Broker", "Postgres", "free_port", "wait_port"]

"""Central's web pages and their accounts (``kiosk central web``, ``kiosk central user``).

Part of the applications: may import the core and the adapters (central's store in
``sync``)."""

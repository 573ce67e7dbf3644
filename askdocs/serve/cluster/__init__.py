"""Serving a sharded index on Ray Serve: shard deployments (shard_service.py), the router's remote shards
(remote_shard.py) and the application that wires them (deployments.py)."""

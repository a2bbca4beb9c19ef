"""Plain domain model shared by every service's core (no grpc, no kafka)."""

"""The calendar's I/O: PostgreSQL, gRPC, NATS, HTTP and the spa configuration."""

"""PostgreSQL read models, the live feed, and the scheduler's calendar over gRPC."""

"""The staff web app (server-rendered pages) and its JSON API under /v1/."""

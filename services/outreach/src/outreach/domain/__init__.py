"""Outreach's pure core: what to send when, and whether a send may go now. No I/O."""

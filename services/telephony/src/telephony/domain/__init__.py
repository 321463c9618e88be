"""Telephony's decisions, free of I/O: what a text or a caller's words mean, when to send."""

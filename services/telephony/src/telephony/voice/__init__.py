"""The voice side of the edge: each webhook of a call, and the TwiML it answers with."""

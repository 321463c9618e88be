"""The texting side of the edge: texts in (with opt-out), texts out (paced), their statuses."""

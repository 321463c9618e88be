"""The calendar's decisions as pure code: plain values in, plain values out, no I/O."""

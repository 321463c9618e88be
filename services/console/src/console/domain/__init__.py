"""The console's decisions: plain values in, plain values out, no I/O."""

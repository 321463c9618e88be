"""What each kind of due job does when it runs, one module per use case."""

"""Built-in strategies, one per file."""

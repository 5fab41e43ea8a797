"""Role screens of the terminal UI."""

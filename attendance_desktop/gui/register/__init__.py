"""The Register area: the grid of pupils x sessions and its dialogs."""

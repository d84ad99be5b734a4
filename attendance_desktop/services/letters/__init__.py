"""The letters wing: templates, the merge, batches of letters and the letters log."""

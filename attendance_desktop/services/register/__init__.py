"""The register wing: the one mark writer, the grid, closures, checks, the printed register and
the mark ledger."""

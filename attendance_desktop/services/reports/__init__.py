"""The reports wing: attendance figures, reports, charts, trends, benchmarks, census and the
termly packs."""

"""Catalogue full-text search on Whoosh, free of Flask: see docs/search.md.

The portal uses ``CatalogueIndex`` (app.search.index) and the result types in
app.search.results; everything else is internal.
"""

"""Form definitions, their schema, the renderer and the test-deck generator.

A pure library: no web, no database, no queue.
"""

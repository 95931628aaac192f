"""Stage 1 of the pipeline: a YAML blueprint (with its overlays) becomes a
validated Blueprint.

Everything here reads the user's input; nothing renders or writes.
"""

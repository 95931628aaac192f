"""Stage 2 of the pipeline: a Blueprint becomes a render context, then the
text of every generated file.

The context decides every value; the templates (top-level `templates/`)
only place them.
"""

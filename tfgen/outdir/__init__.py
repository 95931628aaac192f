"""Stage 3 of the pipeline: generated text becomes files in an output directory.

Crash-safe writes, the manifest, hand-edit detection and the output lock.
"""

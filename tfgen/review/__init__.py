"""Stage 4 of the pipeline: what a change does, before anything runs.

The diff of two blueprints, the inventory, risks, cost and the review of a
saved plan.
"""

"""Stage 5 of the pipeline: terraform init/plan/apply/destroy, for real or
against an emulator.
"""

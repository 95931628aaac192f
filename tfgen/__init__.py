"""tfgen: shopping-mall blueprints in, production-grade AWS Terraform out."""

__version__ = "0.1.0"

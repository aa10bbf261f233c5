"""impops: declarative GitOps for Electric Imp impCentral fleets."""

__version__ = "0.1.0"

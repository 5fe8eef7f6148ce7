"""auditgraph: a governance and compliance scanner for OCI, AWS and Azure estates."""

__version__ = "0.1.0"

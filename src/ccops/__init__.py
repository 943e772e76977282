"""ccops: contact-centre operations — workforce management, performance, quality and service."""

__version__ = "0.1.0"

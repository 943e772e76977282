"""Standard answers (knowledge base), known-issue banners, process changes to acknowledge."""

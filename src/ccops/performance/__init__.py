"""Performance management: cascaded balanced scorecards, honest comparisons, coaching, reviews."""

"""Background jobs: long work (forecast builds, schedule optimisation) run with progress."""

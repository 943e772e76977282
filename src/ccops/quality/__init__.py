"""Quality management: evaluation forms, evaluations, sampling, calibration and disputes."""

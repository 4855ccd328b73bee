"""movierec-history: what each user watched, and when."""

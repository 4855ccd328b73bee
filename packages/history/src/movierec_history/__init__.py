"""movierec-history."""

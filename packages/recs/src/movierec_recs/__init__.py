"""movierec-recs."""

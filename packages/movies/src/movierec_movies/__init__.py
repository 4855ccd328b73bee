"""movierec-movies."""

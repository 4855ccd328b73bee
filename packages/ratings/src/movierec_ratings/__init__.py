"""movierec-ratings."""

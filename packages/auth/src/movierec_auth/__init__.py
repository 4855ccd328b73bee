"""movierec-auth."""

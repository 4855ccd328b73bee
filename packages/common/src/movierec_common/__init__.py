"""movierec shared kernel."""

"""movierec-movies: the catalog."""

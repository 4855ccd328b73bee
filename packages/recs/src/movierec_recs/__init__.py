"""movierec-recs: the recommendation model library (offline) and service (online)."""

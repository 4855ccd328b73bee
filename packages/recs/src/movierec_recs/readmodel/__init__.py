"""What the recs service knows, learned only from events: users, movies, interactions."""

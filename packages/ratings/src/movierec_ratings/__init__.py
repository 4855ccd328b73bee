"""movierec-ratings: each user's scores and every movie's community summary."""

"""movierec-auth: users, login, tokens."""

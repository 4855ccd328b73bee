"""The movierec command."""

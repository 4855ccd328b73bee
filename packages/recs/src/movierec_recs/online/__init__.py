"""What happens to recommendations once served: their ids, feedback, experiments."""

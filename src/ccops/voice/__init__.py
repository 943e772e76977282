"""Two-way communication: huddles and meetings, the suggestion box, anonymous staff surveys."""

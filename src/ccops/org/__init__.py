"""Organisation: sites, channels, queues (skills), teams, people and users."""

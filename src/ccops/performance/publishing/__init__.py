"""Publication rules and their delivered reports: the pages."""

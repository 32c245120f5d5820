"""Post-flight and Monte-Carlo reports."""

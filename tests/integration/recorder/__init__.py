"""The recorder against real tools and real processes: mavlogdump, SIGKILL."""

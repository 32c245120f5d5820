"""Launch control: countdown, go/no-go polls, commit criteria, red lines, range safety. Drives the vehicle through an interface."""

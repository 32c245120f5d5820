"""Pure numpy physics: Earth, atmosphere, vehicle, engine, waves, platform. No I/O, no flight software."""

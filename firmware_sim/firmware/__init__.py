"""The flight computer as pure functions of time and inputs. No I/O, no physics internals."""

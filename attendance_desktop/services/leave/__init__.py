"""The leave wing: leave-of-absence requests, the head's decisions and the register entries
they make."""

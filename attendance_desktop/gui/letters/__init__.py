"""Letters: choose, preview, make, print and log letters; edit their wording."""

"""The PDF wing: the one typeface and the letterhead page composer every PDF is drawn with."""

"""The kiosk wing: the front-desk kiosk (late sign-in, out and back, who is on site) and the
fire roll."""

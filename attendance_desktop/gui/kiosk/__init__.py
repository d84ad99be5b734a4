"""The late-arrival sign-in kiosk and the front-desk office page."""

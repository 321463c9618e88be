"""Twilio's webhooks over HTTP: signed form posts in, TwiML out."""

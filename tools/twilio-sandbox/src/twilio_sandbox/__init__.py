"""A Twilio-compatible local server: records REST calls and plays the patient's phone."""

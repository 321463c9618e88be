"""``python -m twilio_sandbox``: serve the sandbox with the settings from the environment."""

import logging

import uvicorn

from twilio_sandbox.app import create_app
from twilio_sandbox.settings import SandboxSettings


def main() -> None:
    settings = SandboxSettings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.sandbox_host,
        port=settings.sandbox_port,
        # Access lines carry query strings such as ?phone=+1..., which must stay out of logs.
        access_log=False,
    )


if __name__ == "__main__":
    main()

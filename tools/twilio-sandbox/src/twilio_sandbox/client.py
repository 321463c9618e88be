"""A real ``twilio`` REST client that talks to the sandbox instead of api.twilio.com."""

from twilio.http import HttpClient
from twilio.rest import Client


def sandbox_client(
    base_url: str, account_sid: str, auth_token: str, *, http_client: HttpClient | None = None
) -> Client:
    """Build ``twilio.rest.Client`` whose Api domain (api.twilio.com) is ``base_url``.

    Every REST call the client makes through ``client.api`` (``client.messages``,
    ``client.calls``, ``client.api.v2010.account...``) is turned into an absolute URL by the
    Api domain from its public ``base_url`` attribute at request time, so setting that one
    attribute sends them to the sandbox with the same paths, form fields and basic auth.
    This is the narrowest seam the library offers: a custom ``TwilioHttpClient`` that rewrites
    hosts would also have to be written for the async client and would catch every other
    Twilio domain too, which the sandbox does not serve.

    ``edge`` and ``region`` are cleared because the client would otherwise rebuild the
    hostname from them (or from ``TWILIO_EDGE`` / ``TWILIO_REGION`` in the environment).

    Pass ``http_client=AsyncTwilioHttpClient()`` to use the ``*_async`` methods.
    """
    client = Client(account_sid, auth_token, http_client=http_client)
    client.edge = None
    client.region = None
    client.api.base_url = base_url.rstrip("/")
    return client

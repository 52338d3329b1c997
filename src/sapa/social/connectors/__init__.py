"""One connector per network behind one interface (see base.py)."""

from sapa.social.connectors import bluesky, facebook, instagram, mastodon, telegram, x
from sapa.social.connectors.base import (  # noqa: F401
    AuthError,
    CannotTell,
    Connector,
    ConnectorError,
    Metrics,
    PublishResult,
    QuotaExhausted,
    RejectedError,
    RetryableError,
)
from sapa.social.models import Network


def connector_class(network: str) -> type[Connector]:
    classes = {
        Network.FACEBOOK_PAGE: facebook.FacebookConnector,
        Network.INSTAGRAM: instagram.InstagramConnector,
        Network.TELEGRAM: telegram.TelegramConnector,
        Network.MASTODON: mastodon.MastodonConnector,
        Network.BLUESKY: bluesky.BlueskyConnector,
        Network.X: x.XConnector,
    }
    try:
        return classes[network]
    except KeyError:
        raise ValueError(f"no connector for {network!r}: it is a manual channel") from None


def get_connector(channel, client=None) -> Connector:
    """The connector for a channel (raises ValueError for manual-only networks)."""
    return connector_class(channel.network)(channel, client=client)

"""The direct message that invites a channel member to a snapshot, with its Start button."""

from __future__ import annotations

from bot.service_types import Invitation
from bot.slack.blocks import SlackMessage, actions, button, context, escape, section
from conversations.i18n import N_, Localizer
from storage.models import Team

START_ACTION = "invite:start"
NOT_A_MEMBER = N_(
    "This invitation is for the members of {channel}; ask to be added to the channel."
)


def invitation_message(
    loc: Localizer, team: Team, invitation: Invitation, count: int
) -> SlackMessage:
    intro = loc._(
        "{team} is taking the customer-service maturity assessment (snapshot {number}).",
        team=team.name,
        number=invitation.number,
    )
    body = loc._(
        "{count} short questions, about 10 minutes. Your answers stay private: the channel "
        "sees only the team's results.",
        count=count,
    )
    due = loc._("Please answer by {date}.", date=loc.date(invitation.deadline.date()))
    start = button(loc._("Start"), START_ACTION, invitation.token, style="primary")
    return SlackMessage(
        f"{intro} {due}",
        [section(f"📝 *{escape(intro)}*\n{escape(body)}"), context(escape(due)), actions([start])],
    )

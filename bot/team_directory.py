"""Teams and people as the channels find them: by platform place, id or name; created on
first sight; their languages; and the record of platform updates already handled. A part
of `Assessments`."""

from __future__ import annotations

import datetime as dt

from bot.service_errors import UserError
from bot.service_types import (
    Participant,
)
from conversations.i18n import N_, normalize_locale
from storage import (
    answering,
    audit_trail,
    forgetting,
    participation,
    seen_updates,
    teams_and_people,
)
from storage.database import Database
from storage.models import Team


class TeamDirectory:
    database: Database
    anonymity_threshold: int

    async def find_team(self, name: str) -> Team:
        async with self.database.reading() as session:
            teams = await teams_and_people.teams_named(session, name)
        if not teams:
            raise UserError(N_("There is no team called “{name}” yet."), name=name)
        if len(teams) > 1:
            places = ", ".join(sorted(team.platform for team in teams))
            raise UserError(
                N_("More than one team is called “{name}” ({places})."), name=name, places=places
            )
        return teams[0]

    async def team_at(self, platform: str, external_id: str) -> Team | None:
        """The team a platform place (a Telegram group, a Slack channel) belongs to, if any."""
        async with self.database.reading() as session:
            return await teams_and_people.find_team(session, platform, external_id)

    async def team(self, team_id: int) -> Team:
        async with self.database.reading() as session:
            team = await session.get(Team, team_id)
        if team is None:
            raise UserError(N_("This team no longer exists."))
        return team

    async def ensure_team(
        self, platform: str, external_id: str, name: str, locale: str | None = None
    ) -> Team:
        """The team of a platform place, created if it is new."""
        async with self.database.transaction() as session:
            return await teams_and_people.get_or_create_team(
                session,
                platform,
                external_id,
                name,
                normalize_locale(locale),
                self.anonymity_threshold,
            )

    async def person_teams(self, platform: str, person_id: str) -> list[Team]:
        """The teams the person has answered for, oldest first."""
        async with self.database.reading() as session:
            person = await teams_and_people.find_person(session, platform, person_id)
            if person is None:
                return []
            ids = await forgetting.person_team_ids(session, person.id)
            return [team for team_id in ids if (team := await session.get(Team, team_id))]

    async def person_locale(self, platform: str, person_id: str) -> str | None:
        """The language the person chose, if they ever did."""
        async with self.database.reading() as session:
            person = await teams_and_people.find_person(session, platform, person_id)
            return person.locale if person else None

    async def set_person_locale(self, who: Participant, locale: str) -> None:
        """The person's language from now on, in the responses they have open too."""
        chosen = normalize_locale(locale)
        async with self.database.transaction() as session:
            person = await teams_and_people.get_or_create_person(
                session, who.platform, who.person_id, who.person_name, chosen
            )
            person.locale = chosen
            places = await participation.open_participations(session, who.platform, who.person_id)
            await answering.set_responses_locale(
                session, [place.response_id for place in places], chosen
            )

    async def set_team_locale(
        self, platform: str, external_id: str, name: str, locale: str, *, by: str
    ) -> None:
        """The language of the team's posts (and of its newcomers who have none of their own)."""
        chosen = normalize_locale(locale)
        async with self.database.transaction() as session:
            team = await teams_and_people.get_or_create_team(
                session, platform, external_id, name, chosen, self.anonymity_threshold
            )
            team.locale = chosen
            await audit_trail.record_audit(session, team.id, by, "team.locale", locale=chosen)

    async def move_team(self, platform: str, old_external_id: str, new_external_id: str) -> None:
        """The platform gave the team's place a new id (a Telegram group became a
        supergroup)."""
        async with self.database.transaction() as session:
            team = await teams_and_people.find_team(session, platform, old_external_id)
            if (
                team is not None
                and await teams_and_people.find_team(session, platform, new_external_id) is None
            ):
                team.external_id = new_external_id
                await audit_trail.record_audit(
                    session, team.id, "(platform)", "team.moved", to=new_external_id
                )

    async def first_time(self, channel: str, key: str) -> bool:
        """Record a platform update as handled; False when it was before (a redelivery)."""
        return await self.database.run(
            lambda connection: seen_updates.mark_seen(connection, channel, key)
        )

    async def forget_old_updates(self, channel: str, age: dt.timedelta) -> int:
        async with self.database.transaction() as session:
            return await seen_updates.forget_seen(session, channel, dt.datetime.now(dt.UTC) - age)

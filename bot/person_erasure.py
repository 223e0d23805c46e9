"""Forgetting a person: their answers in one team (the operator's `csmm forget`) or
everywhere (their own forget-me), and every other trace of them (`storage.privacy`). A part
of `Assessments`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.service_errors import UserError
from conversations.i18n import N_, Localizer
from storage import (
    audit_trail,
    forgetting,
    privacy,
    teams_and_people,
)
from storage.database import Database
from storage.models import Team


class PersonErasure:
    database: Database

    async def forget_everywhere(
        self,
        platform: str,
        person_id: str,
        *,
        own_teams: Sequence[str] = (),
        names: Sequence[str] = (),
    ) -> tuple[int, int]:
        """A person's own request: their answers for every team, as `forget` does per team,
        and every other trace of them (`storage.privacy`). ``own_teams`` (external ids) are
        teams that are the person alone — named after them — and go entirely; ``names`` are
        names they go by on the platform now, beside the stored one."""
        deleted = kept = 0
        async with self.database.transaction() as session:
            for external_id in own_teams:
                team = await teams_and_people.find_team(session, platform, external_id)
                if team is not None:
                    deleted += await forgetting.delete_team(session, team.id)
            person = await teams_and_people.find_person(session, platform, person_id)
            traces = privacy.Traces(
                platform,
                person_id,
                person.id if person else None,
                frozenset({*names, *([person.display_name] if person else [])}),
            )
            if person is not None:
                for team_id in await forgetting.person_team_ids(session, person.id):
                    counts = await forgetting.forget_person(session, person.id, team_id)
                    await audit_trail.record_audit(
                        session,
                        team_id,
                        "(the person themselves)",
                        "person.forget",
                        deleted=counts[0],
                        anonymised=counts[1],
                    )
                    deleted, kept = deleted + counts[0], kept + counts[1]
            await privacy.erase_everywhere(session, traces)  # their record too, even with no team
        return deleted, kept

    async def forget(
        self, team: Team, platform: str, person_id: str, actor: str
    ) -> tuple[int, int]:
        async with self.database.transaction() as session:
            person = await teams_and_people.find_person(session, platform, person_id)
            if person is None:
                raise UserError(
                    N_("No one called “{person}” has answered for “{team}”."),
                    person=person_id,
                    team=team.name,
                )
            traces = privacy.Traces(
                platform, person_id, person.id, frozenset({person.display_name})
            )
            await privacy.erase_in_team(session, traces, team.id)
            counts = await forgetting.forget_person(session, person.id, team.id)
            if await teams_and_people.find_person(session, platform, person_id) is None:
                # Nothing links the person to another team now: nothing of them stays.
                await privacy.erase_everywhere(session, traces)
            # The trail records that it happened, never whose answers they were.
            await audit_trail.record_audit(
                session, team.id, actor, "person.forget", deleted=counts[0], anonymised=counts[1]
            )
            return counts


def forgotten_text(loc: Localizer, deleted: int, kept: int) -> str:
    """What `forget_everywhere` did, in a sentence or two."""
    done = loc.ngettext("Done: {n} answer deleted.", "Done: {n} answers deleted.", deleted)
    if not kept:
        return done
    rest = loc.ngettext(
        "{n} stays only as an anonymous number.", "{n} stay only as anonymous numbers.", kept
    )
    return f"{done} {rest}"

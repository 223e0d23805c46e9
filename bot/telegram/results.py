"""A team's results as Telegram messages: the report with its radar chart, the action-plan
checklist, and exported documents."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import TelegramError

from bot.reports.exports import export_csv
from bot.reports.pdf import report_pdf
from bot.service_errors import ResultsWithheld, UserError
from bot.telegram.common import Context, Handlers, log
from bot.telegram.render import plan_text, report_text
from conversations.i18n import Localizer
from storage.models import Team


async def results_withheld(
    handlers: Handlers, team: Team, loc: Localizer, message: Message
) -> bool:
    """Below the team's anonymity threshold its results stay out of every chat
    (bot/disclosure.py): say so, with how many responded. True when withheld."""
    withheld = await handlers.assessments.withheld(team)
    if withheld is None:
        return False
    await message.reply_text(withheld.localized(loc))
    return True


async def post_results(
    handlers: Handlers, chat_id: int, team: Team, loc: Localizer, *, closed: int | None = None
) -> None:
    """The radar chart as a photo, the level and scores as text, then the live checklist —
    or, below the team's anonymity threshold, only how many responded and why nothing more.
    ``closed``: the number of the snapshot just closed, announced first."""
    from bot.reports.charts import radar_png  # matplotlib loads only when a chart is drawn

    assessments = handlers.assessments
    try:
        built = await assessments.report(team, loc.locale)
    except ResultsWithheld as withheld:
        lines = [withheld.localized(loc)]
        if closed is not None:
            lines.insert(0, "✅ " + loc._("Snapshot {number} is closed.", number=closed))
        await handlers.bot.send_message(chat_id, "\n\n".join(lines))
        return
    if closed is not None:
        await handlers.bot.send_message(
            chat_id,
            "✅ "
            + loc._("Snapshot {number} is closed. Here are the team's results.", number=closed),
        )
    view = built.view
    if not view.empty_note:
        radar = await handlers.draw(radar_png, assessments.questionnaire, built.history, loc)
        caption = "\n".join([view.title, view.level_line, view.overall_line])
        try:
            await handlers.bot.send_photo(chat_id, radar, caption=caption[:1024])
        except TelegramError as error:  # the text and the checklist matter more: carry on
            log.warning("radar chart not sent: %s", type(error).__name__)
    await handlers.bot.send_message(chat_id, report_text(view, with_plan=False))
    current = await assessments.plan(team)
    if current.items:
        checklist = plan_text(current, loc, assessments.questionnaire)
        await handlers.bot.send_message(chat_id, checklist.text, reply_markup=checklist.keyboard)


async def send_export(
    handlers: Handlers, update: Update, context: Context, team: Team, loc: Localizer
) -> None:
    """The team's latest snapshot as a document: a PDF report, or ``csv`` dimension scores
    (aggregates only: a chat never receives anyone's own answers)."""
    message = update.effective_message
    if message is None:
        return
    kind = (context.args or ["pdf"])[0].lower()
    assessments = handlers.assessments
    try:
        if kind == "csv":
            data = await assessments.export(team)
            content = export_csv(data, assessments.sequence, "dimensions", loc).encode("utf-8")
            filename = f"csmm-snapshot-{data.number}-dimensions.csv"
        elif kind == "pdf":
            from bot.reports.charts import radar_png, trend_png

            built = await assessments.report(team, loc.locale)
            questionnaire = assessments.questionnaire
            radar = await handlers.draw(radar_png, questionnaire, built.history, loc)
            trend = await handlers.draw(trend_png, questionnaire, built.history, loc)
            content = await handlers.draw(
                lambda: report_pdf(built.view, loc, radar=radar, trend=trend)
            )
            filename = f"csmm-snapshot-{built.snapshot_number}.pdf"
        else:
            await message.reply_text(
                loc._("Send /export pdf for the report, or /export csv for the scores.")
            )
            return
    except UserError as error:
        await handlers.refuse(update, error, loc)
        return
    await message.reply_document(content, filename=filename)

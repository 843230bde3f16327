"""/privacy export, import and forget: a member's data out, in and gone — adapters over the logbook and
import services."""

from __future__ import annotations

import contextlib
import io
import re
import time
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from coach.export import ExportFile
from coach.importer import MAX_IMPORT_BYTES, ImportService, ImportSummary, check_upload
from coach.logbook import LogbookService
from coach.text import plural
from runtime.attachments import AttachmentFetcher
from runtime.components import OwnedButton, PickView, bind, member_locale
from runtime.respond import Answer, answer
from runtime.text import safe
from runtime.tree import CoachView

Choice = app_commands.Choice
# How often a long import edits its "Importing… n / total" line (Discord allows a few edits a second).
IMPORT_PROGRESS_EVERY_S = 3.0
FORGET_TEMPLATE = r"privacy:forget:(?P<owner>\d+):(?P<choice>confirm|cancel)"


UNIT_NOTES = {
    "file": "Weights read in the units the file names.",
    "option": "Weights read as **{unit}**, as you chose.",
    "inferred": "The file doesn't say its unit; the weights look like **{unit}** (plate maths), so I read them "
    "as {unit}.",
    "default": "The file doesn't say its unit and the weights don't tell, so I read them as **{unit}** (your unit).",
}
REIMPORT_HINT = " Wrong? **Re-import as {other}** below re-reads this file's sets in your log as {other}, in place."


def _other_unit(unit: str) -> str:
    return "lb" if unit == "kg" else "kg"


def import_embed(summary: ImportSummary, *, offer_reimport: bool = False) -> discord.Embed:
    """What /privacy import did with each row of the file."""
    lines = [
        f"**{summary.imported}** imported · **{summary.duplicates}** already in your log (skipped as duplicates) · "
        f"**{summary.rejected}** rejected",
    ]
    if summary.reinterpreted:
        lines = [f"**{plural(summary.reinterpreted, 'set')}** of this file in your log re-read as **{summary.unit}**."]
    if summary.skipped:
        lines.append(
            f"{plural(summary.skipped, 'row')} without reps (cardio, timed or empty sets) skipped: the log keeps "
            "weight × reps."
        )
    if summary.reasons:
        lines.append("**First problems:**\n" + "\n".join(f"• {safe(r)}" for r in summary.reasons))
    if summary.custom_counts:
        names = ", ".join(f"{safe(n)} ({plural(c, 'set')})" for n, c in summary.custom_counts)
        more = "…" if len(summary.custom_counts) >= 5 else ""
        lines.append(
            f"Kept as your own exercises (not in the catalog, or ambiguous): {names}{more}. They log and chart like "
            "any other; if one is a catalog exercise, `/map` it once and its sets, your `/log` and later imports "
            "follow."
        )
    if summary.bodyweight_as_weight:
        lines.append(
            f"{plural(summary.bodyweight_as_weight, 'set')} of body-weight moves (push-ups and the like) carried a "
            "weight of 40 kg or more: read as your body weight with nothing added, not as added load."
        )
    unit_note = UNIT_NOTES[summary.unit_source] + (REIMPORT_HINT if offer_reimport else "")
    lines.append(unit_note.format(unit=summary.unit, other=_other_unit(summary.unit)))
    embed = discord.Embed(
        title=(
            f"Re-read your {summary.app} import as {summary.unit}"
            if summary.reinterpreted
            else f"Imported from {summary.app}: {summary.imported} of {summary.total} rows"
        ),
        description="\n".join(lines)[:4096],
        colour=discord.Colour.green() if summary.imported else discord.Colour.light_grey(),
    )
    embed.set_footer(
        text="Importing the same file again adds nothing · /undo removes your latest set · /history shows them"
    )
    return embed


class ForgetButton(OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=FORGET_TEMPLATE):
    """The confirm / cancel step of /privacy forget."""

    logbook: LogbookService

    def __init__(self, owner_id: int, choice: str) -> None:
        confirm = choice == "confirm"
        super().__init__(
            discord.ui.Button(
                label="Delete everything" if confirm else "Cancel",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=f"privacy:forget:{owner_id}:{choice}",
            )
        )
        self.owner_id, self.choice = owner_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForgetButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["owner"]), match["choice"])

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """Delete the member's data, or leave it untouched."""
        if self.choice == "cancel":
            await interaction.response.edit_message(content="Cancelled — nothing was deleted.", view=None)
            return
        await answer(
            interaction,
            self.logbook.forget(self.owner_id),
            lambda n: Answer(content=f"Done. I deleted all your data: {n} row{'s' if n != 1 else ''}."),
            update=True,
        )


# --------------------------------------------------------------------------------------- the cog


class PrivacyCog(commands.Cog):
    """A member's own data: export, import, forget."""

    privacy = app_commands.Group(name="privacy", description="Your data: export it or delete it.")

    def __init__(
        self,
        bot: commands.Bot | commands.AutoShardedBot,
        logbook: LogbookService,
        importer: ImportService,
        attachments: AttachmentFetcher,
    ) -> None:
        self._bot = bot
        self._logbook = logbook
        self._importer = importer
        self._attachments = attachments
        # This cog's buttons, carrying its service (see runtime.components.bind).
        self._forget = bind(ForgetButton, FORGET_TEMPLATE, logbook=logbook)

    async def cog_load(self) -> None:
        """Register the buttons, so presses on replies sent before a restart still work."""
        self._bot.add_dynamic_items(self._forget)

    async def cog_unload(self) -> None:
        """Unregister the buttons."""
        self._bot.remove_dynamic_items(self._forget)

    @privacy.command(name="export", description="Download all your data as CSV and JSON (only you see it).")
    # Reads and serialises a member's whole history: one export per member per 30 s.
    @app_commands.checks.cooldown(1, 30, key=lambda i: i.user.id)
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        """Send the member's own data as attachments (zipped when only that fits Discord's upload limit)."""

        def render(files: list[ExportFile]) -> Answer:
            zipped = " (zipped to fit Discord's upload limit)" if len(files) == 1 else ""
            return Answer(
                content="Here is everything I store about you: every set (CSV) and your settings plus sets (JSON)"
                + zipped
                + ".",
                # discord.File only reads and seeks: a spooled temporary file serves as well as a buffer.
                files=[discord.File(cast(io.BufferedIOBase, f.data), filename=f.filename) for f in files],
            )

        limit = interaction.filesize_limit  # what Discord lets this interaction upload
        await answer(interaction, self._logbook.export(interaction.user.id, limit), render)

    @privacy.command(name="import", description="Add sets from a Strong or Hevy CSV export to your log (only you).")
    @app_commands.describe(
        file="Your Strong or Hevy CSV export (up to 2 MB and 20,000 sets)",
        unit="kg or lb: the unit of a Strong export's weights (default: your /settings unit)",
    )
    @app_commands.choices(unit=[Choice(name="kg", value="kg"), Choice(name="lb", value="lb")])
    # Parses and writes up to 20,000 rows: one import per member per 30 s.
    @app_commands.checks.cooldown(1, 30, key=lambda i: i.user.id)
    async def import_sets(
        self, interaction: discord.Interaction[Any], file: discord.Attachment, unit: Choice[str] | None = None
    ) -> None:
        """Import an export into the member's own log and say what happened to its rows (privately)."""
        check_upload(file.filename, file.size)  # Discord reports the size: refuse before downloading.

        owner = interaction.user.id
        locale = member_locale(interaction)
        fetched: list[bytes] = []

        def render(summary: ImportSummary) -> Answer:
            if not (summary.unit_assumed and summary.imported and summary.import_id and fetched):
                return Answer(embed=import_embed(summary))
            other = _other_unit(summary.unit)

            async def reimport(pressed: discord.Interaction[Any], _: str) -> None:
                work = self._importer.reinterpret(owner, fetched[0], unit=other, locale=locale)
                await answer(pressed, work, render, update=True)

            view = PickView(owner, [(other, f"Re-import as {other}")], reimport)
            return Answer(embed=import_embed(summary, offer_reimport=True), view=view)

        shown = [0.0, False]

        async def progress(done: int, total: int) -> None:
            # Once the reply is deferred ("thinking…"), say how far a long import has got, every few seconds.
            if not interaction.response.is_done() or time.monotonic() - float(shown[0]) < IMPORT_PROGRESS_EVERY_S:
                return
            shown[0], shown[1] = time.monotonic(), True
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(content=f"Importing… {done:,} / {total:,} sets written")

        async def work() -> ImportSummary:
            # Only from Discord's CDN, and never more than the limit, whatever the payload claims.
            data = await self._attachments.fetch(file.url, MAX_IMPORT_BYTES)
            fetched.append(data)
            summary = await self._importer.import_csv(
                owner, data, unit=unit.value if unit else None, locale=locale, progress=progress
            )
            if shown[1]:
                with contextlib.suppress(discord.HTTPException):
                    await interaction.edit_original_response(content="Import finished — the summary is below.")
            return summary

        await answer(interaction, work(), render)

    @privacy.command(name="forget", description="Delete all your data (asks you to confirm first).")
    async def forget(self, interaction: discord.Interaction[Any]) -> None:
        """Ask for confirmation before deleting everything."""
        view = CoachView(timeout=None)
        view.add_item(self._forget(interaction.user.id, "confirm"))
        view.add_item(self._forget(interaction.user.id, "cancel"))
        await interaction.response.send_message(
            "This deletes **all** your logged sets and settings, for good. Are you sure?", view=view, ephemeral=True
        )

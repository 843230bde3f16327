"""Targets, the Markdown table and machine facts for a benchmark result."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
from pathlib import Path
from typing import Any

from bench.measure import COMMANDS, FLOORS

LOG_VS_FLOORS_MAX = 2.0
GROWTH_MAX = 1.5
LOAD_P99_MAX_MS = 100.0
# 200 concurrent members must sustain at least this many sets/s per process, or this share of the raw
# driver's durable sequential insert rate (storage_raw), whichever is lower.
THROUGHPUT_SETS_PER_S = 1000.0
THROUGHPUT_RAW_SHARE = 0.5
LOG_CPU_MAX_MS = 1.2
REAL_LOG_VS_PLAN_MAX = 3.0
REAL_CONCURRENT_P99_MAX_MS = 250.0
LOOP_STALL_MAX_MS = 50.0
# The security issue's bound: imports must not hold up anyone's /log.
IMPORT_LOG_P99_MAX_MS = 100.0


def machine() -> dict[str, Any]:
    """The machine the numbers came from."""
    model = ""
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.is_file():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        total_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory_gb = round(total_kb / 1024 / 1024, 1)
    return {
        "cpu": model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def _target(name: str, description: str, value: float | None, limit: float, op: str) -> dict[str, Any]:
    met = None
    if value is not None and not math.isnan(value):
        met = value <= limit if op == "<=" else value >= limit if op == ">=" else value == limit
    return {
        "name": name,
        "description": description,
        "value": None if value is None or math.isnan(value) else round(value, 3),
        "op": op,
        "limit": limit,
        "met": met,
    }


def throughput_target(floors: dict[str, Any]) -> float:
    """Sets/s 200 concurrent members must reach: 1 000, or half the raw driver's durable insert rate if lower."""
    return min(THROUGHPUT_SETS_PER_S, THROUGHPUT_RAW_SHARE * floors["storage_raw"]["inserts_per_s"])


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it holds."""
    out = []
    sizes = result["sizes"]
    for size, data in sizes.items():
        log = data["commands"]["log"]
        floors = data["floors"]
        value = log["p50_ms"] / (floors["dispatch"]["p50_ms"] + floors["storage"]["p50_ms"])
        out.append(
            _target(
                f"log_p50_vs_floors@{size}",
                f"/log p50 ÷ (dispatch floor p50 + storage floor p50), {int(size):,} sets stored",
                value,
                LOG_VS_FLOORS_MAX,
                "<=",
            )
        )
        if "cpu_ms" in log:
            out.append(
                _target(
                    f"log_cpu_ms@{size}",
                    f"/log CPU per call, whole process (ms), {int(size):,} sets stored",
                    log["cpu_ms"],
                    LOG_CPU_MAX_MS,
                    "<=",
                )
            )
    keys = sorted(sizes, key=int)
    if len(keys) > 1 and keys[0] == "0":
        empty, full = sizes[keys[0]]["commands"], sizes[keys[-1]]["commands"]
        for key, label in COMMANDS:
            if empty[key].get("available") and full[key].get("available"):
                out.append(
                    _target(
                        f"p99_growth@{key}",
                        f"{label} p99 with {int(keys[-1]):,} sets ÷ p99 with none",
                        full[key]["p99_ms"] / empty[key]["p99_ms"],
                        GROWTH_MAX,
                        "<=",
                    )
                )
    load = result.get("load")
    if load:
        floors = sizes[str(load["db_size"])]["floors"]
        out.append(
            _target(
                "load_log_p99_ms", "/log p99 at half the throughput target (ms)", load["p99_ms"], LOAD_P99_MAX_MS, "<="
            )
        )
        sat = result.get("load_saturation")
        if sat:
            out.append(
                _target(
                    "saturation_sets_per_s",
                    f"sets/s, {sat['members']} members logging back to back "
                    f"(target: {THROUGHPUT_SETS_PER_S:g}, or {THROUGHPUT_RAW_SHARE:.0%} of the raw driver's "
                    "durable inserts/s if lower)",
                    sat["sets_per_s"],
                    round(throughput_target(floors), 1),
                    ">=",
                )
            )
        out.append(_target("load_errors", "errors under the load", load["errors"], 0, "=="))
        out.append(
            _target(
                "load_unstored",
                "acknowledged sets missing from the database",
                load["acknowledged"] - load["stored"],
                0,
                "==",
            )
        )
    during_import = result.get("log_during_import")
    if during_import:
        out.append(
            _target(
                "import_log_p99_ms",
                f"/log p99 while {during_import['importers']} members import {during_import['rows_per_import']:,} "
                "sets each (ms)",
                during_import["log_p99_ms"],
                IMPORT_LOG_P99_MAX_MS,
                "<=",
            )
        )
        out.append(
            _target("import_log_errors", "/log errors while members import", during_import["log_errors"], 0, "==")
        )
    out += _real_targets(result)
    stall = result.get("max_loop_stall_ms")
    out.append(
        _target(
            "max_loop_stall_ms",
            "largest event-loop stall while charts render during /log traffic (ms)",
            stall,
            LOOP_STALL_MAX_MS,
            "<=",
        )
    )
    return out


def _real_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    real = (result.get("real_process") or {}).get("asyncio")
    if real:
        seq = real["sequential"]
        out.append(
            _target(
                "real_log_vs_plan_p50",
                "real process: /log p50 ÷ /plan p50",
                seq["log"]["p50_ms"] / seq["plan"]["p50_ms"],
                REAL_LOG_VS_PLAN_MAX,
                "<=",
            )
        )
        crowd = real["concurrent_log"]
        out.append(
            _target(
                "real_concurrent_log_p99_ms",
                f"real process: /log p99 with {crowd['members']} members at once (ms)",
                crowd["p99_ms"],
                REAL_CONCURRENT_P99_MAX_MS,
                "<=",
            )
        )
        out.append(_target("real_errors", "real process: errors", seq["log"]["errors"] + crowd["errors"], 0, "=="))
    durable = result.get("durability") or {}
    out.extend(
        _target(
            f"unsynced_acks@{key}",
            f"acknowledged sets with no sync before their acknowledgement ({key.split('_')[1]} at once)",
            durable[key]["unsynced_acks"],
            0,
            "==",
        )
        for key in ("members_1", "members_50")
        if key in durable
    )
    return out


def _floor_sum(size_result: dict[str, Any]) -> float:
    floors = size_result["floors"]
    return float(floors["dispatch"]["p50_ms"] + floors["storage"]["p50_ms"])


def growth(result: dict[str, Any]) -> dict[str, Any]:
    """Each command's p99 with the most sets ÷ with none: as measured, and with both sides first divided
    by that size's floors (dispatch + storage p50), which cancels drift of a shared machine between sizes."""
    keys = sorted(result["sizes"], key=int)
    if len(keys) < 2 or keys[0] != "0":
        return {}
    empty, full = result["sizes"][keys[0]], result["sizes"][keys[-1]]
    drift = _floor_sum(full) / _floor_sum(empty)
    out = {}
    for key, _ in COMMANDS:
        a, b = empty["commands"][key], full["commands"][key]
        if a.get("available") and b.get("available"):
            raw = b["p99_ms"] / a["p99_ms"]
            out[key] = {"p99_ratio": round(raw, 3), "p99_ratio_floor_normalised": round(raw / drift, 3)}
    return out


def _cell(entry: dict[str, Any]) -> str:
    if not entry.get("available", True):
        return "not available"
    text = f"{entry['p50_ms']:.2f} / {entry['p95_ms']:.2f} / {entry['p99_ms']:.2f}"
    return text + (f" ({entry['errors']} errors)" if entry.get("errors") else "")


def _size_label(size: str) -> str:
    return f"{int(size):,} sets".replace(",", " ")


def _cpu_table(result: dict[str, Any], sizes: list[str]) -> list[str]:
    """CPU per call: the whole process (every thread) / the event-loop thread alone, in ms."""
    first = result["sizes"][sizes[0]]["commands"]["log"]
    if "cpu_ms" not in first:
        return []
    lines = [
        "",
        "CPU per call, whole process / event-loop thread, ms (mean; calls run one at a time):",
        "",
        "| command | " + " | ".join(_size_label(s) for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for key, label in [*COMMANDS, *FLOORS]:
        cells = []
        for s in sizes:
            data = result["sizes"][s]
            entry = data["commands"].get(key) or data["floors"].get(key) or {}
            cells.append(f"{entry['cpu_ms']:.2f} / {entry['loop_cpu_ms']:.2f}" if "cpu_ms" in entry else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _real_section(result: dict[str, Any]) -> list[str]:
    real = result.get("real_process") or {}
    if not real:
        return []
    lines = [
        "",
        "Real process (`python bot.py` against the loopback emulator; latency from the interaction sent on the "
        "gateway to the bot's callback received, ms; the bot process's CPU per call):",
        "",
        "| event loop | /plan p50 / p99 | /log p50 / p99 | CPU per call | "
        "concurrent /log p50 / p99 | sets/s | CPU per /log |",
        "|---|---|---|---|---|---|---|",
    ]
    for loop, data in real.items():
        seq, crowd = data["sequential"], data["concurrent_log"]
        lines.append(
            f"| {loop} | {seq['plan']['p50_ms']:.1f} / {seq['plan']['p99_ms']:.1f} | "
            f"{seq['log']['p50_ms']:.1f} / {seq['log']['p99_ms']:.1f} | {seq['bot_cpu_ms_per_call']} ms | "
            f"{crowd['p50_ms']:.0f} / {crowd['p99_ms']:.0f} ({crowd['members']} members, {crowd['errors']} errors) | "
            f"{crowd['calls_per_s']} | {crowd['bot_cpu_ms_per_call']} ms |"
        )
    return lines


def _durability_section(result: dict[str, Any]) -> list[str]:
    durable = result.get("durability") or {}
    if "postgresql" in durable:
        pg = durable["postgresql"]
        settings = ", ".join(f"{k}={v}" for k, v in pg.items())
        durable_here = pg.get("synchronous_commit") != "off" and pg.get("fsync") != "off"
        verdict = (
            "this server commits durably before /log answers"
            if durable_here
            else "this server does NOT sync commits (a throw-away test server); with PostgreSQL's defaults "
            "(fsync and synchronous_commit on) every commit is flushed before /log answers"
        )
        return ["", f"Durability: {verdict} ({settings})."]
    if not durable.get("available", True):
        return ["", f"Durability: syncs not counted ({durable.get('reason')})."]
    parts = [
        f"{key.split('_')[1]} at once: {v['acks']} acknowledged, {v['syncs']} syncs "
        f"({v['syncs_per_ack']} per acknowledged set), {v['unsynced_acks']} acknowledged before a sync"
        for key, v in durable.items()
        if key.startswith("members_")
    ]
    return [
        "",
        f"Durability (strace, SQLITE_SYNCHRONOUS={durable.get('sqlite_synchronous')}): " + "; ".join(parts) + ".",
    ]


def markdown(result: dict[str, Any]) -> str:
    """The whole result as Markdown tables."""
    m = result["machine"]
    sizes = sorted(result["sizes"], key=int)
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}; Python {m['python']}; "
        f"{result['config']['database']}. Mode: {'quick' if result['config']['quick'] else 'full'}, "
        f"{result['config']['calls']} calls per command and size. Run {result['generated_at']}.",
        "",
        "Latency from payload delivered to complete response captured, p50 / p95 / p99 in ms:",
        "",
        "| command | " + " | ".join(_size_label(s) for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for key, label in COMMANDS:
        lines.append(f"| {label} | " + " | ".join(_cell(result["sizes"][s]["commands"][key]) for s in sizes) + " |")
    for key, label in FLOORS:
        lines.append(f"| {label} | " + " | ".join(_cell(result["sizes"][s]["floors"][key]) for s in sizes) + " |")
    lines.append("")
    lines.append("Each command's p50 as a multiple of the floors' p50 (dispatch + storage):")
    lines.append("")
    lines.append("| command | " + " | ".join(_size_label(s) for s in sizes) + " |")
    lines.append("|---|" + "---|" * len(sizes))
    for key, label in COMMANDS:
        cells = []
        for s in sizes:
            entry, floors = result["sizes"][s]["commands"][key], result["sizes"][s]["floors"]
            base = floors["dispatch"]["p50_ms"] + floors["storage"]["p50_ms"]
            cells.append(f"{entry['p50_ms'] / base:.2f}×" if entry.get("available") else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += _cpu_table(result, sizes)
    grown = growth(result)
    if grown:
        lines += [
            "",
            f"p99 with {_size_label(sizes[-1])} ÷ p99 with none: as measured, and normalised by the floors "
            "(each side divided by its own size's dispatch + storage p50, which cancels machine drift):",
            "",
            "| command | as measured | floor-normalised |",
            "|---|---|---|",
        ]
        for key, label in COMMANDS:
            if key in grown:
                g = grown[key]
                lines.append(f"| {label} | {g['p99_ratio']:.2f}× | {g['p99_ratio_floor_normalised']:.2f}× |")
    load = result.get("load")
    if load:
        share = result["config"].get("load_offered_share_of_throughput_target", 0)
        lines += [
            "",
            f"Load: {load['members']} members logging concurrently for {load['seconds']} s "
            f"({_size_label(str(load['db_size']))} stored), together offering {load['offered_sets_per_s']} sets/s "
            f"({share:.0%} of the throughput target: 1 000 sets/s, or half the raw driver's durable insert rate if "
            "lower):",
            "",
            "| sets/s | p50 ms | p95 ms | p99 ms | errors | acknowledged | stored | max loop stall ms |",
            "|---|---|---|---|---|---|---|---|",
            f"| {load['sets_per_s']} | {load['p50_ms']:.1f} | {load['p95_ms']:.1f} | {load['p99_ms']:.1f} | "
            f"{load['errors']} | {load['acknowledged']} | {load['stored']} | {load['max_loop_stall_ms']} |",
            "",
            f"Sets per shared commit (group commit) under this load: {load.get('sets_per_commit')}.",
        ]
    sat = result.get("load_saturation")
    if sat:
        lines += [
            "",
            f"Saturation: the same {sat['members']} members logging back to back for {sat['seconds']} s: "
            f"**{sat['sets_per_s']} sets/s** ({sat['errors']} errors, {sat.get('sets_per_commit')} sets per "
            f"commit); latency p50 {sat['p50_ms']:.0f} ms, p99 {sat['p99_ms']:.0f} ms is queueing "
            "(members ÷ throughput).",
        ]
    easy = result.get("load_headroom")
    if easy:
        lines += [
            "",
            f"Headroom: offering half of that ({easy['offered_sets_per_s']} sets/s) for {easy['seconds']} s: "
            f"{easy['sets_per_s']} sets/s, p50 {easy['p50_ms']:.1f} ms, p95 {easy['p95_ms']:.1f} ms, "
            f"p99 {easy['p99_ms']:.1f} ms, {easy['errors']} errors, {easy['acknowledged']} acknowledged, "
            f"{easy['stored']} stored.",
        ]
    during = result.get("log_during_import")
    if during:
        lines += [
            "",
            f"/log during imports: {during['importers']} members importing {during['rows_per_import']:,} sets "
            f"each at the same moment ({during['imported']:,} imported in {during['imports_s']} s) while "
            f"{during['log_members']} members logged {during['offered_sets_per_s']} sets/s: "
            f"{during['log_calls']} sets, p50 {during['log_p50_ms']:.1f} ms, "
            f"p99 **{during['log_p99_ms']:.1f} ms** (the same traffic without imports: "
            f"p50 {during['baseline_p50_ms']:.1f} ms, p99 {during['baseline_p99_ms']:.1f} ms), "
            f"{during['log_errors']} errors, max loop stall {during['max_loop_stall_ms']} ms.",
        ]
    lines += _real_section(result) + _durability_section(result)
    chart = result.get("chart_stall") or {}
    stall = "not available"
    if chart.get("available"):
        stall = f"{chart['max_loop_stall_ms']} ms ({chart['charts']} charts, {chart['log_members']} members logging)"
    lines += [
        "",
        "| largest event-loop stall while charts render | start-up to ready | peak RSS |",
        "|---|---|---|",
        f"| {stall} | {result['startup_s']} s | {result['peak_rss_mb']} MB |",
        "",
        "Targets:",
        "",
        "| target | value | limit | met |",
        "|---|---|---|---|",
    ]
    for t in result["targets"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['description']} | {t['value']} | {t['op']} {t['limit']} | {met} |")
    return "\n".join(lines) + "\n"

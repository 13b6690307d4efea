"""Checks over a whole flow once its questions and rules are read."""

from __future__ import annotations

from typing import Any

from assistant.conversation.flow_schema import (
    BUILT_IN_REASONS,
    CHANNELS,
    END_STATE_NAMES,
    SAMPLE_VALUES,
    SEVERITIES,
    SYSTEM_PROMPTS,
    TIME_PATTERN,
    VISIT_PLACEHOLDERS,
    VOICE_ONLY_PROMPTS,
    plain,
    requires_fact,
)
from assistant.conversation.flows import (
    FlowTest,
    PlannedContact,
    Question,
    Rule,
)
from assistant.conversation.prompts import PromptError, fill, placeholders
from assistant.foundation.sms_length import encoding, segments
from assistant.foundation.yamlsource import LineDict


class FlowChecks:
    """Whole-flow checks: the flow's own test conversations, its contact schedule, prompts
    that exist in every language and fit an SMS, and questions every path can reach. A mixin of
    `FlowParser`."""

    def _tests(self, raw_tests: Any, data: dict, questions: dict[str, Question],
               rules: list[Rule], languages: tuple[str, ...]) -> list[FlowTest]:
        if not isinstance(raw_tests, list):
            self.problem(data, "tests", "tests: give a list of test conversations")
            return []
        reasons = {rule.id for rule in rules} | BUILT_IN_REASONS
        tests = []
        for raw in raw_tests:
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                self.problem(raw if isinstance(raw, dict) else data, None,
                             "each test needs a name, replies and expect")
                continue
            where = f"test {raw['name']!r}"
            self._unknown_keys(raw, {"name", "lang", "patient", "replies", "identity",
                                     "expect"}, where)
            expect = raw.get("expect", {})
            if not isinstance(raw.get("replies"), list | dict) or not isinstance(expect, dict):
                self.problem(raw, None, f"{where}: needs replies (a list or a mapping) and "
                             "expect (a mapping)")
                continue
            self._unknown_keys(expect, {"end_state", "alerts", "answers", "says"}, where)
            language = raw.get("lang", languages[0] if languages else "en")
            if language not in languages:
                self.problem(raw, "lang", f"{where}: the flow has no {language!r} prompts")
            alerts = expect.get("alerts")
            if alerts is not None:
                if not isinstance(alerts, dict):
                    self.problem(expect, "alerts", f"{where}: alerts is a mapping of reason to "
                                 "severity ({} for none)")
                    alerts = None
                else:
                    for reason, severity in alerts.items():
                        if reason not in reasons or severity not in SEVERITIES:
                            self.problem(alerts, reason, f"{where}: alert {reason}: {severity} "
                                         "names no rule, red flag or severity of this flow")
            answers = expect.get("answers", {})
            for key in answers if isinstance(answers, dict) else []:
                if str(key).partition(":")[0] not in questions:
                    self.problem(answers, key, f"{where}: {key!r} is not a question")
            end_state = expect.get("end_state")
            if end_state is not None and end_state not in END_STATE_NAMES:
                self.problem(expect, "end_state", f"{where}: end_state must be one of "
                             f"{', '.join(END_STATE_NAMES)}")
            script = {key: plain(raw[key]) for key in ("patient", "replies", "identity")
                      if key in raw}
            tests.append(FlowTest(raw["name"], script, language, end_state,
                                  plain(alerts) if alerts is not None else None,
                                  plain(answers) if isinstance(answers, dict) else {},
                                  tuple(str(text) for text in expect.get("says", []))))
        return tests

    def _schedule(self, raw: Any, data: dict) -> list[PlannedContact]:
        if not isinstance(raw, list) or not raw:
            self.problem(data, "schedule", "schedule: give at least one check-in, e.g. "
                         "'- {day: 2, at: \"10:00\", channel: sms}'")
            return []
        contacts = []
        for item in raw:
            if not isinstance(item, dict):
                self.problem(raw, None, "each schedule entry must be a mapping")
                continue
            self._unknown_keys(item, {"label", "day", "business_days", "at", "channel",
                                      "fallback"}, "schedule entry")
            business = "business_days" in item
            if business == ("day" in item):
                self.problem(item, None, "schedule: give either day (calendar days after "
                             "discharge) or business_days, not both")
                continue
            day = item["business_days" if business else "day"]
            at, channel = str(item.get("at", "10:00")), item.get("channel", "sms")
            if isinstance(day, bool) or not isinstance(day, int) or day < 0:
                self.problem(item, "business_days" if business else "day",
                             "schedule: the offset must be a whole number of days after "
                             "discharge (0 or more)")
                continue
            if not TIME_PATTERN.match(at):
                self.problem(item, "at", f"schedule: at {at!r} must be a 24-hour time HH:MM")
            if channel not in CHANNELS:
                self.problem(item, "channel", f"schedule: channel must be one of "
                             f"{', '.join(CHANNELS)}")
            fallback = item.get("fallback")
            if fallback is not None and (fallback not in CHANNELS or fallback == channel):
                self.problem(item, "fallback", "schedule: fallback must be the other channel "
                             f"({', '.join(c for c in CHANNELS if c != channel)})")
                fallback = None
            default_label = f"business_day_{day}" if business else f"day_{day}"
            contacts.append(PlannedContact(str(item.get("label", default_label)), day, at,
                                           channel, business, fallback))
        return contacts

    def _check_prompts(self, data: dict, questions: dict[str, Question], rules: list[Rule],
                       languages: tuple[str, ...]) -> None:
        needed: list[tuple[str, Any, str | None]] = [(p, data, None) for p in SYSTEM_PROMPTS]
        raw_by_id = {raw.get("id"): raw for raw in data.get("questions", [])
                     if isinstance(raw, LineDict)}
        needed += [(q.prompt, raw_by_id.get(q.id, data), "prompt") for q in questions.values()]
        needed += [(rule.say, data, "rules") for rule in rules if rule.say]
        for language in languages:
            if language not in self.prompts.languages:
                continue
            for prompt_id, node, key in needed:
                if not self.prompts.has(prompt_id, language):
                    self.problem(node, key, f"prompt {prompt_id!r} is missing from "
                                 f"prompts/{language}.yaml")
                    continue
                if prompt_id not in VOICE_ONLY_PROMPTS:  # never sent as a text
                    self._check_length(prompt_id, language)
        for question in questions.values():
            if question.for_each_medication:
                for language in languages:
                    text = self.prompts.languages.get(language, {}).get(question.prompt)
                    if text and "medicine" not in placeholders(text.sms):
                        self.problem(raw_by_id.get(question.id, data), "for_each_medication",
                                     f"question {question.id!r}: its {language} prompt must "
                                     "name the medicine with {medicine}")
        for question in questions.values():
            self._check_visit_prompt(question, raw_by_id.get(question.id, data), languages)

    def _check_visit_prompt(self, question: Question, node: Any,
                            languages: tuple[str, ...]) -> None:
        """A prompt that names the follow-up visit is asked only when one is known."""
        if requires_fact(question.only_when, "appointment_known"):
            return
        for language in languages:
            text = self.prompts.languages.get(language, {}).get(question.prompt)
            named = sorted(placeholders(text.sms) & set(VISIT_PLACEHOLDERS)) if text else []
            if named:
                self.problem(node, "prompt", f"question {question.id!r}: its {language} prompt "
                             f"names the visit ({{{named[0]}}}), so give the question "
                             "'only_when: {appointment_known: true}'")
                return

    def _check_length(self, prompt_id: str, language: str) -> None:
        text = self.prompts.languages[language][prompt_id].sms
        try:
            sample = fill(text, SAMPLE_VALUES, prompt_id)
        except PromptError:  # a placeholder the samples lack: its length cannot be told
            return
        count = segments(sample)
        if count > 2:
            self.warnings.append(f"prompts/{language}.yaml: prompt {prompt_id!r} takes {count} "
                                 f"SMS segments ({encoding(sample)}, {len(sample)} characters); "
                                 "shorten it")

    def _check_reachable(self, raw_questions: list, questions: dict[str, Question]) -> None:
        if not questions:
            return
        reached, frontier = set(), [next(iter(questions))]
        while frontier:
            current = frontier.pop()
            if current in reached or current not in questions:
                continue
            reached.add(current)
            frontier += [branch.target for branch in questions[current].branches]
        for raw in raw_questions:
            if isinstance(raw, dict) and raw.get("id") in questions and raw["id"] not in reached:
                self.problem(raw, "id", f"question {raw['id']!r} can never be asked: no branch "
                             "leads to it")

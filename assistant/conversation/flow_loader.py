"""Loading and validating flow files into `Flow` objects.

Every check names the file, the line and the problem, so an admin can fix a flow without a
programmer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.conversation.derived import DERIVED_VALUES
from assistant.conversation.flows import (
    Branch,
    Condition,
    Flow,
    FlowTest,
    PlannedContact,
    Question,
    Rule,
)
from assistant.conversation.prompts import Prompt, PromptCatalogue, parse_prompts, placeholders
from assistant.foundation.yamlsource import LineDict, YamlError, line_of, load_yaml
from assistant.safety import RED_FLAG_IDS
from assistant.telephony.sms_length import encoding, segments

ANSWER_KINDS = ("yes_no", "number", "scale", "choice", "date", "text")
SEVERITIES = ("emergency", "urgent", "routine")
CHANNELS = ("sms", "voice")
UNITS = ("lb", "kg", "F", "C", "mg/dL")
MEDICATION_TAGS = ("new", "changed", "stopped", "held", "unchanged")
END_TARGETS = {"end": "completed", "handover": "handed_over"}
END_STATE_NAMES = ("completed", "handed_over", "opted_out", "expired", "in_progress")
# Alerts the dialogue raises whatever the flow says: red flags and what patients ask for.
BUILT_IN_REASONS = {*RED_FLAG_IDS, "identity_not_confirmed", "opted_out", "asked_for_person",
                    "too_many_messages", "unreachable", "unclear_answer"}
# The yes/no and reading questions about warning signs (../shared/clinical/REFERENCE.md): an
# answer to one of them that stays unclear must reach a nurse, never be left blank.
SYMPTOM_QUESTIONS = ("breathing", "chest_pain", "fever", "weight", "swelling", "orthopnea",
                     "sputum", "rescue_inhaler", "pain", "wound", "glucose", "side_effects",
                     "mood")
# unanswered: review (a nurse looks at an unclear answer) or record (it is left blank).
UNANSWERED = ("review", "record")
# Prompts the dialogue itself uses, whatever the flow asks.
SYSTEM_PROMPTS = (
    "greeting",
    "identity_retry",
    "identity_failed",
    "completed",
    "handed_over",
    "opted_out",
    "conversation_closed",
    "unknown_sender",
    "holding_reply",
    "emergency_911",
    "crisis_988",
    "help",
    "opted_in",
    "nurse_callback",
    "confirm_yes",
    "confirm_no",
    "unclear_review",
    "expired",
    "reminder",
    *(VOICE_ONLY_PROMPTS := ("voicemail", "transfer", "after_hours", "hello_again",
                             "line_greeting", "read_back")),
    *(f"clarify_{kind}" for kind in ANSWER_KINDS),
)
# Typical values, to measure how long a prompt is once filled in.
SAMPLE_VALUES = {"first_name": "Alexandra", "provider": "Riverside Hospital",
                 "callback": "+12015550100", "medicine": "Hydrochlorothiazide", "dose": "25 mg",
                 "minimum": "0", "maximum": "10"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
COMPARISONS = ("gte", "gt", "lte", "lt")


class FlowError(ValueError):
    """All problems found in one flow file, each with its line."""

    def __init__(self, problems: list[YamlError]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def load_flow_file(path: Path, prompts: PromptCatalogue) -> Flow:
    return load_flow_text(path.read_text(encoding="utf-8"), str(path), prompts, path.stem)


def load_flow_text(text: str, path: str, prompts: PromptCatalogue,
                   expected_id: str | None = None) -> Flow:
    return parse_flow(load_yaml(text, path), path, prompts, expected_id=expected_id)


def parse_flow(
    data: Any, path: str, prompts: PromptCatalogue, expected_id: str | None = None
) -> Flow:
    parser = _FlowParser(path, prompts)
    flow = parser.parse(data, expected_id)
    if parser.problems or flow is None:
        raise FlowError(parser.problems)
    return flow


def plain(data: Any) -> Any:
    """Strip line bookkeeping so a flow can be stored as JSON."""
    if isinstance(data, dict):
        return {str(key): plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    return data


class _FlowParser:
    def __init__(self, path: str, prompts: PromptCatalogue) -> None:
        self.path = path
        self.prompts = prompts
        self.problems: list[YamlError] = []
        self.warnings: list[str] = []

    def problem(self, node: Any, key: str | None, text: str) -> None:
        self.problems.append(YamlError(self.path, line_of(node, key), text))

    def parse(self, data: Any, expected_id: str | None) -> Flow | None:
        if not isinstance(data, dict):
            self.problem(data, None, "a flow must be a mapping with flow, questions and rules")
            return None
        self._unknown_keys(data, {"flow", "title", "languages", "schedule", "questions", "rules",
                                  "tests", "prompts"}, "flow")
        own_prompts = self._own_prompts(data)
        # The flow's own wording counts for every check below, as it will when it runs.
        self.prompts = self.prompts.overlay(own_prompts)
        flow_id = data.get("flow")
        if not isinstance(flow_id, str) or not _ID.match(flow_id):
            self.problem(data, "flow", "flow: give the flow id in lower_snake_case, e.g. "
                         "'flow: general'")
            flow_id = expected_id or "unknown"
        elif expected_id and flow_id != expected_id:
            self.problem(data, "flow", f"flow id {flow_id!r} must match the file name "
                         f"{expected_id!r}")
        languages = self._languages(data)
        raw_questions = data.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.problem(data, "questions", "questions: give a list of at least one question")
            return None
        question_ids = self._question_ids(raw_questions)
        questions = {}
        for index, raw in enumerate(raw_questions):
            question = self._question(raw, index, question_ids)
            if question:
                questions[question.id] = question
        rules = self._rules(data.get("rules", []), questions)
        questions = self._unclear_review(raw_questions, questions, rules)
        schedule = self._schedule(data.get("schedule"), data)
        tests = self._tests(data.get("tests", []), data, questions, rules, languages)
        self._check_prompts(data, questions, rules, languages)
        self._check_reachable(raw_questions, questions)
        return Flow(
            id=flow_id,
            title=str(data.get("title", flow_id)),
            languages=languages,
            questions=questions,
            rules=tuple(rules),
            schedule=tuple(schedule),
            source=plain(data),
            tests=tuple(tests),
            warnings=tuple(dict.fromkeys(self.warnings)),
            prompts=own_prompts,
        )

    def _own_prompts(self, data: dict) -> dict[str, dict[str, Prompt]]:
        raw = data.get("prompts", {})
        if not isinstance(raw, dict):
            self.problem(data, "prompts", "prompts: give each language's wording, e.g. "
                         "'es: {chest_pain: \"...\"}'")
            return {}
        own = {}
        for language, prompts in raw.items():
            if language not in self.prompts.languages:
                self.problem(raw, language, f"prompts: language {language!r} has no prompt file")
                continue
            if not isinstance(prompts, dict):
                self.problem(raw, language, f"prompts: {language} must map prompt ids to text")
                continue
            try:
                own[language] = parse_prompts(prompts, self.path,
                                              self.prompts.phrases.get(language, {}))
            except YamlError as exc:
                self.problems.append(exc)
        return own

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

    def _unknown_keys(self, node: dict, allowed: set[str], where: str) -> None:
        for key in node:
            if key not in allowed:
                self.problem(node, key, f"{where}: unknown field {key!r} (expected one of "
                             f"{', '.join(sorted(allowed))})")

    def _languages(self, data: dict) -> tuple[str, ...]:
        languages = data.get("languages", ["en"])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            self.problem(data, "languages", "languages: give a list such as [en, es]")
            return ("en",)
        for language in languages:
            if language not in self.prompts.languages:
                self.problem(data, "languages", f"language {language!r} has no prompt file "
                             f"prompts/{language}.yaml")
        return tuple(languages)

    def _question_ids(self, raw_questions: list) -> list[str]:
        ids: list[str] = []
        for raw in raw_questions:
            question_id = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(question_id, str) and question_id in ids:
                self.problem(raw, "id", f"question id {question_id!r} is used twice")
            if isinstance(question_id, str):
                ids.append(question_id)
        return ids

    def _question(self, raw: Any, index: int, question_ids: list[str]) -> Question | None:
        if not isinstance(raw, dict):
            self.problem(raw, None, f"question #{index + 1} must be a mapping with id and kind")
            return None
        self._unknown_keys(raw, {"id", "kind", "prompt", "choices", "unit", "min", "max",
                                 "identity", "optional", "next", "for_each_medication",
                                 "only_with_medications", "accepts_change", "unanswered"},
                           f"question #{index + 1}")
        question_id = raw.get("id")
        if not isinstance(question_id, str) or not _ID.match(question_id):
            self.problem(raw, "id", f"question #{index + 1}: id must be lower_snake_case")
            return None
        if question_id in END_TARGETS or question_id in DERIVED_VALUES:
            self.problem(raw, "id", f"question id {question_id!r} is reserved")
        where = f"question {question_id!r}"
        kind = raw.get("kind")
        if kind not in ANSWER_KINDS:
            self.problem(raw, "kind", f"{where}: kind {kind!r} is not one of "
                         f"{', '.join(ANSWER_KINDS)}")
            kind = "text"  # carry on as free text, so one mistake gives one message
        choices = self._choices(raw, where) if kind == "choice" or (
            kind == "scale" and "choices" in raw) else {}
        unit = raw.get("unit")
        if kind == "number" and unit not in UNITS:
            self.problem(raw, "unit", f"{where}: a number needs unit: one of {', '.join(UNITS)}")
        minimum, maximum = raw.get("min"), raw.get("max")
        if kind == "scale":
            minimum = 0 if minimum is None else minimum
            maximum = 10 if maximum is None else maximum
            for point in choices:
                if not point.isdigit() or not minimum <= int(point) <= maximum:
                    self.problem(raw, "choices", f"{where}: scale labels must be whole numbers "
                                 f"from {minimum} to {maximum}, not {point!r}")
        for key, bound in (("min", minimum), ("max", maximum)):
            if bound is not None and (isinstance(bound, bool) or
                                      not isinstance(bound, int | float)):
                self.problem(raw, key, f"{where}: {key} must be a number")
        identity = bool(raw.get("identity", False))
        if identity and kind != "date":
            self.problem(raw, "identity", f"{where}: an identity check must be of kind date")
        for_each = self._tags(raw, "for_each_medication", where)
        only_with = self._tags(raw, "only_with_medications", where)
        if for_each and kind != "yes_no":
            self.problem(raw, "for_each_medication", f"{where}: a question per medicine must "
                         "be yes_no")
        accepts_change = bool(raw.get("accepts_change", False))
        if accepts_change and kind != "number":
            self.problem(raw, "accepts_change", f"{where}: only a number can be a change")
        position = question_ids.index(question_id) if question_id in question_ids else 0
        following = question_ids[position + 1] if position + 1 < len(question_ids) else "end"
        branches = self._branches(raw, where, question_ids, position, following)
        return Question(
            id=question_id,
            kind=kind,
            prompt=str(raw.get("prompt", question_id)),
            branches=branches,
            choices=choices,
            unit=unit if kind == "number" else None,
            minimum=minimum,
            maximum=maximum,
            identity=identity,
            optional=bool(raw.get("optional", False)),
            for_each_medication=for_each,
            only_with_medications=only_with,
            accepts_change=accepts_change,
        )

    def _unclear_review(self, raw_questions: list, questions: dict[str, Question],
                        rules: list[Rule]) -> dict[str, Question]:
        """Which questions send an unclear answer to a nurse: by default every question that
        can hide a warning sign (a symptom question, or one with an urgent or emergency rule).
        A symptom question may opt out (`unanswered: record`) only if its own rule escalates
        an unclear answer."""
        raw_by_id = {raw.get("id"): raw for raw in raw_questions if isinstance(raw, dict)}
        reviewed = {}
        for question_id, question in questions.items():
            raw = raw_by_id.get(question_id, {})
            setting = raw.get("unanswered")
            if setting is not None and setting not in UNANSWERED:
                self.problem(raw, "unanswered", f"question {question_id!r}: unanswered must be "
                             "review (a nurse looks at an unclear answer) or record")
            escalating = [rule for rule in rules if question_id in rule.when.questions()
                          and rule.severity != "routine"]
            unclear_rule = any(holds_when_unclear(rule.when, question_id) for rule in escalating)
            if setting == "record" and question_id in SYMPTOM_QUESTIONS and not unclear_rule:
                self.problem(raw, "unanswered", f"question {question_id!r} asks about a warning "
                             "sign, so an unclear answer must reach a nurse: remove "
                             "'unanswered: record' (a nurse then reviews it), or add an urgent "
                             f"rule such as '{{id: {question_id}_unclear, when: {{answer: "
                             f"{question_id}, unclear: true}}, severity: urgent, say: "
                             "nurse_today}'")
            review = not question.identity and setting != "record" and (
                setting == "review" or question_id in SYMPTOM_QUESTIONS or bool(escalating))
            reviewed[question_id] = replace(question, unclear_review=review)
        return reviewed

    def _tags(self, raw: dict, key: str, where: str) -> tuple[str, ...]:
        tags = raw.get(key, [])
        if not isinstance(tags, list) or any(tag not in MEDICATION_TAGS for tag in tags):
            self.problem(raw, key, f"{where}: {key} must be a list of "
                         f"{', '.join(MEDICATION_TAGS)}")
            return ()
        return tuple(tags)

    def _choices(self, raw: dict, where: str) -> dict[str, tuple[str, ...]]:
        choices = raw.get("choices")
        if not isinstance(choices, dict) or not choices:
            self.problem(raw, "choices", f"{where}: a choice needs choices: a mapping of each "
                         "choice to its synonyms, e.g. 'better: [good, fine]'")
            return {}
        result = {}
        for key, synonyms in choices.items():
            if synonyms is None:
                synonyms = []
            if not isinstance(synonyms, list):
                self.problem(choices, key, f"{where}: synonyms of {key!r} must be a list")
                synonyms = []
            result[str(key)] = tuple(str(word).lower() for word in synonyms)
        return result

    def _branches(self, raw: dict, where: str, question_ids: list[str], position: int,
                  following: str) -> tuple[Branch, ...]:
        spec = raw.get("next")
        if spec is None:
            return (Branch(self._target(following)),)
        if isinstance(spec, str):
            self._check_target(raw, "next", where, spec, question_ids, position)
            return (Branch(self._target(spec)),)
        if not isinstance(spec, list):
            self.problem(raw, "next", f"{where}: next must be a question id or a list of "
                         "{when, goto} branches")
            return (Branch(self._target(following)),)
        branches = []
        for item in spec:
            if not isinstance(item, dict) or "goto" not in item:
                self.problem(item if isinstance(item, dict) else raw, None,
                             f"{where}: each branch needs goto (and when, except the last)")
                continue
            self._unknown_keys(item, {"when", "goto"}, f"{where} branch")
            target = item["goto"]
            self._check_target(item, "goto", where, target, question_ids, position)
            when = self._condition(item["when"], item, "when", where) if "when" in item else None
            branches.append(Branch(self._target(target), when))
        if not branches or branches[-1].when is not None:
            branches.append(Branch(self._target(following)))
        return tuple(branches)

    @staticmethod
    def _target(target: Any) -> str:
        return END_TARGETS.get(target, target) if isinstance(target, str) else "completed"

    def _check_target(self, node: dict, key: str, where: str, target: Any,
                      question_ids: list[str], position: int) -> None:
        if target in END_TARGETS:
            return
        if target not in question_ids:
            self.problem(node, key, f"{where}: goes to {target!r}, which is not a question id "
                         "(or 'end' / 'handover')")
        elif question_ids.index(target) <= position:
            self.problem(node, key, f"{where}: goes back to {target!r}; branches may only go "
                         "forward, so every conversation ends")

    def _condition(self, raw: Any, parent: Any, key: str | None, where: str,
                   questions: Mapping[str, Question] | None = None) -> Condition | None:
        if not isinstance(raw, dict):
            self.problem(parent, key, f"{where}: a condition is a mapping such as "
                         "{answer: chest_pain, is: yes}")
            return None
        for combinator in ("all", "any"):
            if combinator in raw:
                items = raw[combinator]
                if not isinstance(items, list) or not items:
                    self.problem(raw, combinator, f"{where}: {combinator} needs a list")
                    return None
                children = [self._condition(item, raw, combinator, where, questions)
                            for item in items]
                if any(child is None for child in children):
                    return None
                return Condition(op=combinator, children=tuple(children))  # type: ignore[arg-type]
        if "value" in raw:
            return self._derived_condition(raw, where, questions)
        question_id = raw.get("answer")
        ops = [op for op in ("is", "in", "unclear", *COMPARISONS) if op in raw]
        self._unknown_keys(raw, {"answer", "is", "in", "unclear", "high_risk", *COMPARISONS},
                           where)
        if not isinstance(question_id, str) or len(ops) != 1:
            self.problem(raw, None, f"{where}: a condition names one answer (or value) and one "
                         "test: is, in, unclear, gte, gt, lte or lt")
            return None
        op, operand = ops[0], raw[ops[0]]
        high_risk = raw.get("high_risk")
        if high_risk is not None and not isinstance(high_risk, bool):
            self.problem(raw, "high_risk", f"{where}: high_risk must be yes or no")
            high_risk = None
        if questions is not None:
            question = questions.get(question_id)
            if question is None:
                self.problem(raw, "answer", f"{where}: refers to unknown question "
                             f"{question_id!r}")
                return None
            self._check_operand(raw, op, operand, question, where)
            if high_risk is not None and not question.for_each_medication:
                self.problem(raw, "high_risk", f"{where}: high_risk applies only to a question "
                             "asked once per medicine")
        if op == "in" and not isinstance(operand, list):
            self.problem(raw, op, f"{where}: in needs a list")
            return None
        return Condition(question=question_id, op=op,
                         operand=tuple(operand) if op == "in" else operand, high_risk=high_risk)

    def _derived_condition(self, raw: dict, where: str,
                           questions: Mapping[str, Question] | None) -> Condition | None:
        name = raw.get("value")
        self._unknown_keys(raw, {"value", *COMPARISONS}, where)
        ops = [op for op in COMPARISONS if op in raw]
        if name not in DERIVED_VALUES:
            self.problem(raw, "value", f"{where}: unknown value {name!r} (known: "
                         f"{', '.join(DERIVED_VALUES)})")
            return None
        if len(ops) != 1 or isinstance(raw[ops[0]], bool) or not isinstance(
                raw[ops[0]], int | float):
            self.problem(raw, "value", f"{where}: a value is compared with one of gte, gt, lte "
                         "or lt and a number")
            return None
        sources = DERIVED_VALUES[name]
        missing = [q for q in sources if questions is not None and q not in questions]
        if missing:
            self.problem(raw, "value", f"{where}: {name} needs the question(s) "
                         f"{', '.join(missing)}")
            return None
        weight = questions.get("weight") if questions is not None else None
        if name.startswith("weight_") and weight is not None and weight.unit != "lb":
            self.problem(raw, "value", f"{where}: {name} is in pounds; give the weight "
                         "question unit: lb")
        return Condition(question=name, op=ops[0], operand=raw[ops[0]], sources=sources)

    def _check_operand(self, raw: dict, op: str, operand: Any, question: Question,
                       where: str) -> None:
        values = operand if op == "in" and isinstance(operand, list) else [operand]
        if op == "unclear":
            if not isinstance(operand, bool):
                self.problem(raw, op, f"{where}: unclear must be yes or no")
            return
        for value in values:
            if op in COMPARISONS and question.kind not in ("number", "scale"):
                self.problem(raw, op, f"{where}: {op} compares numbers, but "
                             f"{question.id!r} is a {question.kind} question")
            elif op in COMPARISONS and (isinstance(value, bool) or
                                        not isinstance(value, int | float)):
                self.problem(raw, op, f"{where}: {op} needs a number")
            elif question.kind == "yes_no" and op in ("is", "in") and not isinstance(value, bool):
                self.problem(raw, op, f"{where}: {question.id!r} is yes/no; compare with yes or no")
            elif question.kind == "choice" and op in ("is", "in") and value not in question.choices:
                self.problem(raw, op, f"{where}: {value!r} is not a choice of {question.id!r} "
                             f"({', '.join(question.choices)})")

    def _rules(self, raw_rules: Any, questions: dict[str, Question]) -> list[Rule]:
        if not isinstance(raw_rules, list):
            self.problem(raw_rules, None, "rules: give a list of escalation rules")
            return []
        rules, seen = [], set()
        for raw in raw_rules:
            if not isinstance(raw, dict):
                self.problem(raw_rules, None, "each rule must be a mapping")
                continue
            self._unknown_keys(raw, {"id", "when", "severity", "say", "summary"}, "rule")
            rule_id = raw.get("id")
            if not isinstance(rule_id, str) or not _ID.match(rule_id):
                self.problem(raw, "id", "rule: id must be lower_snake_case")
                continue
            if rule_id in seen:
                self.problem(raw, "id", f"rule id {rule_id!r} is used twice")
            seen.add(rule_id)
            where = f"rule {rule_id!r}"
            severity = raw.get("severity")
            if severity not in SEVERITIES:
                self.problem(raw, "severity", f"{where}: severity must be one of "
                             f"{', '.join(SEVERITIES)}")
            if "say" not in raw and severity != "routine":
                self.problem(raw, None, f"{where}: an {severity} rule must say what the patient "
                             "is told (say: a prompt id)")
            when = self._condition(raw.get("when"), raw, "when", where, questions)
            if when is None or severity not in SEVERITIES:
                continue
            rules.append(Rule(rule_id, when, severity, str(raw.get("say", "")),
                              str(raw.get("summary", rule_id.replace("_", " ")))))
        for question in questions.values():
            for branch in question.branches:
                if branch.when is not None:
                    self._check_branch_condition(branch.when, questions, question)
        return rules

    def _check_branch_condition(self, condition: Condition, questions: dict[str, Question],
                                question: Question) -> None:
        for question_id in condition.questions():
            if question_id not in questions:
                self.problem({}, None, f"question {question.id!r}: a branch refers to unknown "
                             f"question {question_id!r}")

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
            if not _TIME.match(at):
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

    def _check_length(self, prompt_id: str, language: str) -> None:
        text = self.prompts.languages[language][prompt_id].sms
        try:
            sample = text.format_map(SAMPLE_VALUES)
        except (KeyError, ValueError):
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


def holds_when_unclear(condition: Condition, question_id: str) -> bool:
    """Whether a rule's condition holds for an unclear answer to the question."""
    if condition.op in ("all", "any"):
        return any(holds_when_unclear(child, question_id) for child in condition.children)
    return condition.question == question_id and condition.op == "unclear" and bool(
        condition.operand)


@dataclass
class FlowLibrary:
    """The flows on disk, loaded and validated once."""

    flows: dict[str, Flow]

    @classmethod
    def load(cls, folder: Path, prompts: PromptCatalogue) -> FlowLibrary:
        flows = {}
        for path in sorted(folder.glob("*.yaml")):
            flow = load_flow_file(path, prompts)
            flows[flow.id] = flow
        return cls(flows)

    def get(self, flow_id: str) -> Flow:
        try:
            return self.flows[flow_id]
        except KeyError:
            known = ", ".join(sorted(self.flows)) or "none"
            raise KeyError(f"unknown flow {flow_id!r} (known flows: {known})") from None

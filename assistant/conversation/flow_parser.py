"""Reading a flow file's questions, branches and prompts into a `Flow`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assistant.conversation.derived import DERIVED_VALUES
from assistant.conversation.flow_checks import FlowChecks
from assistant.conversation.flow_conditions import ConditionParsing
from assistant.conversation.flow_schema import (
    ANSWER_KINDS,
    END_TARGETS,
    ID_PATTERN,
    MEDICATION_TAGS,
    SYMPTOM_QUESTIONS,
    UNANSWERED,
    UNITS,
    holds_when_unclear,
    plain,
)
from assistant.conversation.flows import (
    Branch,
    Condition,
    Flow,
    Question,
    Rule,
)
from assistant.conversation.prompts import Prompt, PromptCatalogue, parse_prompts
from assistant.foundation.yamlsource import YamlError, line_of


class FlowParser(ConditionParsing, FlowChecks):
    """Reads one flow file's data, collecting every problem with its line instead of
    stopping at the first."""

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
        if not isinstance(flow_id, str) or not ID_PATTERN.match(flow_id):
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
                                 "only_with_medications", "only_when", "accepts_change",
                                 "unanswered"},
                           f"question #{index + 1}")
        question_id = raw.get("id")
        if not isinstance(question_id, str) or not ID_PATTERN.match(question_id):
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
        only_when = self._only_when(raw, where, question_ids[:position])
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
            only_when=only_when,
        )

    def _only_when(self, raw: dict, where: str, earlier: list[str]) -> Condition | None:
        """`only_when`: a condition on facts about the stay or on earlier answers."""
        if "only_when" not in raw:
            return None
        condition = self._condition(raw["only_when"], raw, "only_when", f"{where} only_when")
        later = sorted(condition.questions() - set(earlier)) if condition else []
        if later:
            self.problem(raw, "only_when", f"{where}: only_when can look only at facts about "
                         f"the stay and earlier answers, not {', '.join(later)}")
        return condition

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

"""Reading a flow's conditions and escalation rules, with a problem at its line for each
mistake."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.conversation.derived import DERIVED_VALUES
from assistant.conversation.flow_schema import (
    COMPARISONS,
    EPISODE_FACTS,
    ID_PATTERN,
    SEVERITIES,
)
from assistant.conversation.flows import (
    Condition,
    Question,
    Rule,
)


class ConditionParsing:
    """Conditions (`when:`) on answers and derived values, and the escalation rules built on
    them. A mixin of `FlowParser`: it reports through `self.problem`."""

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
        fact = next((name for name in EPISODE_FACTS if name in raw), None)
        if fact is not None:
            return self._fact_condition(raw, fact, where)
        question_id = raw.get("answer")
        ops = [op for op in ("is", "in", "unclear", *COMPARISONS) if op in raw]
        self._unknown_keys(raw, {"answer", "is", "in", "unclear", "high_risk", *COMPARISONS},
                           where)
        if not isinstance(question_id, str) or len(ops) != 1:
            self.problem(raw, None, f"{where}: a condition names one answer (or value) and one "
                         "test: is, in, unclear, gte, gt, lte or lt; or a fact about the stay "
                         f"such as {{{EPISODE_FACTS[0]}: true}}")
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

    def _fact_condition(self, raw: dict, fact: str, where: str) -> Condition | None:
        """A fact about the stay, true or false: `{appointment_known: true}`."""
        self._unknown_keys(raw, {fact}, where)
        if not isinstance(raw[fact], bool):
            self.problem(raw, fact, f"{where}: {fact} must be yes or no (true or false)")
            return None
        return Condition(question=fact, op="is", operand=raw[fact], episode_fact=True)

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
            self._unknown_keys(raw, {"id", "when", "severity", "say", "summary", "off_duty"},
                               "rule")
            rule_id = raw.get("id")
            if not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
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
            off_duty = raw.get("off_duty")
            if off_duty is not None and (off_duty != "routine" or severity != "urgent"):
                self.problem(raw, "off_duty", f"{where}: off_duty: routine is the only choice, "
                             "and only for an urgent rule (it becomes routine when no nurse "
                             "can call the same day)")
                off_duty = None
            when = self._condition(raw.get("when"), raw, "when", where, questions)
            if when is None or severity not in SEVERITIES:
                continue
            rules.append(Rule(rule_id, when, severity, str(raw.get("say", "")),
                              str(raw.get("summary", rule_id.replace("_", " "))), off_duty))
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

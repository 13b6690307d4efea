"""How long a flow takes by phone: the words said along the usual path (every question
answered the way that takes no branch), at a spoken pace, plus a moment per answer."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.conversation.chart import END_STATES
from assistant.conversation.flows import Flow
from assistant.conversation.prompts import PromptCatalogue

WORDS_PER_MINUTE = 150
SECONDS_PER_ANSWER = 3
SAMPLE = {"first_name": "Alexandra", "provider": "Riverside Hospital",
          "callback": "+12015550100", "medicine": "metoprolol", "dose": "25 mg",
          "minimum": "0", "maximum": "10", "heard": "182 pounds",
          "visit_time": "Tuesday, December 1 at 10:00 AM", "with_clinician": " with Dr. Lee",
          "at_place": " at Main Street Clinic"}


@dataclass(frozen=True)
class CallLength:
    words: int
    answers: int

    @property
    def seconds(self) -> int:
        return round(self.words * 60 / WORDS_PER_MINUTE + self.answers * SECONDS_PER_ANSWER)

    def __str__(self) -> str:
        minutes, seconds = divmod(self.seconds, 60)
        return f"about {minutes} min {seconds:02d} s by phone ({self.words} words, " \
               f"{self.answers} answers)"


def usual_path(flow: Flow) -> list[str]:
    """Question ids asked when every branch condition is false."""
    path, current = [], flow.first_question
    while current not in END_STATES and current in flow.questions:
        path.append(current)
        current = flow.questions[current].branches[-1].target
    return path


def call_length(flow: Flow, prompts: PromptCatalogue, language: str = "en") -> CallLength:
    def words(prompt_id: str) -> int:
        text = prompts.languages[language][prompt_id].voice.format_map(SAMPLE)
        return len(text.split())

    path = usual_path(flow)
    total = words("greeting") + words("completed")
    total += sum(words(flow.questions[q].prompt) for q in path)
    return CallLength(total, len(path))

"""The programme's results for its leaders and the hospital's analysts: reach, speed, safety,
engagement and outcomes over a period of discharges, each figure one SQL aggregate (a year of
a large hospital's activity is hundreds of thousands of rows; none is looped over in Python),
and the one-row-per-discharge export with its data dictionary (docs/REPORTS.md).

May import: `foundation`, `records`, `conversation` (the flows' questions, for their order and
wording)."""

"""The campaign's fixed facts, with where each comes from: the day of the open letter and the
2014 figures of the news article that published it. (Plain values: templates get them as
variables, so Jinja never constant-folds a number in the locale of the first request.)"""
from datetime import date

# The news article of 15 September 2014 that reproduced the coalition's open letter and its
# partial list of hijacked groups: the letter's own date, and the 2014 list's.
LETTER_DATE = date(2014, 9, 15)
# Its figures: "over 95 groups", "more than 1.2 million members".
FACTS_2014 = {"groups": 95, "members": 1_200_000}

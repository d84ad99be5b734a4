"""Local-authority numbers that may appear as characters 2-4 of a UPN. Data, not code.

SOURCE: the Department for Education's three-digit local authority numbers (the "LA
code" of Get Information about Schools and of the school census), as they stand after the
local government reorganisations of April 2019 (Dorset, Bournemouth Christchurch and
Poole), April 2021 (North and West Northamptonshire) and April 2023 (Cumberland,
Westmorland and Furness; North Yorkshire, Somerset and Buckinghamshire kept their numbers).
Former authorities are kept: a UPN never changes, so pupils still carry numbers issued
by councils that no longer exist. The "other" numbers are the further ones the school
census accepts in characters 2-4 of a UPN (validation 1530: Welsh authorities 660-681,
and the pseudo-LA numbers 001-005 and 701-708).
AS_OF: compiled on 2026-12-01 from the DfE's numbering as published up to then (the
April 2023 changes are the latest); it includes every number python-stdnum knew.

A number missing here is only a warning (the DfE may add one); never a reason to refuse.
To add one, append a row below and change AS_OF.
"""

from __future__ import annotations

import datetime as dt

SOURCE = ("DfE local authority numbers (Get Information about Schools / school census "
          "validation 1530), after the 2019, 2021 and 2023 reorganisations")
AS_OF = dt.date(2026, 12, 1)

# (number, name, status): status is "current", "former" (abolished; its UPNs stay valid)
# or "other" (accepted by the census in a UPN, not an English council).
_ROWS: tuple[tuple[int, str, str], ...] = (
    (201, "City of London", "current"), (202, "Camden", "current"),
    (203, "Greenwich", "current"), (204, "Hackney", "current"),
    (205, "Hammersmith and Fulham", "current"), (206, "Islington", "current"),
    (207, "Kensington and Chelsea", "current"), (208, "Lambeth", "current"),
    (209, "Lewisham", "current"), (210, "Southwark", "current"),
    (211, "Tower Hamlets", "current"), (212, "Wandsworth", "current"),
    (213, "Westminster", "current"),
    (301, "Barking and Dagenham", "current"), (302, "Barnet", "current"),
    (303, "Bexley", "current"), (304, "Brent", "current"), (305, "Bromley", "current"),
    (306, "Croydon", "current"), (307, "Ealing", "current"), (308, "Enfield", "current"),
    (309, "Haringey", "current"), (310, "Harrow", "current"), (311, "Havering", "current"),
    (312, "Hillingdon", "current"), (313, "Hounslow", "current"),
    (314, "Kingston upon Thames", "current"), (315, "Merton", "current"),
    (316, "Newham", "current"), (317, "Redbridge", "current"),
    (318, "Richmond upon Thames", "current"), (319, "Sutton", "current"),
    (320, "Waltham Forest", "current"),
    (330, "Birmingham", "current"), (331, "Coventry", "current"), (332, "Dudley", "current"),
    (333, "Sandwell", "current"), (334, "Solihull", "current"), (335, "Walsall", "current"),
    (336, "Wolverhampton", "current"),
    (340, "Knowsley", "current"), (341, "Liverpool", "current"),
    (342, "St. Helens", "current"), (343, "Sefton", "current"), (344, "Wirral", "current"),
    (350, "Bolton", "current"), (351, "Bury", "current"), (352, "Manchester", "current"),
    (353, "Oldham", "current"), (354, "Rochdale", "current"), (355, "Salford", "current"),
    (356, "Stockport", "current"), (357, "Tameside", "current"), (358, "Trafford", "current"),
    (359, "Wigan", "current"),
    (370, "Barnsley", "current"), (371, "Doncaster", "current"),
    (372, "Rotherham", "current"), (373, "Sheffield", "current"),
    (380, "Bradford", "current"), (381, "Calderdale", "current"),
    (382, "Kirklees", "current"), (383, "Leeds", "current"), (384, "Wakefield", "current"),
    (390, "Gateshead", "current"), (391, "Newcastle upon Tyne", "current"),
    (392, "North Tyneside", "current"), (393, "South Tyneside", "current"),
    (394, "Sunderland", "current"),
    (420, "Isles of Scilly", "current"),
    (800, "Bath and North East Somerset", "current"), (801, "Bristol, City of", "current"),
    (802, "North Somerset", "current"), (803, "South Gloucestershire", "current"),
    (805, "Hartlepool", "current"), (806, "Middlesbrough", "current"),
    (807, "Redcar and Cleveland", "current"), (808, "Stockton-on-Tees", "current"),
    (810, "Kingston upon Hull, City of", "current"),
    (811, "East Riding of Yorkshire", "current"),
    (812, "North East Lincolnshire", "current"), (813, "North Lincolnshire", "current"),
    (815, "North Yorkshire", "current"), (816, "York", "current"),
    (820, "Bedfordshire (to 2009)", "former"), (821, "Luton", "current"),
    (822, "Bedford", "current"), (823, "Central Bedfordshire", "current"),
    (825, "Buckinghamshire", "current"), (826, "Milton Keynes", "current"),
    (830, "Derbyshire", "current"), (831, "Derby", "current"),
    (835, "Dorset (to 2019)", "former"), (836, "Poole (to 2019)", "former"),
    (837, "Bournemouth (to 2019)", "former"), (838, "Dorset", "current"),
    (839, "Bournemouth, Christchurch and Poole", "current"),
    (840, "County Durham", "current"), (841, "Darlington", "current"),
    (845, "East Sussex", "current"), (846, "Brighton and Hove", "current"),
    (850, "Hampshire", "current"), (851, "Portsmouth", "current"),
    (852, "Southampton", "current"),
    (855, "Leicestershire", "current"), (856, "Leicester", "current"),
    (857, "Rutland", "current"),
    (860, "Staffordshire", "current"), (861, "Stoke-on-Trent", "current"),
    (865, "Wiltshire", "current"), (866, "Swindon", "current"),
    (867, "Bracknell Forest", "current"), (868, "Windsor and Maidenhead", "current"),
    (869, "West Berkshire", "current"), (870, "Reading", "current"),
    (871, "Slough", "current"), (872, "Wokingham", "current"),
    (873, "Cambridgeshire", "current"), (874, "Peterborough", "current"),
    (875, "Cheshire (to 2009)", "former"), (876, "Halton", "current"),
    (877, "Warrington", "current"),
    (878, "Devon", "current"), (879, "Plymouth", "current"), (880, "Torbay", "current"),
    (881, "Essex", "current"), (882, "Southend-on-Sea", "current"),
    (883, "Thurrock", "current"),
    (884, "Herefordshire", "current"), (885, "Worcestershire", "current"),
    (886, "Kent", "current"), (887, "Medway", "current"),
    (888, "Lancashire", "current"), (889, "Blackburn with Darwen", "current"),
    (890, "Blackpool", "current"),
    (891, "Nottinghamshire", "current"), (892, "Nottingham", "current"),
    (893, "Shropshire", "current"), (894, "Telford and Wrekin", "current"),
    (895, "Cheshire East", "current"), (896, "Cheshire West and Chester", "current"),
    (908, "Cornwall", "current"), (909, "Cumbria (to 2023)", "former"),
    (916, "Gloucestershire", "current"), (919, "Hertfordshire", "current"),
    (921, "Isle of Wight", "current"), (925, "Lincolnshire", "current"),
    (926, "Norfolk", "current"), (928, "Northamptonshire (to 2021)", "former"),
    (929, "Northumberland", "current"), (931, "Oxfordshire", "current"),
    (933, "Somerset", "current"), (935, "Suffolk", "current"), (936, "Surrey", "current"),
    (937, "Warwickshire", "current"), (938, "West Sussex", "current"),
    (940, "North Northamptonshire", "current"), (941, "West Northamptonshire", "current"),
    (942, "Cumberland", "current"), (943, "Westmorland and Furness", "current"),
    *((n, "pseudo-LA number (school census)", "other") for n in range(1, 6)),
    *((n, "Welsh local authority", "other") for n in range(660, 682)),
    *((n, "pseudo-LA number (school census)", "other") for n in range(701, 709)),
)

LA_NAMES: dict[int, str] = {n: name for n, name, _ in _ROWS}
CURRENT: frozenset[int] = frozenset(n for n, _, status in _ROWS if status == "current")
KNOWN: frozenset[int] = frozenset(LA_NAMES)

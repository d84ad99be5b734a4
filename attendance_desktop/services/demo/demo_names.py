"""Hand-written word lists for the synthetic demo school.

Common given names and surnames from many backgrounds, streets and places that are
made up. Nothing here belongs to a real pupil, family or school.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Background:
    """Names that go together in one family (children's and adults' given names, surnames)."""

    key: str
    weight: float  # share of families
    eal_rate: float  # share of families where English is an additional language
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]


BACKGROUNDS: tuple[Background, ...] = (
    Background(
        "british", 0.62, 0.0,
        ("Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia",
         "Willow", "Rosie", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily",
         "Ella", "Evelyn", "Phoebe", "Evie", "Charlotte", "Harper", "Matilda", "Ruby", "Alice",
         "Hannah", "Chloe", "Erin", "Keira", "Jade", "Leah", "Megan", "Holly", "Bethany",
         "Scarlett", "Esme", "Beatrice", "Aurora", "Hallie", "Thea", "Ffion", "Niamh", "Aoife"),
        ("Oliver", "George", "Noah", "Arthur", "Leo", "Oscar", "Harry", "Archie", "Jack",
         "Henry", "Charlie", "Freddie", "Theodore", "Thomas", "Finley", "Alfie", "Teddy",
         "Isaac", "Jacob", "William", "Joshua", "Alexander", "Samuel", "Benjamin", "Daniel",
         "James", "Max", "Reuben", "Toby", "Louis", "Ethan", "Callum", "Liam", "Rory",
         "Dylan", "Rhys", "Ellis", "Frankie", "Stanley", "Albie", "Ronnie", "Cian"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
         "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
         "Hall", "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Harris",
         "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "King", "Baker", "Harrison",
         "Morgan", "Allen", "Scott", "Phillips", "Watson", "Parker", "Price", "Bennett",
         "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Bailey", "Collins",
         "Bell", "Shaw", "Murphy", "Miller", "Cox", "O'Brien", "O'Neill", "Byrne", "Doyle",
         "Fraser", "MacLeod"),
        ("Sarah", "Emma", "Laura", "Rachel", "Claire", "Gemma", "Kate", "Lucy", "Hayley",
         "Stacey", "Jodie", "Natalie", "Victoria", "Samantha", "Kirsty", "Joanne", "Siobhan"),
        ("David", "Paul", "Mark", "Andrew", "Richard", "Stephen", "Chris", "Matthew", "Lee",
         "Gareth", "Craig", "Wayne", "Darren", "Ben", "Tom", "Neil", "Sean", "Declan"),
    ),
    Background(
        "caribbean", 0.04, 0.0,
        ("Amara", "Nia", "Imani", "Kezia", "Tahlia", "Jade", "Aaliyah", "Shanice"),
        ("Jayden", "Malachi", "Tyrese", "Elijah", "Nathaniel", "Gabriel", "Kai", "Jermaine"),
        ("Campbell", "Grant", "Reid", "Francis", "Brown", "Williams", "Thomas", "Samuels"),
        ("Marcia", "Kerry-Ann", "Simone", "Donna", "Paulette"),
        ("Delroy", "Marlon", "Winston", "Trevor", "Leon"),
    ),
    Background(
        "pakistani_bangladeshi", 0.08, 0.35,
        ("Aisha", "Amira", "Fatima", "Maryam", "Inaya", "Hafsa", "Zara", "Ayesha", "Noor",
         "Zainab", "Sana", "Yasmin", "Eshal", "Hania"),
        ("Muhammad", "Yusuf", "Ibrahim", "Zayn", "Ayaan", "Hamza", "Adam", "Ali", "Idris",
         "Rayyan", "Musa", "Zakariya"),
        ("Khan", "Ali", "Hussain", "Ahmed", "Begum", "Rahman", "Islam", "Chowdhury", "Iqbal",
         "Mahmood"),
        ("Nisha", "Farah", "Shabana", "Rubina", "Sadia", "Nasreen"),
        ("Imran", "Tariq", "Asif", "Shahid", "Kamran", "Nadeem"),
    ),
    Background(
        "indian", 0.06, 0.3,
        ("Priya", "Anaya", "Diya", "Ishani", "Simran", "Kiran", "Aarya", "Navya", "Jasleen"),
        ("Arjun", "Rohan", "Aarav", "Vihaan", "Dev", "Harjot", "Gurpreet", "Krish", "Ishaan"),
        ("Patel", "Shah", "Sharma", "Singh", "Kaur", "Gill", "Sandhu", "Mistry", "Joshi"),
        ("Anjali", "Pooja", "Harpreet", "Meera", "Sunita"),
        ("Rajesh", "Sanjay", "Manpreet", "Jaswinder", "Vikram"),
    ),
    Background(
        "west_african", 0.05, 0.25,
        ("Chioma", "Adaeze", "Amara", "Ifeoma", "Abena", "Esi", "Temi", "Ayomide"),
        ("Kofi", "Kwame", "Chidi", "Tobi", "Oluwaseun", "Emeka", "Kojo", "David"),
        ("Okafor", "Adeyemi", "Mensah", "Boateng", "Okonkwo", "Afolabi", "Owusu", "Eze"),
        ("Ngozi", "Funmi", "Abena", "Blessing", "Adwoa"),
        ("Chukwuma", "Segun", "Kojo", "Femi", "Kwabena"),
    ),
    Background(
        "eastern_european", 0.08, 0.55,
        ("Zuzanna", "Maja", "Oliwia", "Lena", "Emilia", "Ioana", "Elena", "Hanna", "Zofia"),
        ("Jakub", "Szymon", "Filip", "Mateusz", "Andrei", "Antoni", "Kacper", "Luca"),
        ("Nowak", "Kowalski", "Wiśniewski", "Popescu", "Ionescu", "Wójcik", "Lewandowski",
         "Dumitru", "Kaminski"),
        ("Agnieszka", "Katarzyna", "Magdalena", "Andreea", "Monika"),
        ("Tomasz", "Piotr", "Marcin", "Bogdan", "Adrian"),
    ),
    Background(
        "southern_european", 0.03, 0.4,
        ("Sofia", "Giulia", "Beatriz", "Mariana", "Chiara"),
        ("Matteo", "Mateo", "Luca", "Tiago", "Lorenzo"),
        ("Rossi", "Silva", "Santos", "Ferreira", "Romano", "Costa"),
        ("Giulia", "Ana", "Francesca", "Rita"),
        ("Marco", "João", "Paolo", "Rui"),
    ),
    Background(
        "east_asian", 0.02, 0.5,
        ("Mei", "Xinyi", "Lan", "Linh", "Yuki", "Anh"),
        ("Wei", "Jun", "Hao", "Minh", "Ethan", "Ryan"),
        ("Chen", "Wang", "Nguyen", "Li", "Zhang", "Tran"),
        ("Xiu", "Linh", "Hui", "Thu"),
        ("Ming", "Tuan", "Jian", "Duc"),
    ),
    Background(
        "turkish_arab_somali", 0.02, 0.5,
        ("Layla", "Elif", "Amina", "Hodan", "Maryam", "Zeynep"),
        ("Omar", "Yusuf", "Ahmed", "Emir", "Abdullahi", "Karim"),
        ("Yilmaz", "Demir", "Haddad", "Mansour", "Hassan", "Abdi", "Warsame"),
        ("Elif", "Rania", "Hodan", "Leyla"),
        ("Mehmet", "Karim", "Abdirahman", "Samir"),
    ),
)

# Legal name -> the name the child is known by (a few pupils use one).
PREFERRED: dict[str, str] = {
    "Alexander": "Alex", "Benjamin": "Ben", "Samuel": "Sam", "Nathaniel": "Nate",
    "Oluwaseun": "Seun", "Theodore": "Teddy", "William": "Will", "Thomas": "Tom",
    "Isabella": "Bella", "Elizabeth": "Lizzie", "Florence": "Flo", "Charlotte": "Lottie",
    "Matilda": "Tilly", "Zuzanna": "Zuza", "Muhammad": "Mo", "Gurpreet": "Preet",
    "Beatrice": "Bea", "Evelyn": "Evie", "Jakub": "Kuba", "Daniel": "Danny",
}

STREETS: tuple[str, ...] = (
    "Larkspur Close", "Millbrook Road", "Tanners Lane", "Foxglove Way", "Kestrel Drive",
    "Orchard Rise", "Wheelwright Street", "Copper Beech Avenue", "Ferrier Road",
    "Hollyhock Gardens", "Pennyfield Crescent", "Old Forge Lane", "Mallard Court",
    "Willowbank Terrace", "Station Approach", "Chapel Meadow", "Sandpiper Walk",
    "Bramble Hill", "Weavers Row", "Lantern Street", "Cobbler's Yard", "Harebell Close",
)

TOWN = "Brookfield"
COUNTY_TOWN = "Exampleshire"
# Postcode area "BK" is not used in the UK, so these look real but reach nobody.
POSTCODE_AREA = "BK"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

SCHOOL_NAME = "Brookfield Church of England Primary School"
SCHOOL_STREET = "1 Church Lane"

CLASS_NAMES: tuple[tuple[str, str], ...] = (
    ("R", "Reception — Acorns"),
    ("1", "Year 1 — Saplings"),
    ("2", "Year 2 — Hazels"),
    ("3", "Year 3 — Rowans"),
    ("4", "Year 4 — Birches"),
    ("5", "Year 5 — Willows"),
    ("6", "Year 6 — Oaks"),
)

STAFF_NAMES: dict[str, str] = {
    "head": "Helen Marsh",
    "deputy": "Daniel Okoro",
    "office1": "Janet Pryce",
    "office2": "Samir Haddou",
    "governor": "Margaret Ellery",
}
TEACHER_NAMES: tuple[str, ...] = (
    "Lucy Fenwick", "Tom Ashdown", "Priya Lakhani", "Grace Adebayo", "Owen Pritchard",
    "Katie Brannigan", "Martin Sowerby",
)

ILLNESS_NOTES: tuple[str, ...] = (
    "unwell with a temperature", "sickness bug", "bad cough", "chickenpox", "earache",
    "heavy cold", "tummy ache", "conjunctivitis",
)

APPOINTMENTS: tuple[str, ...] = (
    "Dentist", "Orthodontist", "GP appointment", "Hospital appointment", "Eye test",
    "Speech and language appointment",
)

TRIPS: tuple[str, ...] = (
    "Class trip to Hollow Oak Farm Park",
    "Class trip to the Brookfield Museum of Rural Life",
    "Class visit to Kestrel Woods outdoor centre",
)

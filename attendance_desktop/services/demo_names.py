"""Hand-written word lists for the synthetic demo school.

Common given names and surnames from many backgrounds, streets and places that are
made up. Nothing here belongs to a real pupil, family or school.
"""

from __future__ import annotations

GIRLS: tuple[str, ...] = (
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
    "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily",
    "Ella", "Evelyn", "Phoebe", "Sofia", "Evie", "Charlotte", "Harper", "Matilda", "Ruby",
    "Maya", "Alice", "Hannah", "Chloe", "Erin", "Niamh", "Aoife", "Zara", "Aisha", "Amira",
    "Fatima", "Maryam", "Inaya", "Hafsa", "Layla", "Noor", "Priya", "Anaya", "Diya", "Ishani",
    "Simran", "Kiran", "Amara", "Chioma", "Adaeze", "Nia", "Imani", "Zainab", "Ayesha",
    "Zuzanna", "Maja", "Oliwia", "Lena", "Emilia", "Ioana", "Elena", "Mei", "Xinyi", "Lan",
    "Keira", "Jade", "Leah", "Megan", "Holly", "Bethany", "Scarlett", "Esme", "Beatrice",
    "Aurora", "Hallie", "Thea", "Nadia", "Yasmin", "Sana", "Tahlia", "Kezia", "Ffion",
)

BOYS: tuple[str, ...] = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Oscar", "Harry", "Archie", "Jack", "Henry",
    "Charlie", "Freddie", "Theodore", "Thomas", "Finley", "Alfie", "Teddy", "Isaac", "Jacob",
    "William", "Joshua", "Alexander", "Samuel", "Benjamin", "Daniel", "James", "Max",
    "Reuben", "Toby", "Louis", "Ethan", "Callum", "Liam", "Cian", "Rory", "Dylan", "Rhys",
    "Muhammad", "Yusuf", "Ibrahim", "Zayn", "Ayaan", "Hamza", "Adam", "Omar", "Ali", "Idris",
    "Arjun", "Rohan", "Aarav", "Vihaan", "Dev", "Harjot", "Gurpreet", "Kofi", "Kwame",
    "Chidi", "Tobi", "Oluwaseun", "Emeka", "Jayden", "Malachi", "Tyrese", "Jakub", "Szymon",
    "Filip", "Mateusz", "Andrei", "Luca", "Matteo", "Mateo", "Kai", "Wei", "Jun", "Hao",
    "Ellis", "Frankie", "Stanley", "Albie", "Ronnie", "Elijah", "Nathaniel", "Gabriel",
)

SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Harris", "Cooper",
    "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson",
    "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan",
    "Ali", "Hussain", "Ahmed", "Begum", "Rahman", "Islam", "Patel", "Shah", "Sharma",
    "Singh", "Kaur", "Gill", "Sandhu", "Mistry", "Chowdhury", "Okafor", "Adeyemi",
    "Mensah", "Boateng", "Okonkwo", "Afolabi", "Campbell", "Grant", "Reid", "Francis",
    "Nowak", "Kowalski", "Wiśniewska", "Popescu", "Ionescu", "Rossi", "Silva", "Santos",
    "O'Brien", "O'Neill", "Byrne", "Doyle", "Chen", "Wang", "Nguyen", "Li", "Yilmaz",
    "Demir", "Haddad", "Mansour", "Hassan", "Abdi", "Warsame", "Fraser", "MacLeod",
)

ADULT_WOMEN: tuple[str, ...] = (
    "Sarah", "Emma", "Laura", "Rachel", "Claire", "Gemma", "Kate", "Lucy", "Hayley",
    "Stacey", "Jodie", "Natalie", "Victoria", "Samantha", "Kirsty", "Nisha", "Farah",
    "Shabana", "Rubina", "Sadia", "Anjali", "Pooja", "Harpreet", "Ngozi", "Funmi",
    "Abena", "Marcia", "Kerry-Ann", "Agnieszka", "Katarzyna", "Magdalena", "Andreea",
    "Giulia", "Ana", "Siobhan", "Aisling", "Xiu", "Linh", "Elif", "Rania", "Hodan", "Joanne",
)

ADULT_MEN: tuple[str, ...] = (
    "David", "Paul", "Mark", "Andrew", "Richard", "Stephen", "Chris", "Matthew", "Lee",
    "Gareth", "Craig", "Wayne", "Darren", "Ben", "Tom", "Imran", "Tariq", "Asif", "Shahid",
    "Rajesh", "Sanjay", "Manpreet", "Jaswinder", "Chukwuma", "Segun", "Kojo", "Delroy",
    "Marlon", "Tomasz", "Piotr", "Marcin", "Bogdan", "Marco", "João", "Sean", "Declan",
    "Ming", "Tuan", "Mehmet", "Karim", "Abdirahman", "Neil",
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

"""Hand-written word lists for the demo practice: people, places, products.

All names are invented or common; any resemblance to a real patient is chance.
"""

from __future__ import annotations


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(sep))


FEMALE_FIRST = _words(
    "Maria Jennifer Linda Patricia Elizabeth Susan Jessica Sarah Karen Nancy Lisa Betty Sandra "
    "Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon "
    "Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha "
    "Katherine Christine Debra Rachel Carolyn Janet Catherine Heather Diane Ruth Julie Olivia "
    "Joyce Virginia Victoria Kelly Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah "
    "Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail Alice "
    "Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie "
    "Brittany Charlotte Marie Kayla Alexis Lori Priya Aaliyah Mei Yesenia Guadalupe Fatima Ngozi "
    "Keisha Tamika Rosa Leticia Camila Valeria Ximena Sofia Hye-jin Anh Thuy Aditi Ananya Zainab "
    "Imani Chloe Zoe Harper Avery Ella Mia Aria Layla Nora Riley Lillian Addison Aubrey Ellie "
    "Stella Violet Paisley Hazel Aurora Savannah Maya Ruby Eleanor Lucy Naomi Gabriela Dolores"
)

MALE_FIRST = _words(
    "James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel "
    "Matthew Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Jason Edward Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
    "Scott Brandon Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry "
    "Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy Walter "
    "Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan "
    "Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent "
    "Mason Roy Ralph Bobby Russell Bradley Philip Eugene Liam Lucas Oliver Carlos Luis Miguel "
    "Diego Mateo Rahul Arjun Vikram Wei Jun Minh Hiroshi Kwame Chinedu Tariq Omar Hassan Malik "
    "DeShawn Marcus Terrence Andre Elias Owen Caleb Isaac Levi Julian Hudson Everett Rowan Miles"
)

LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera "
    "Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
    "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns "
    "Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt "
    "Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer "
    "Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight "
    "Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado "
    "Berry Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence "
    "Sandoval Okonkwo Adeyemi Mensah Nakamura Tanaka Sato Yamamoto Park Choi Huang Zhang Liu Wang "
    "Singh Shah Desai Mehta Iyer Reddy Kowalski Novak Dubois Rossi Bianchi Murphy O'Brien "
    "Sullivan Fitzgerald Lindqvist Johansson Larsen Haddad Khoury Nasser Abboud Morrison Kowalczyk"
)

STREETS = _words(
    "Maple Oak Elm Cedar Pine Walnut Chestnut Birch Willow Spruce Hickory Poplar Sycamore Main High "
    "Broad Church Mill Park Lake Hill River Spring Market Union Liberty Franklin Washington Jefferson "
    "Lincoln Madison Adams Jackson Grant Sherman Summit Ridge Valley Meadow Forest Orchard Prospect "
    "Highland Sunset Riverside Lakeview Fairview Woodland Cherry Dogwood Magnolia Laurel Hawthorne "
    "Indianola Karl Cleveland Morse Schrock Dublin Granville Bethel Henderson Kenny Olentangy Sawmill"
)
STREET_SUFFIXES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Cir")

# (city, five-digit ZIP codes) around the demo practice (central Ohio).
LOCAL_CITIES = (
    ("Columbus", ("43201", "43202", "43204", "43206", "43209", "43211", "43214", "43215", "43220", "43224")),
    ("Worthington", ("43085",)),
    ("Westerville", ("43081", "43082")),
    ("Dublin", ("43016", "43017")),
    ("Hilliard", ("43026",)),
    ("Gahanna", ("43230",)),
    ("Grove City", ("43123",)),
    ("Upper Arlington", ("43221",)),
    ("Reynoldsburg", ("43068",)),
    ("Delaware", ("43015",)),
    ("Lewis Center", ("43035",)),
    ("Powell", ("43065",)),
    ("Newark", ("43055",)),
    ("Pickerington", ("43147",)),
)

# Towns in the Safe Harbor restricted three-digit ZIP areas (patients who moved or winter away).
RESTRICTED_CITIES = (
    ("Acworth", "03601"),
    ("Averill", "05901"),
    ("Fishers Island", "06390"),
    ("Beaver Bay", "55601"),
    ("Valentine", "69201"),
    ("Adrian", "79001"),
    ("Rawlins", "82301"),
    ("Jackson", "83001"),
    ("Kemmerer", "83101"),
    ("Socorro", "87801"),
    ("Truth or Consequences", "87901"),
    ("Tucumcari", "88401"),
    ("Alamo", "89001"),
    ("Ely", "89301"),
)

AREA_CODES = ("614", "614", "614", "380", "740", "937")
EMAIL_DOMAINS = ("gmail.com", "gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com")

LOCATION_NAMES = ("Downtown", "Northside", "Lakeview")
LOCATION_CITIES = ("Columbus", "Worthington", "Westerville")
EXTRA_LOCATION_WORDS = _words(
    "Riverside Westgate Hillcrest Eastwood Southpoint Maplegrove Cedarpark Brookfield Fairhaven "
    "Oakhollow Pineridge Willowcreek Stonebridge Clearwater Harborpoint Sunnyvale Meadowbrook "
    "Kingsgate Ashford Briarwood Crestview Glenwood Highland Ironwood Juniper Kensington Linden "
    "Millbrook Norwood Oakmont Parkside Quarry Redwood Sherwood Timberline Upton Victoria Wexford "
    "Yorktown Easton Polaris Bexley Canal Clintonville Granville Lancaster Marysville Circleville"
)
EXTRA_LOCATION_CITIES = _words(
    "Dublin, Hilliard, Gahanna, Grove City, Upper Arlington, Reynoldsburg, Delaware, Powell, Newark, "
    "Pickerington, Lancaster, Marysville, Circleville, Zanesville, Mansfield, Marion, Springfield, Dayton",
    ",",
)

OPTOMETRISTS = ("Dr. Maya Patel", "Dr. Samuel Lee", "Dr. Aisha Okafor", "Dr. Daniel Kim", "Dr. Laura Chen")

# Products. Frame brands are invented; contact-lens brands are the usual market names.
FRAME_SUPPLIERS = ("Harbor Frame Co.", "Vantage Eyewear Distributors", "Clearline Optical Supply")
FRAME_BRANDS = (  # (brand, supplier index, price tier)
    ("Harbor & Pine", 0, 1.0),
    ("Kestrel", 0, 1.25),
    ("Lumen", 1, 0.9),
    ("Norde", 1, 1.4),
    ("Atelier Vue", 2, 1.8),
    ("Brightline", 2, 0.7),
)
FRAME_MODELS = _words(
    "Avery Bennett Carson Dalton Ellis Finley Greer Hollis Iverson Jolie Keaton Lennox Monroe "
    "Nash Oakley Perry Quinn Reese Sloane Tatum"
)
CONTACT_LENSES = (  # (brand, model, supplier, unit cost, retail price per box)
    ("Acuvue", "Oasys 2-Week 6pk", "Johnson & Johnson Vision", 24.0, 52.0),
    ("Acuvue", "Oasys 1-Day 90pk", "Johnson & Johnson Vision", 62.0, 115.0),
    ("Acuvue", "Moist 1-Day 30pk", "Johnson & Johnson Vision", 21.0, 42.0),
    ("Dailies", "Total1 90pk", "Alcon", 78.0, 135.0),
    ("Dailies", "AquaComfort Plus 90pk", "Alcon", 44.0, 85.0),
    ("Air Optix", "Plus HydraGlyde 6pk", "Alcon", 30.0, 62.0),
    ("Precision1", "Daily 90pk", "Alcon", 52.0, 98.0),
    ("Biofinity", "Monthly 6pk", "CooperVision", 29.0, 58.0),
    ("Biofinity", "Toric 6pk", "CooperVision", 41.0, 79.0),
    ("MyDay", "Daily 90pk", "CooperVision", 58.0, 108.0),
    ("MiSight", "1 day 90pk", "CooperVision", 95.0, 175.0),
    ("Ultra", "Monthly 6pk", "Bausch + Lomb", 28.0, 55.0),
    ("Infuse", "One-Day 90pk", "Bausch + Lomb", 50.0, 95.0),
)
SUNGLASS_BRANDS = (
    ("Solstice", "Clearline Optical Supply"),
    ("Kestrel Sun", "Harbor Frame Co."),
    ("Drift", "Vantage Eyewear Distributors"),
)
SUN_MODELS = ("Aviator", "Wayfarer", "Sport Wrap", "Round")
LENS_PRODUCTS = (  # (brand, model, unit cost, retail price per pair)
    ("Essilor", "Varilux Progressive", 95.0, 420.0),
    ("Essilor", "Eyezen Single Vision", 38.0, 180.0),
    ("Essilor", "Crizal Sapphire AR", 30.0, 140.0),
    ("Zeiss", "SmartLife Progressive", 105.0, 450.0),
    ("Zeiss", "Single Vision Blue", 34.0, 165.0),
    ("Hoya", "Sync III", 40.0, 190.0),
    ("Hoya", "MiyoSmart Myopia", 120.0, 395.0),
    ("Transitions", "Gen S Photochromic", 45.0, 160.0),
)
LENS_SUPPLIER = "Central Ohio Rx Lab"

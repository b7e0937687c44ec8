"""The practice's everyday language, beyond the names and synonyms the semantic model lists.

Keyed by metric and dimension *names* of metrics.md; an entry whose name the loaded
model does not have is ignored, so a practice's own model can drop or rename things.
These are words, not questions: the interpreter combines them freely.
"""

from __future__ import annotations

# Phrases for each metric (the model's name, label and synonyms are added to these).
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "appointments": ("appointments", "appointment count", "number of appointments", "appointment volume", "bookings", "appts"),
    "completed_visits": (
        "visits", "completed visits", "patient visits", "patients seen", "exams done", "completed appointments",
        "exams performed", "eye exams", "exams completed", "visit count", "number of visits", "patient volume",
    ),
    "no_shows": ("no shows", "missed appointments", "missed appts", "dnas", "no show count", "number of no shows"),
    "no_show_rate": (
        "no show rate", "no show percent", "no show percentage", "no show ratio", "missed appointment rate",
        "dna rate", "rate of no shows", "share of no shows", "noshow rate",
    ),
    "cancellations": ("cancellations", "cancels", "cancelled appointments", "canceled appointments", "number of cancellations"),
    "cancellation_rate": (
        "cancellation rate", "cancel rate", "cancellation percent", "cancellation percentage", "rate of cancellations",
        "cancelation rate",
    ),
    "new_patients": ("new patients", "new patient visits", "new pts", "first time patients", "new patient count", "new patient"),
    "upcoming_appointments": (
        "upcoming appointments", "booked ahead", "schedule fill", "future appointments", "appointments booked ahead",
        "on the books", "upcoming visits",
    ),
    "revenue": ("revenue", "gross revenue", "production", "sales", "charges", "billings", "income", "gross charges", "revenues"),
    "collections": ("collections", "collected", "receipts", "cash collected", "payments received", "amount collected"),
    "revenue_per_visit": (
        "revenue per visit", "revenue per patient", "revenue per exam", "average revenue per visit",
        "revenue per completed visit", "rev per visit", "average revenue per patient",
    ),
    "optical_revenue": ("optical revenue", "eyewear sales", "optical sales", "eyewear revenue", "glasses sales"),
    "contact_lens_revenue": ("contact lens revenue", "cl revenue", "contact lens sales", "contacts revenue"),
    "optical_capture_rate": ("optical capture rate", "capture rate", "eyewear capture", "optical capture", "eyewear capture rate"),
    "avg_wait_minutes": (
        "wait time", "waiting time", "average wait", "wait", "wait times", "average wait time", "minutes waiting",
        "time waiting",
    ),
    "avg_visit_minutes": (
        "visit length", "cycle time", "time in office", "visit duration", "length of visit", "visit time",
        "average visit length", "average visit duration", "duration of visits", "time in the office",
    ),
    "hours_worked": ("hours worked", "worked hours", "labor hours", "hours", "staff hours", "work hours", "labour hours"),
    "overtime_hours": ("overtime", "ot", "overtime hours", "ot hours"),
    "patients_per_hour": ("patients per hour", "productivity", "patients per provider hour", "visits per hour", "throughput"),
    "marketing_spend": ("marketing spend", "ad spend", "spend", "advertising spend", "marketing cost", "marketing costs", "ad costs", "spent"),
    "campaign_new_patients": (
        "attributed new patients", "leads converted", "campaign new patients", "new patients from campaigns",
        "conversions", "campaign conversions",
    ),
    "cost_per_new_patient": ("cost per new patient", "cac", "cost per acquisition", "acquisition cost", "cost per patient acquired"),
    "campaign_revenue": ("campaign revenue", "attributed revenue", "revenue from campaigns", "campaign attributed revenue"),
    "campaign_roi": ("roi", "return on ad spend", "campaign roi", "return on investment", "roas", "return"),
    "open_rate": ("open rate", "email open rate", "opens", "open percentage"),
    "click_rate": ("click rate", "ctr", "click through rate", "clickthrough rate", "click rates"),
    "recall_compliance_rate": ("recall compliance", "recall rate", "recall compliance rate", "recall completion rate"),
    "nps": ("nps", "net promoter score", "patient satisfaction", "satisfaction", "promoter score", "nps score"),
    "units_sold": ("units sold", "items sold", "units", "quantity sold", "pieces sold", "sold", "unit sales", "sell", "pairs sold"),
    "stock_on_hand": ("stock on hand", "inventory on hand", "stock level", "stock", "inventory", "on hand", "stock levels"),
    "active_patients": ("active patients", "active patient base", "active patient count", "patient base"),
}  # fmt: skip

# Single words that name a kind of metric without saying which: asking which is better
# than guessing. Value: the metrics it may mean, most common first.
VAGUE_WORDS: dict[str, tuple[str, ...]] = {
    "rate": ("no_show_rate", "cancellation_rate", "optical_capture_rate", "recall_compliance_rate", "open_rate", "click_rate"),
    "percentage": ("no_show_rate", "cancellation_rate", "optical_capture_rate", "recall_compliance_rate"),
    "time": ("avg_wait_minutes", "avg_visit_minutes", "hours_worked"),
    "cost": ("marketing_spend", "cost_per_new_patient"),
    "performance": ("revenue", "completed_visits", "no_show_rate", "nps"),
    "numbers": ("revenue", "completed_visits", "new_patients", "no_show_rate"),
    "kpi": ("revenue", "completed_visits", "new_patients", "no_show_rate"),
    "metric": ("revenue", "completed_visits", "new_patients", "no_show_rate"),
}  # fmt: skip
COMMON_METRICS = ("revenue", "completed_visits", "new_patients", "no_show_rate")

# Dimension phrases, keyed by the dimension names of metrics.md (several spellings).
DIMENSION_WORDS: dict[str, tuple[str, ...]] = {
    "location": ("location", "office", "clinic", "site", "branch", "practice location", "store", "locations"),
    "provider": ("provider", "doctor", "optometrist", "od", "doc", "physician", "eye doctor", "clinician", "dr"),
    "staff_member": ("staff member", "employee", "staff", "team member", "person", "worker", "staffer"),
    "staff_role": ("role", "position", "job", "staff role", "job title", "staff type"),
    "appointment_type": ("appointment type", "visit type", "service", "exam type", "type of appointment", "type of visit", "appointment category"),
    "booking_channel": ("booking channel", "how booked", "booking method", "booking source", "how they booked"),
    "product_category": ("product category", "category", "product line", "product type"),
    "brand": ("brand", "manufacturer", "make", "label"),
    "payer_type": ("payer type", "payer", "payor", "payor type", "payment type", "type of payer"),
    "insurance_carrier": ("insurance carrier", "insurance", "plan", "carrier", "insurer", "insurance company", "insurance plan"),
    "referral_source": ("referral source", "lead source", "how they found us", "source", "referral", "referral channel"),
    "campaign": ("campaign", "marketing campaign", "promotion"),
    "marketing_channel": ("marketing channel", "channel", "ad channel", "advertising channel", "campaign channel"),
    "message_channel": ("message channel",),
    "service_line": ("service line",),
    "recall_type": ("recall type", "type of recall", "kind of recall"),
    "gender": ("gender", "sex"),
    "age_band": ("age band", "age group", "age", "age bracket", "age range"),
}  # fmt: skip
# Other names the same dimension may carry in a model.
DIMENSION_ALIASES: dict[str, tuple[str, ...]] = {
    "staff_member": ("staff", "employee", "staff_name"),
    "staff_role": ("role",),
    "marketing_channel": ("channel", "campaign_channel"),
    "message_channel": ("campaign_message_channel",),
    "age_band": ("age_group",),
    "insurance_carrier": ("carrier",),
    "product_category": ("category",),
}

# When one word names members of several dimensions, the first available here wins.
DIMENSION_PREFERENCE = (
    "location", "provider", "appointment_type", "message_channel", "marketing_channel", "product_category",
    "campaign", "insurance_carrier", "payer_type", "staff_role", "staff_member", "booking_channel",
    "referral_source", "recall_type", "service_line", "brand", "gender", "age_band",
)  # fmt: skip

# Extra spellings of member values (member -> phrases), on top of the ones built from the value.
VALUE_WORDS: dict[str, tuple[str, ...]] = {
    "google_ads": ("google ads", "google ad", "adwords", "google advertising", "google ads campaigns"),
    "meta_ads": ("meta ads", "facebook", "instagram", "facebook ads", "meta", "fb ads", "social ads"),
    "direct_mail": ("direct mail", "mailers", "postcards", "mail"),
    "sms": ("sms", "text", "texts", "text messages", "text message"),
    "email": ("email", "emails", "e mail"),
    "word_of_mouth": ("word of mouth", "referrals from friends"),
    "social_media": ("social media", "social"),
    "physician_referral": ("physician referral", "physician referrals", "doctor referrals"),
    "insurance_directory": ("insurance directory",),
    "contact_lenses": ("contact lenses", "contacts", "cl", "contact lens"),
    "spectacle_lenses": ("spectacle lenses", "lenses", "glasses lenses", "spectacle lens"),
    "frames": ("frames", "frame", "eyeglass frames"),
    "sunglasses": ("sunglasses", "sunnies"),
    "self_pay": ("self pay", "cash pay", "private pay", "self paying", "uninsured"),
    "front_desk": ("front desk", "receptionists", "receptionist", "front office"),
    "technician": ("technicians", "techs", "tech"),
    "optometrist": ("optometrists", "doctors", "ods"),
    "optician": ("opticians",),
    "office_manager": ("office managers", "office manager", "managers"),
    "comprehensive_exam": ("comprehensive exams", "comprehensive", "comp exams", "comp exam", "routine eye exams", "annual eye exams", "full eye exams"),
    "contact_lens_exam": ("contact lens exams", "cl exams", "contact lens fittings", "contact lens fitting", "cl fittings"),
    "dry_eye_treatment": ("dry eye treatments", "dry eye", "dry eye visits"),
    "myopia_management": ("myopia management", "myopia", "myopia control"),
    "optical_pickup": ("optical pickups", "pickups", "glasses pickups", "pick ups"),
    "medical_visit": ("medical visits", "medical appointments", "medical eye visits"),
    "follow_up": ("follow ups", "follow up visits", "followups", "follow up appointments"),
    "walk_in": ("walk ins", "walk in", "walkins"),
    "Blue Cross": ("blue cross", "bcbs", "blue cross blue shield"),
    "F": ("female", "women", "woman", "females"),
    "M": ("male", "men", "man", "males"),
    "0-17": ("children", "kids", "minors", "under 18", "pediatric"),
    "65+": ("seniors", "65 and over", "over 65", "65 plus", "elderly"),
}  # fmt: skip

# Words that turn into other words before matching ("cl" is "contact lens").
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "cl": ("contact", "lens"),
    "cls": ("contact", "lenses"),
    "noshow": ("no", "show"),
    "noshows": ("no", "shows"),
    "appt": ("appointment",),
    "appts": ("appointments",),
    "pts": ("patients",),
    "rev": ("revenue",),
    "avg": ("average",),
    "mins": ("minutes",),
    "hrs": ("hours",),
    "dr": ("dr",),
    "doctor": ("doctor",),
}

# Ranking words: (descending?) — "best"/"worst" depend on the metric's good direction.
ORDER_DESC = {"highest", "most", "largest", "biggest", "greatest", "max", "maximum", "top", "busiest", "peak", "high", "more", "best-performing", "leading"}  # fmt: skip
ORDER_ASC = {"lowest", "least", "fewest", "smallest", "min", "minimum", "bottom", "slowest", "quietest", "low", "less"}
ORDER_GOOD = {"best", "strongest"}
ORDER_BAD = {"worst", "weakest", "poorest"}

# Common words: never spell-corrected into vocabulary words.
STOPWORDS = set(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing done down during each few for from further get got had has
    have having he her here hers how i if in into is it its itself just me more most my no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their them then there
    these they this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours show me give tell list see saw seen seeing compare compared versus vs per
    number many much total average overall each every across breakdown break split broken whats hows much were
    did make made let lets please thanks thank need want know look looking like going go run trend trends over
    time times current currently now ever still change changes changed new rise rose drop dropped fall fell
    increase increased decrease decreased grow grew growth went up down doing well badly good bad how why
    what which who where month months week weeks year years day days quarter quarters today yesterday last next
    this since between in during ytd monthly weekly daily yearly quarterly annually compare versus ago same period
    period prior previous past first second third fourth half top bottom highest lowest best worst most least
    busiest patients patient people our we us team practice data report reports""".split()
)

"""Shared helpers for the router data generator: split hash, synthetic personal
data, document generators and style transforms.

Everything here is written for this project. The personal data is synthetic
(random names, reserved-format numbers); no real person or record is used.
"""

import random
import re

# --- split hash (mirrors perimeter::router::split_of) -------------------------


def fnv1a64(s: str) -> int:
    h = 14695981039346656037
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def split_of(key: str) -> str:
    b = fnv1a64(key) % 100
    return "train" if b < 80 else "dev" if b < 90 else "test"


def pick_same_split(rng, key, options, key_of):
    """An element of `options` whose own split equals split_of(key), so a
    wrapper/template is never seen in training when its example is in test."""
    want = split_of(key)
    ok = [o for o in options if split_of(key_of(o)) == want]
    return rng.choice(ok) if ok else None


# --- synthetic people ------------------------------------------------------------

FIRST = """James Maria Wei Aisha Carlos Sofia Liam Olga Kenji Fatima Noah Priya Lucas Chloe
Mateo Ingrid Omar Hannah Diego Amelie Jonas Yuki Samuel Leila Pierre Lena Tomasz Grace Ahmed
Elena Raj Beatriz Finn Mei Daniel Zoe Hugo Nadia Ethan Camille Felix Ana Kwame Julia Marco
Siobhan Arjun Clara Dmitri Rosa Tobias Esther Luis Margot Emre Isabel""".split()
LAST = """Smith Garcia Chen Okafor Muller Rossi Dubois Nakamura Khan Johansson Novak Silva
Patel Kowalski Schmidt Martin Lopez Nguyen Brown Fischer Moreau Haddad Andersen Costa Weber
Ivanova Bernard Yilmaz Fernandez OConnor Tanaka Mensah Kim Schulz Lefebvre Ruiz Becker Ali
Hughes Santos Wagner Petit Romero Jansen Kaur Alvarez Hoffmann Girard""".split()
STREETS = ["Maple Ave", "Oak Street", "Calle Mayor", "Rue de la Paix", "Hauptstrasse",
           "Elm Road", "Pine Lane", "Harbor Blvd", "Lindenweg", "Avenida Sol", "Birch Court",
           "Kingsway", "Chemin Vert", "Station Road", "Cedar Drive"]
CITIES = ["Springfield, IL 62704", "Austin, TX 78701", "Madrid 28013", "Lyon 69002",
          "Berlin 10115", "Portland, OR 97205", "Toronto, ON M5V 2T6", "Leeds LS1 4AP",
          "Denver, CO 80202", "Sevilla 41001", "Munich 80331", "Bordeaux 33000"]
DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "acme-corp.com",
           "northwind.io", "example.org", "web.de", "orange.fr", "hotmail.es"]
COMPANIES = ["Acme Logistics LLC", "Northwind Health", "Blue Harbor Capital",
             "Helix Software GmbH", "Sunrise Dental Group", "Granite Legal LLP",
             "Orbit Retail Inc.", "Vega Manufacturing", "Lumen Insurance Co.",
             "Cobalt Analytics", "Riverside Clinic", "Atlas Freight SA"]


class Person:
    def __init__(self, rng: random.Random):
        self.first = rng.choice(FIRST)
        self.last = rng.choice(LAST)
        self.name = f"{self.first} {self.last}"
        self.email = rng.choice([
            f"{self.first.lower()}.{self.last.lower()}@{rng.choice(DOMAINS)}",
            f"{self.first[0].lower()}{self.last.lower()}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}",
        ])
        self.phone = rng.choice([
            f"({rng.randint(201, 989)}) 555-{rng.randint(1000, 9999)}",
            f"+1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}",
            f"+44 7700 {rng.randint(100000, 999999)}",
            f"+34 6{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
            f"+49 151 {rng.randint(1000000, 9999999)}",
            f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        ])
        self.ssn = f"{rng.randint(100, 899):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
        self.dob = rng.choice([
            f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2005)}",
            f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"{rng.randint(1, 28)} {rng.choice(['Jan', 'March', 'June', 'Sept', 'Nov'])} {rng.randint(1940, 2005)}",
        ])
        self.address = f"{rng.randint(2, 9800)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
        self.mrn = f"MRN-{rng.randint(1000000, 9999999)}"
        self.account = rng.choice([
            f"{rng.randint(10000000, 99999999)}{rng.randint(10, 99)}",
            f"GB{rng.randint(10, 99)} NWBK {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(10, 99)}",
            f"DE{rng.randint(10, 99)} 5001 0517 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(10, 99)}",
            f"ES{rng.randint(10, 99)} 2100 0418 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        ])
        self.card = f"4111 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        self.employee_id = f"E{rng.randint(10000, 99999)}"
        self.passport = f"{rng.choice('XKPLC')}{rng.randint(10000000, 99999999)}"
        self.salary = rng.choice([42000, 56500, 61200, 74000, 88250, 93000, 104500, 131000])
        self.age = rng.randint(19, 88)


def money(rng, lo, hi):
    return f"${rng.randint(lo, hi):,}.{rng.randint(0, 99):02d}"


# --- documents ------------------------------------------------------------------
# Each returns (doctype, text, fields): `fields` are things one could extract.
# The same document kinds are used by every class, so a document's vocabulary
# says nothing about the label; only what is asked of it does.

DIAGNOSES = ["type 2 diabetes mellitus", "essential hypertension", "community-acquired pneumonia",
             "major depressive disorder", "asthma, moderate persistent", "atrial fibrillation",
             "chronic kidney disease stage 3", "hypothyroidism", "migraine without aura",
             "COPD exacerbation", "iron deficiency anemia", "lumbar disc herniation"]
MEDS = ["metformin 500 mg BID", "lisinopril 10 mg daily", "atorvastatin 40 mg nightly",
        "sertraline 50 mg daily", "albuterol inhaler PRN", "apixaban 5 mg BID",
        "levothyroxine 75 mcg daily", "amoxicillin 875 mg BID x7d", "sumatriptan 50 mg PRN",
        "ferrous sulfate 325 mg daily", "gabapentin 300 mg TID", "prednisone 40 mg x5d"]
ALLERGIES = ["penicillin", "sulfa drugs", "latex", "peanuts", "no known drug allergies", "codeine"]


def doc_patient_note(rng):
    p = Person(rng)
    dx = rng.sample(DIAGNOSES, rng.randint(1, 3))
    meds = rng.sample(MEDS, rng.randint(1, 4))
    extra = ""
    if rng.random() < 0.4:
        extra = ("\nHPI: Patient reports " + rng.choice(["worsening fatigue", "intermittent chest tightness",
                 "poor sleep", "increased thirst", "low mood", "back pain radiating to the left leg"]) +
                 f" for {rng.randint(2, 12)} weeks. Denies fever. Lives with {rng.choice(['spouse', 'daughter', 'alone'])}."
                 f" BP {rng.randint(110, 170)}/{rng.randint(65, 100)}, HR {rng.randint(55, 110)}, A1c {rng.randint(55, 110) / 10}%.")
    text = (f"Patient: {p.name}   DOB: {p.dob}   {p.mrn}\n"
            f"Visit date: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}   Provider: Dr. {rng.choice(LAST)}\n"
            f"Assessment: {'; '.join(dx)}\nMedications: {', '.join(meds)}\n"
            f"Allergies: {rng.choice(ALLERGIES)}{extra}\n"
            f"Plan: follow up in {rng.randint(2, 12)} weeks. Contact: {p.phone}")
    return "patient note", text, ["patient name", "date of birth", "MRN", "diagnoses",
                                  "medications", "allergies", "phone number", "provider"]


def doc_discharge(rng):
    p = Person(rng)
    days = rng.randint(2, 14)
    parts = [f"DISCHARGE SUMMARY\nName: {p.name}  DOB: {p.dob}  {p.mrn}",
             f"Admitted: 2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)}  Length of stay: {days} days",
             f"Principal diagnosis: {rng.choice(DIAGNOSES)}",
             f"Hospital course: admitted via ED with {rng.choice(['shortness of breath', 'syncope', 'fever and cough', 'abdominal pain'])}. "
             f"Treated with {rng.choice(MEDS)}; improved by day {rng.randint(1, days)}.",
             f"Discharge medications: {', '.join(rng.sample(MEDS, 3))}",
             f"Follow-up: PCP in 1 week. Emergency contact: {Person(rng).name}, {p.phone}"]
    return "discharge summary", "\n".join(parts), ["diagnosis", "discharge medications", "MRN",
                                                   "admission date", "emergency contact", "length of stay"]


def doc_lab(rng):
    p = Person(rng)
    tests = [("Hemoglobin", f"{rng.randint(95, 170) / 10} g/dL"), ("WBC", f"{rng.randint(30, 150) / 10} x10^9/L"),
             ("Creatinine", f"{rng.randint(5, 25) / 10} mg/dL"), ("TSH", f"{rng.randint(3, 90) / 10} mIU/L"),
             ("LDL", f"{rng.randint(60, 210)} mg/dL"), ("Glucose (fasting)", f"{rng.randint(70, 240)} mg/dL"),
             ("ALT", f"{rng.randint(10, 120)} U/L"), ("Potassium", f"{rng.randint(30, 60) / 10} mmol/L")]
    rows = "\n".join(f"{n:<20}{v}" for n, v in rng.sample(tests, rng.randint(3, 8)))
    return "lab report", f"LAB REPORT  {p.name}  {p.mrn}  collected {p.dob}\n{rows}", \
        ["abnormal values", "creatinine", "patient name", "collection date", "all results"]


def doc_w2(rng):
    p = Person(rng)
    wages = rng.randint(30000, 180000)
    text = (f"Form W-2 Wage and Tax Statement 2023\na Employee's social security number: {p.ssn}\n"
            f"b Employer identification number (EIN): {rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}\n"
            f"c Employer: {rng.choice(COMPANIES)}\ne Employee: {p.name}\nf Address: {p.address}\n"
            f"1 Wages, tips, other compensation: {wages:,}.00\n2 Federal income tax withheld: {int(wages * 0.14):,}.00\n"
            f"3 Social security wages: {wages:,}.00\n17 State income tax: {int(wages * 0.04):,}.00")
    return "W-2", text, ["SSN", "EIN", "wages", "federal tax withheld", "employee address", "employer name"]


def doc_paystub(rng):
    p = Person(rng)
    gross = rng.randint(1500, 9000)
    text = (f"EARNINGS STATEMENT  {rng.choice(COMPANIES)}\nEmployee: {p.name}  ID {p.employee_id}\n"
            f"Pay period: 2024-05-01 to 2024-05-15   Direct deposit to acct ****{str(p.account)[-4:]}\n"
            f"Gross pay {gross:,}.00  Federal tax {int(gross * .12)}.00  401(k) {int(gross * .05)}.00  "
            f"Net pay {int(gross * .71):,}.00   YTD gross {gross * 9:,}.00")
    return "pay stub", text, ["net pay", "employee ID", "pay period", "YTD gross", "401(k) deduction"]


def doc_bank(rng):
    p = Person(rng)
    merchants = ["Whole Foods", "Shell", "Netflix", "Amazon", "Uber", "Rent - Oakwood Apts",
                 "Pharmacy CVS", "Transfer to savings", "Spotify", "Delta Air Lines", "Payroll ACME",
                 "City Water", "Gym membership", "Venmo - J. Park", "Interest"]
    rows = []
    for i in range(rng.choice([4, 6, 10, 25, 60])):
        amt = rng.randint(3, 2400)
        rows.append(f"2024-03-{rng.randint(1, 31):02d}  {rng.choice(merchants):<24} {'+' if rng.random() < .2 else '-'}{amt}.{rng.randint(0, 99):02d}")
    text = (f"{rng.choice(['Chase', 'Santander', 'BNP Paribas', 'Deutsche Bank', 'Barclays'])} statement\n"
            f"Account holder: {p.name}\nAccount: {p.account}\nAddress: {p.address}\n"
            f"Opening balance {money(rng, 100, 20000)}\n" + "\n".join(rows) +
            f"\nClosing balance {money(rng, 100, 20000)}")
    return "bank statement", text, ["account number", "closing balance", "largest withdrawal",
                                    "all transactions over $500", "account holder"]


def doc_invoice(rng):
    items = ["Consulting hours", "Cloud hosting (monthly)", "Office chairs", "Annual license",
             "Freight charges", "Maintenance contract", "Printer toner", "Design work"]
    lines = "\n".join(f"{rng.choice(items):<26} {rng.randint(1, 40):>3} x {money(rng, 10, 900)}"
                      for _ in range(rng.randint(2, 7)))
    text = (f"INVOICE #{rng.randint(10000, 99999)}\nFrom: {rng.choice(COMPANIES)}\nBill to: {rng.choice(COMPANIES)}\n"
            f"Issue date: 2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)}  Due: net {rng.choice([15, 30, 45, 60])}\n"
            f"{lines}\nSubtotal {money(rng, 500, 40000)}  VAT {rng.choice([7, 19, 20, 21])}%  Total due {money(rng, 600, 48000)}\n"
            f"Pay to IBAN {Person(rng).account}")
    return "invoice", text, ["total due", "due date", "invoice number", "line items", "IBAN", "VAT rate"]


CLAUSES = [
    "The Tenant shall pay rent of {amt} per month on the first day of each month.",
    "Either party may terminate this Agreement with {n} days' written notice.",
    "The Employee agrees not to solicit clients of the Company for {n} months after termination.",
    "Confidential Information excludes information that is or becomes publicly available.",
    "This Agreement is governed by the laws of the State of {state}.",
    "Any dispute shall be resolved by binding arbitration in {city}.",
    "The security deposit of {amt} will be returned within {n} days of move-out.",
    "The Contractor shall indemnify the Client against third-party claims arising from its work.",
    "Liability of either party is capped at the fees paid in the preceding {n} months.",
    "The Licensee may not sublicense the Software without prior written consent.",
    "Late payments accrue interest at {n}% per annum.",
    "The Employee's base salary is {amt} per year, payable bi-weekly.",
    "Notices must be sent to the addresses listed on the signature page.",
    "The initial term is {n} months and renews automatically unless terminated.",
]


def doc_contract(rng):
    a, b = Person(rng), Person(rng)
    kind = rng.choice(["lease agreement", "employment contract", "NDA", "services agreement", "license agreement"])
    clauses = []
    for i, c in enumerate(rng.sample(CLAUSES, rng.choice([3, 5, 8, 12])), 1):
        clauses.append(f"{i}. " + c.format(amt=money(rng, 800, 150000), n=rng.choice([12, 30, 60, 90, 6, 24]),
                                           state=rng.choice(["Delaware", "New York", "California", "Texas"]),
                                           city=rng.choice(["Chicago", "London", "Paris", "Frankfurt"])))
    text = (f"{kind.upper()}\nThis {kind} is made on {a.dob} between {a.name}, residing at {a.address} "
            f"and {b.name} ({rng.choice(COMPANIES)}).\n" + "\n".join(clauses) +
            f"\nSigned: {a.name}  {b.name}")
    return kind, text, ["parties", "termination notice period", "governing law", "rent amount",
                        "signature date", "non-solicitation term", "liability cap"]


def doc_email(rng):
    a, b = Person(rng), Person(rng)
    subj = rng.choice(["Re: Q3 budget", "Contract renewal", "Your claim #" + str(rng.randint(1000, 9999)),
                       "Interview schedule", "Password reset", "Invoice overdue", "Offsite planning",
                       "Medical leave request"])
    bodies = [f"Hi {b.first}, attached is the updated figure: {money(rng, 1000, 90000)}. Call me at {a.phone}.",
              f"Please reset access for {a.email}; my employee ID is {a.employee_id}.",
              f"I'll be out from June {rng.randint(1, 15)} to June {rng.randint(16, 30)} for surgery, {b.first} covers for me.",
              f"The meeting moved to Thursday {rng.randint(9, 16)}:00, room {rng.randint(100, 450)}.",
              f"Can you wire the deposit to {a.account} by Friday?",
              f"Candidate {Person(rng).name} accepted; start date {rng.randint(1, 28)} Sept, salary {money(rng, 50000, 140000)}."]
    msgs = []
    for _ in range(rng.choice([1, 2, 3, 5])):
        s = rng.choice([a, b])
        msgs.append(f"From: {s.name} <{s.email}>\nSubject: {subj}\n\n{rng.choice(bodies)}\n")
    return "email thread", "\n---\n".join(msgs), ["sender email addresses", "dates", "phone number",
                                                  "action items", "names of everyone mentioned"]


def doc_review(rng):
    p = Person(rng)
    text = (f"PERFORMANCE REVIEW 2023 - CONFIDENTIAL\nEmployee: {p.name} ({p.employee_id})  Manager: {Person(rng).name}\n"
            f"Rating: {rng.choice(['1 - below expectations', '2 - partially meets', '3 - meets', '4 - exceeds', '5 - outstanding'])}\n"
            f"Strengths: {rng.choice(['customer focus', 'technical depth', 'mentoring juniors', 'reliability'])}.\n"
            f"Areas to improve: {rng.choice(['deadlines slipped on two projects', 'communication with stakeholders', 'documentation', 'attendance (7 unplanned absences)'])}.\n"
            f"Current salary: {p.salary:,}  Proposed raise: {rng.randint(0, 9)}%  Sick days used: {rng.randint(0, 20)}")
    return "performance review", text, ["rating", "salary", "manager", "proposed raise", "sick days", "employee ID"]


def doc_resume(rng):
    p = Person(rng)
    jobs = rng.sample(["Software Engineer at Helix", "Nurse at Riverside Clinic", "Paralegal at Granite Legal",
                       "Analyst at Blue Harbor Capital", "Teacher at Lincoln High", "Data Scientist at Cobalt",
                       "Store Manager at Orbit Retail"], rng.randint(1, 4))
    text = (f"{p.name}\n{p.address} | {p.phone} | {p.email}\nDate of birth: {p.dob}\n\nEXPERIENCE\n" +
            "\n".join(f"- {j} ({2010 + i * 3}-{2013 + i * 3})" for i, j in enumerate(jobs)) +
            f"\n\nEDUCATION\n{rng.choice(['BSc Computer Science', 'RN, BSN', 'JD', 'MBA', 'BA History'])}, {rng.choice(['UCLA', 'Universidad de Salamanca', 'TU Munich', 'Sorbonne'])}")
    return "resume", text, ["contact details", "work history", "education", "years of experience", "date of birth"]


def doc_log(rng):
    ip = lambda: f"{rng.randint(10, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    lines = []
    for _ in range(rng.choice([3, 6, 12, 30])):
        p = Person(rng)
        lines.append(rng.choice([
            f"2024-04-0{rng.randint(1, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:01Z INFO login ok user={p.email} ip={ip()}",
            f"2024-04-0{rng.randint(1, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:07Z ERROR payment failed card=****{rng.randint(1000, 9999)} code=E{rng.randint(100, 599)}",
            f"2024-04-0{rng.randint(1, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:33Z WARN slow query 3{rng.randint(100, 999)}ms table=orders",
            f"2024-04-0{rng.randint(1, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:12Z ERROR upstream timeout host=db-{rng.randint(1, 4)} ip={ip()}",
            f"2024-04-0{rng.randint(1, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:45Z INFO password reset requested for {p.email}",
        ]))
    return "server log", "\n".join(lines), ["IP addresses", "email addresses", "error codes",
                                            "timestamps of errors", "failed payments"]


def doc_env(rng):
    key = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    text = (f"# production config\nDATABASE_URL=postgres://app:{key[:12]}@db.internal:5432/orders\n"
            f"STRIPE_SECRET_KEY=sk_live_{key}\nAWS_ACCESS_KEY_ID=AKIA{key[:16].upper()}\n"
            f"SMTP_PASSWORD={key[5:17]}\nADMIN_EMAIL={Person(rng).email}\nFEATURE_FLAGS=new_checkout,beta_search")
    return "config file", text, ["API keys", "database password", "admin email", "all secrets"]


def doc_code(rng):
    snippets = [
        "def apply_discount(order, code):\n    if code in COUPONS:\n        order.total = order.total * (1 - COUPONS[code])\n    return order.total\n",
        "for (int i = 0; i <= n; i++) {\n    sum += values[i];\n}\nreturn sum / n;\n",
        "async function getUser(id) {\n  const res = await fetch(`/api/users/${id}`);\n  return res.json();\n}\n",
        "SELECT c.name, SUM(o.total) FROM customers c JOIN orders o ON o.customer_id = c.id\nWHERE o.created_at > '2024-01-01' GROUP BY c.name;\n",
        "class Cache:\n    def __init__(self):\n        self.d = {}\n    def get(self, k):\n        return self.d.get(k)\n    def put(self, k, v):\n        self.d[k] = v\n",
        "func worker(jobs <-chan int, results chan<- int) {\n\tfor j := range jobs {\n\t\tresults <- j * 2\n\t}\n}\n",
        "public void transfer(Account a, Account b, long amount) {\n    a.balance -= amount;\n    b.balance += amount;\n}\n",
    ]
    code = "\n".join(rng.sample(snippets, rng.randint(1, 3)))
    if rng.random() < 0.3:
        code += f"\n# TODO ask {Person(rng).email} about the prod token ghp_{rng.randint(10**15, 10**16)}\n"
    return "code", code, ["function names", "hard-coded credentials", "SQL tables used", "TODO comments"]


def doc_claim(rng):
    p = Person(rng)
    text = (f"INSURANCE CLAIM FORM\nPolicy no.: POL-{rng.randint(100000, 999999)}\nClaimant: {p.name}, DOB {p.dob}\n"
            f"Address: {p.address}  Phone: {p.phone}\nIncident: {rng.choice(['rear-end collision on I-90', 'water damage in kitchen', 'theft of laptop from car', 'slip and fall at store'])} "
            f"on 2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)}\nEstimated loss: {money(rng, 400, 60000)}\n"
            f"Witness: {Person(rng).name}  Police report: {rng.randint(10000, 99999)}")
    return "insurance claim", text, ["policy number", "claimant", "incident date", "estimated loss", "witness"]


def doc_csv(rng):
    rows = ["name,email,phone,department,salary,start_date"]
    for _ in range(rng.choice([3, 5, 8, 20])):
        p = Person(rng)
        rows.append(f"{p.name},{p.email},{p.phone},{rng.choice(['Sales', 'IT', 'HR', 'Finance', 'Ops'])},{p.salary},20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}")
    return "spreadsheet", "\n".join(rows), ["emails", "everyone in Finance", "highest salary",
                                            "start dates", "phone numbers"]


def doc_chat(rng):
    p = Person(rng)
    turns = [f"Customer ({p.name}): hi, my order hasn't arrived, order #{rng.randint(100000, 999999)}",
             "Agent: sorry to hear that, can you confirm your email and postcode?",
             f"Customer: {p.email}, {p.address.split(',')[-1].strip()}",
             f"Agent: thanks. I see a refund of {money(rng, 10, 600)} pending to card ending {p.card[-4:]}",
             f"Customer: ok and please update my phone to {p.phone}",
             "Agent: done. Anything else?"]
    return "support chat transcript", "\n".join(turns[:rng.randint(3, 6)]), \
        ["order number", "customer email", "refund amount", "new phone number"]


def doc_meeting(rng):
    text = (f"Meeting notes - {rng.choice(['Platform team', 'Finance committee', 'Clinical operations', 'Legal review'])} - {rng.randint(1, 28)} March\n"
            f"Attendees: {', '.join(Person(rng).name for _ in range(rng.randint(2, 5)))}\n"
            f"- Budget for Q2 approved at {money(rng, 10000, 900000)}\n- {rng.choice(['Migration to Postgres 16 slips to May', 'New triage protocol starts Monday', 'Vendor contract under review', 'Hiring freeze until July'])}\n"
            f"- Action: {Person(rng).first} to send revised forecast by Friday\n- Risk: {rng.choice(['key supplier insolvency', 'staff shortage on nights', 'pending audit findings', 'data retention gaps'])}")
    return "meeting notes", text, ["action items", "attendees", "decisions", "budget figure", "risks"]


DOCS = [doc_patient_note, doc_discharge, doc_lab, doc_w2, doc_paystub, doc_bank, doc_invoice,
        doc_contract, doc_email, doc_review, doc_resume, doc_log, doc_env, doc_code, doc_claim,
        doc_csv, doc_chat, doc_meeting]

# Document kinds grouped by domain, for instructions that only make sense for some.
MEDICAL_DOCS = [doc_patient_note, doc_discharge, doc_lab]
FINANCE_DOCS = [doc_w2, doc_paystub, doc_bank, doc_invoice]
LEGAL_DOCS = [doc_contract, doc_claim]
HR_DOCS = [doc_review, doc_resume, doc_csv, doc_paystub]
TECH_DOCS = [doc_log, doc_env, doc_code]


def long_doc(rng, gens=None, parts=None):
    """Several documents of one kind glued together: the several-pages case."""
    g = rng.choice(gens or DOCS)
    n = parts or rng.choice([1, 1, 1, 2, 3, 6])
    docs = [g(rng) for _ in range(n)]
    return docs[0][0], "\n\n".join(d[1] for d in docs), docs[0][2]


# --- style transforms -------------------------------------------------------------

def lowercase_search(s: str) -> str:
    s = s.lower()
    s = re.sub(r"[?!.,;:]+(\s|$)", r"\1", s)
    s = re.sub(r"^(please |could you |can you |can u )", "", s)
    return s.strip()


def typo(rng, s: str) -> str:
    words = s.split(" ")
    cands = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not cands:
        return s
    i = rng.choice(cands)
    w = words[i]
    j = rng.randint(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


CHATTY_PRE = ["hey! ", "hi there, ", "ok so ", "quick one: ", "hello :) ", "yo, ", "Hi! Hope you're well. ",
              "sorry to bother you again, ", "morning! ", "so ", "Hey assistant, ", "alright, "]
CHATTY_POST = [" thanks!!", " thx", " ty :)", " pls", " asap please", " cheers", " 🙏", " (no rush)",
               " Thanks in advance.", " lol", " appreciate it", ""]
FORMAL_PRE = ["Dear assistant, ", "Good afternoon. ", "To whom it may concern: ", "Kindly note the following request. ",
              "I would be grateful for your help with the following. ", "Request: "]


def stylize(rng, s: str) -> str:
    r = rng.random()
    if r < 0.18:
        s = lowercase_search(s)
    elif r < 0.38:
        s = rng.choice(CHATTY_PRE) + s[0].lower() + s[1:] + rng.choice(CHATTY_POST)
    elif r < 0.46:
        s = rng.choice(FORMAL_PRE) + s
    if rng.random() < 0.08:
        s = typo(rng, s)
    return s


SYSTEMS = [
    "You are a helpful assistant.",
    "You are an assistant for the claims department. Answer concisely.",
    "You are a clinical documentation assistant at Riverside Clinic.",
    "You are a coding assistant. Prefer Python unless told otherwise.",
    "You are HR-Bot. Be polite and follow company policy.",
    "Answer in the user's language.",
    "You are a financial analyst assistant for Blue Harbor Capital.",
    "You are a legal research assistant. Cite sources where possible.",
    "Respond in JSON when asked for structured output.",
    "You are Perimeter's internal helpdesk assistant.",
    "You are a tutor for high-school students.",
    "Keep answers under 200 words.",
]


def maybe_system(rng, p=0.15):
    return rng.choice(SYSTEMS) if rng.random() < p else None

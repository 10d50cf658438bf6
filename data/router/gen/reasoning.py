"""complex_reasoning: multi-step analysis, planning, derivation, design,
debugging or argument, where the answer must be worked out rather than looked
up or copied, with or without personal data (a treatment plan over a patient
record is complex_reasoning)."""

from common import (DOCS, FINANCE_DOCS, HR_DOCS, LEGAL_DOCS, MEDICAL_DOCS, TECH_DOCS, Person,
                    long_doc, maybe_system, pick_same_split, split_of, stylize)

TASKS = """
Prove that the square root of 2 is irrational.
Prove that there are infinitely many primes, then explain why the proof fails for primes of the form n^2 + 1.
Design a rate limiter for an API gateway that handles 50k requests per second across 12 nodes. Discuss consistency trade-offs.
A train leaves at 9:00 going 80 km/h; another leaves the same station at 10:30 going 120 km/h. When and where does the second catch up? Show your work.
Compare microservices and a modular monolith for a 6-person startup and recommend one, with reasoning.
Plan a two-week itinerary through Japan for a family with two kids on a $9,000 budget, balancing cities and nature.
Derive the closed form of the sum of the first n squares and prove it by induction.
Analyze the causes of the 2008 financial crisis and assess which regulatory changes since then actually reduced systemic risk.
Write a migration plan to move a 2 TB PostgreSQL database to a new region with under 5 minutes of downtime.
Given a sorted rotated array, design an O(log n) algorithm to find the minimum and argue its correctness.
Evaluate whether a small bakery should lease a second location or invest in online delivery; build a simple break-even model for each.
Explain step by step why the Monty Hall strategy of switching wins 2/3 of the time, then generalise to n doors.
Design a database schema for a multi-tenant clinic scheduling system, including how to enforce that tenants never see each other's data.
Draft an argument for and against a four-day work week for a 200-person manufacturing firm, then give a recommendation.
My Python service leaks memory slowly over days. Walk me through a systematic strategy to find the cause.
Construct a study plan to learn linear algebra in 8 weeks for someone who knows calculus, with weekly goals and checkpoints.
Solve: a tank fills in 6 hours with pipe A and 9 hours with pipe B, while pipe C drains it in 12 hours. How long with all three open? Explain.
Assess the legal risks for a US company that stores EU customer data in a US cloud region, and propose mitigations.
Propose an experiment design to test whether a new onboarding flow improves 30-day retention, including sample size reasoning.
Develop a go-to-market strategy for a B2B invoice automation tool targeting mid-sized European firms.
Refactor a 3,000-line God class into cohesive modules: describe the steps, the order, and how to keep it shippable throughout.
Why does quicksort have O(n^2) worst case, and how do introsort and randomized pivots fix it? Compare them.
Model the total cost of ownership of buying versus leasing an electric car over 6 years under three interest-rate scenarios.
How would you diagnose intermittent 502 errors behind a load balancer that only happen under high load? Give a step-by-step plan.
Create a decision framework for triaging patients in a rural clinic with one doctor and two nurses during a flu surge.
Given the trolley problem, compare utilitarian and deontological answers and explain where each breaks down.
Plan the logistics for a 300-person conference in Lisbon: venue, catering, travel, contingencies, and a timeline.
Explain how to price a European call option with the Black-Scholes model and walk through a numerical example.
Design a fault-tolerant job queue with exactly-once semantics on top of at-least-once delivery.
Reconcile these two claims: unemployment fell but labor force participation also fell. What could explain both? Reason it through.
Write a proof that every tree with n nodes has n-1 edges.
Think through whether our team should adopt Rust for a new network proxy, considering hiring, safety and performance.
Construct a weekly meal plan for a diabetic vegetarian athlete that hits 140 g protein per day, with reasoning for each choice.
Analyze the time complexity of this approach: for each element, binary search in a sorted copy, then insert into a heap. Can it be improved?
Design an incident response plan for a ransomware attack on a hospital network.
Lay out a 5-year plan to pay off $60k of student loans while saving for a house deposit on a $70k salary.
Explain the trade-offs between eventual and strong consistency using a shopping cart as an example, and recommend a design.
What strategy should a chess player adopt against an opponent who always plays the Sicilian? Reason about openings and middlegames.
Compare three approaches to caching in a read-heavy web app and choose one for a 10M-user service, with justification.
Estimate how many piano tuners work in Chicago. Show your Fermi reasoning step by step.
If I invest $500 a month at 7% annually, how long until I have $1M? Derive it, then discuss sensitivity to the return rate.
Work out a fair way to split rent among four roommates with different room sizes and one with a private bathroom.
Critique this argument: 'Since crime rose after the new mayor took office, the mayor caused the rise.' Identify fallacies and better analyses.
Design an algorithm to detect cycles in a directed graph and prove it terminates.
Plan a phased rollout of a new EHR system across five clinics with minimal disruption to patient care.
Devise a strategy for negotiating a salary offer when you have one competing offer that is lower but has more equity.
Analyze the pros and cons of rent control using economic theory and empirical evidence, then give a balanced conclusion.
Outline and justify a test strategy for a payment system migration, covering unit, integration, shadow traffic and rollback.
Solve the recurrence T(n) = 2T(n/2) + n log n and explain each step.
Help me decide between three job offers by building a weighted scoring model over salary, growth, commute and culture.
Work through how a 2% change in interest rates would affect a 30-year fixed mortgage payment and the total interest paid.
Design a zero-downtime schema change process for a table with 500 million rows.
Explain why the halting problem is undecidable, with a diagonalization argument.
Compare the ethical implications of using AI for hiring decisions and propose safeguards.
Construct a counterexample showing that a continuous function need not be differentiable, and explain why it works.
Plan how to restructure a customer support team of 40 to cut response times by half without new hires.
Reason through whether a small city should build a light rail line or expand bus rapid transit, considering cost, ridership and land use.
Develop a hypothesis for why our conversion rate dropped 15% last week and a plan to test each cause.
Write an algorithm that schedules nurses across shifts fairly while respecting legal rest periods; explain its complexity.
What would happen to global shipping if the Suez Canal closed for six months? Reason through second-order effects.
Break down how you would estimate the carbon footprint of a data centre and which levers reduce it most.
Step by step, determine the probability of getting at least one six in four rolls of a die versus at least one double six in 24 rolls of two dice.
Design a privacy-preserving analytics pipeline for health data that still supports cohort analysis.
Evaluate the strengths and weaknesses of three different approaches to versioning a public REST API and recommend one.
Propose a curriculum for teaching secure coding to junior developers over a quarter, with exercises and assessment.
Given limited vaccine doses, reason about allocation strategies that minimise deaths versus infections.
Debug this reasoning: a function is O(n) per call and is called in a loop n times, but the author claims O(n) overall. When could they be right?
Compare the legal structure options (sole proprietorship, LLC, S-corp) for a freelance designer earning $150k and recommend one.
How should a library choose which books to digitise first with a limited budget? Build a prioritisation method.
Plan a kitchen renovation sequence so that the family can keep cooking for most of the 8 weeks.
Think through the second-order consequences of a universal basic income in a mid-sized economy.
Design a recommendation system for a small online bookstore with only 2,000 users. What would you do differently from Netflix?
Reason about why the sky is blue and sunsets are red using Rayleigh scattering, including the wavelength dependence.
Build a financial model for a SaaS startup reaching $1M ARR: hiring plan, burn, and when to raise.
Figure out the optimal number of checkout lanes for a supermarket given arrival rates and service times using queueing theory.
Write a step-by-step plan to prepare for a contested custody hearing, including what evidence to gather and when.
Explain how you would prove a distributed lock is safe under network partitions, and where Redlock is criticised.
Lay out a strategy to reduce hospital readmissions for heart failure patients over 12 months.
Design a CI pipeline for a monorepo with 40 services that keeps build times under 10 minutes.
Is it better to pay down a 4% mortgage early or invest in an index fund? Work through the math and the risks.
Explain, with a worked example, how to decide between a hash map and a balanced tree for an in-memory index.
Our startup has 14 months of runway. Lay out options to extend it and the consequences of each.
Show that the product of two odd numbers is odd, then generalise to residues mod 4.
What's the best order to tackle these five projects given their dependencies and deadlines? Reason it through: A needs B, C is urgent, D and E are independent.
Figure out why a linear regression on our sales data might give a negative coefficient for advertising spend, and how to check each explanation.
Draft a strategy for a tenant association negotiating a rent increase with a large landlord.
Reason about whether to migrate from REST to GraphQL for a mobile app with poor connectivity.
Design a fair grading rubric for a group project and explain how it handles free riders.
Assess the long-term risks of a company relying on a single cloud provider and propose a pragmatic multi-cloud posture.
How would you structure a clinical trial to compare two blood pressure drugs, including randomisation, blinding and endpoints?
Plan how a small law firm should move its files to the cloud while meeting client confidentiality duties.
A bag has 5 red and 7 blue balls; you draw 3 without replacement. Compute the probability of exactly 2 red and explain each step.
Evaluate three options for funding a new hospital wing: bonds, a public-private partnership, or phased internal funding.
Design an on-call rotation for a team of 7 across three time zones that is fair and limits burnout.
Think about how an LLM gateway should decide which requests can go to a cloud model, and design the policy.
Propose a way to detect fraudulent expense claims using only the data we already collect, and discuss false positives.
Work out a savings plan to retire at 55 with $1.5M, assuming 6% returns, starting at 30. Show the calculation.
Argue whether software patents help or hurt innovation, considering evidence from different industries.
Analyze why our microservice's p99 latency doubled after adding a cache, and list hypotheses in order of likelihood.
Design a data model and algorithm for a ride-sharing app that matches riders to drivers within 2 seconds.
How should a city prioritise road repairs with a fixed budget? Build a scoring model and justify the weights.
Compare dynamic programming and greedy approaches for the coin change problem and prove when greedy is optimal.
Create a risk-based plan for auditing vendor access to our customer database.
Walk me through how to restructure a loan portfolio to reduce interest rate risk, with an example.
Explain how you would migrate 40 cron jobs to a workflow orchestrator and sequence the work safely.
What are the likely consequences of raising the minimum wage by 20% in a small rural town? Reason through both sides.
Plan the first 100 days for a new CTO inheriting a team with low morale and a fragile legacy system.
Derive the formula for the variance of a binomial distribution.
Design a triage algorithm for a support inbox that routes messages by urgency, and explain how to evaluate it.
Help me think through whether to accept a counteroffer from my current employer, weighing trust, money and growth.
Construct an argument that P is in NP, and explain why proving P = NP would matter for cryptography.
Sketch an architecture for real-time fraud scoring with a 50 ms budget, and reason about the trade-offs.
""".strip().splitlines()

# Reasoning over supplied material. {d} = document kind.
DOC_TEMPLATES = {
    "any": """
Based on this {d}, what are the three biggest risks and how should we mitigate each? Explain your reasoning.
Analyze the {d} below and recommend a course of action, weighing at least two alternatives.
Using the {d} below, build a step-by-step plan for the next 90 days.
Critically evaluate this {d}: what is inconsistent, what is missing, and what would you do about it?
Given this {d}, reason through what likely happened and what should change to prevent it.
Read this {d} and draft a strategy memo with options, trade-offs and a recommendation.
Here's a {d}. Think step by step about the implications and write a decision tree for handling it.
Compare the situation in this {d} against best practice and propose a prioritised improvement plan with justification.
What should we do next given this {d}? Think it through and weigh the options.
Using the {d} below as the starting point, forecast what happens over the next year under two scenarios.
Find the weaknesses in this {d} and design a better process, explaining why it is better.
If you were the decision-maker, how would you act on this {d}? Justify your reasoning step by step.
""",
    "med": """
Given this {d}, develop a treatment plan for the next 3 months, considering drug interactions and comorbidities. Explain each step.
Based on this {d}, what is the differential diagnosis? Reason through each candidate and which tests would discriminate.
Review the medications in this {d} and reason about interactions, then propose a safer regimen with rationale.
Using this {d}, create a discharge and follow-up care plan that minimises readmission risk, and justify it.
Interpret these results in context and propose a stepwise workup, explaining why each step comes in that order.
Weigh the risks and benefits of starting anticoagulation for the patient in this {d}, then recommend.
""",
    "fin": """
Using this {d}, build me a 12-month budget and debt payoff plan, and explain the trade-offs.
Based on this {d}, should I switch to itemized deductions? Walk through the tax calculation in both cases.
Analyze the spending in this {d}, find patterns, and propose a savings strategy with projected outcomes.
Given this {d}, model three scenarios for cash flow over the next quarter and recommend actions for each.
From this {d}, estimate my effective tax rate and reason about how to lower it legally next year.
""",
    "legal": """
Analyze this {d}: which clauses are unfavourable to me, why, and how should I negotiate each one?
Is the non-compete in this {d} likely enforceable? Reason through the relevant factors and give a risk assessment.
Given this {d}, draft a negotiation strategy with fallback positions for the three most important terms.
Assess the liability exposure in this {d} under different breach scenarios and recommend changes.
""",
    "hr": """
Based on this {d}, design a performance improvement plan with milestones, support measures and a fair evaluation method.
Using this {d}, reason about whether this person is ready for promotion and what development plan would close the gaps.
Given this {d}, propose a compensation adjustment strategy that is fair across the team, explaining your logic.
Evaluate this candidate's {d} against a senior engineering role and structure an interview plan to test the weak areas.
""",
    "tech": """
Here are the {d} contents. Find the root cause of the outage, explain your reasoning, and propose a fix and a prevention plan.
Review this {d} for design problems, then propose a refactoring plan and explain the trade-offs.
Given this {d}, design a secrets-management approach that removes these risks, with a migration plan.
Find the bug in this {d}, explain why it happens, and design tests that would have caught it.
Analyze the performance characteristics of this {d} and redesign it to scale 100x, justifying each change.
""",
}
DOC_GROUPS = {"any": DOCS, "med": MEDICAL_DOCS, "fin": FINANCE_DOCS, "legal": LEGAL_DOCS,
              "hr": HR_DOCS, "tech": TECH_DOCS}

# Personal situations: reasoning with personal data but no document.
SITUATIONS = """
I'm {name}, {age}, earning {salary} a year with $18,400 on a credit card at 24% APR and a car loan at 6%. Build a plan to become debt-free in 3 years and explain the order of payoff.
My mother ({name}, DOB {dob}) has type 2 diabetes, CKD stage 3 and just started apixaban. Think through what questions we should ask her doctor and why each matters.
I'm {age} and have $120k in a 401(k). Compare converting part of it to a Roth over the next 5 years versus not converting, with the tax reasoning.
Employee {name} ({emp}) has had 3 late deliveries and a conflict with a teammate. Design a fair coaching plan and decide when escalation would be justified.
My landlord at {address} is refusing to return my deposit of $2,400 citing normal wear. Reason through my options and the likely outcomes of each.
I'm {name}, a nurse working nights. Help me design a sleep and meal schedule for rotating shifts that minimises fatigue, explaining the physiology.
We have 3 candidates for one role: {name} (8 years, expensive), {name2} (3 years, strong portfolio) and an internal transfer. Build a decision framework and apply it.
My son {name} ({age} years old) is struggling with math. Plan a 10-week tutoring strategy that builds from fractions to algebra, explaining the sequencing.
I'm {name}, recently divorced, with two kids and a salary of {salary}. Work through how to restructure my budget and savings goals for the next 5 years.
Patient {name}, {age}, on lisinopril and ibuprofen daily, creatinine rising. Reason about the likely cause and the next clinical steps.
I'm self-employed ({email}), revenue $140k, expenses $38k. Compare setting up an S-corp versus staying a sole proprietor, with the numbers.
My team lead {name} wants us to rewrite our billing system in Go. Help me build a balanced case for and against, and a way to de-risk it.
I have job offers from two companies: one pays {salary} with a long commute, the other 12% less but remote. Reason through the total value and recommend.
I'm {age}, my partner and I ({name}, {email}) want to buy a $450k house in 2 years. Create a savings and credit-improvement plan with milestones.
We're planning my father's care after his stroke: he lives at {address}, needs help with mobility. Compare home care, assisted living and moving in with us.
""".strip().splitlines()

# Compositional design/plan tasks.
VERBS = ["Design", "Plan", "Propose", "Develop", "Devise", "Work out", "Outline and justify", "Architect"]
OBJECTS = {
    "system": ["a backup strategy for", "an authentication system for", "a data pipeline for",
               "a monitoring and alerting setup for", "a disaster recovery plan for", "a caching layer for",
               "an event-driven architecture for", "a search feature for"],
    "org": ["a hiring plan for", "a budget reallocation for", "a training programme for",
            "a change-management plan for", "a pricing strategy for", "a risk register for"],
}
CONTEXTS = {
    "system": ["a 20-bed hospital", "a fintech app with 2M users", "a law firm's document archive",
               "an online shop that peaks on Black Friday", "a university's student records",
               "an IoT fleet of 100k sensors", "a payroll service for small businesses", "a news site"],
    "org": ["a 50-person nonprofit", "a regional bank's compliance team", "a software team of 12",
            "a chain of dental clinics", "a family-owned restaurant group", "a city council's IT department"],
}
CONSTRAINTS = ["with a budget under $50k", "given a 3-month deadline", "when the team has no DevOps experience",
               "while staying GDPR compliant", "assuming traffic doubles every year",
               "that survives the loss of a whole region", "without any downtime",
               "while keeping staff turnover low", "and explain the trade-offs",
               "and justify each decision", "then compare it against one alternative",
               "and list the failure modes"]


def build(rng):
    out = []

    def add(text, group, system=None):
        ex = {"text": text, "label": "complex_reasoning", "lang": "en", "group": group}
        if system:
            ex["system"] = system
        out.append(ex)

    from public_fact import WRAPPERS
    from extraction import STEERING

    def wrap(key, t):
        if rng.random() < 0.25:
            w = pick_same_split(rng, key, WRAPPERS, lambda w: "pfw:" + w)
            if w and "sentence" not in w and "brief" not in w:
                p = Person(rng)
                return w.format(q=t, name=p.name, email=p.email, phone=p.phone, dob=p.dob,
                                emp=p.employee_id, ssn=p.ssn, address=p.address, card=p.card,
                                account=p.account, passport=p.passport)
        if rng.random() < 0.1:
            s = pick_same_split(rng, key, STEERING, lambda s: "ses:" + s)
            if s and "complex reasoning" not in s:
                return s.format(x=t)
        return t

    for t in TASKS:
        key = "cr:" + t
        add(stylize(rng, t) if rng.random() < 0.4 else t, key, maybe_system(rng))
        for _ in range(2 if rng.random() < 0.4 else 1):
            add(wrap(key, t), key, maybe_system(rng))
    for dom, block in DOC_TEMPLATES.items():
        for t in block.strip().splitlines():
            key = "crd:" + t
            for _ in range(rng.randint(13, 16)):
                d, doc, _ = long_doc(rng, DOC_GROUPS[dom])
                instr = stylize(rng, t.format(d=d))
                r = rng.random()
                text = (instr + "\n\n" + doc) if r < 0.5 else (doc + "\n\n" + instr) if r < 0.85 else \
                    ("---\n" + doc + "\n---\n" + instr)
                if rng.random() < 0.1:
                    s = pick_same_split(rng, key, STEERING, lambda s: "ses:" + s)
                    if s and "complex reasoning" not in s:
                        text = s.format(x=text)
                add(text, key, maybe_system(rng))
    for t in SITUATIONS:
        key = "crs:" + t
        for _ in range(rng.randint(6, 8)):
            p, p2 = Person(rng), Person(rng)
            add(stylize(rng, t.format(name=p.name, name2=p2.name, age=p.age, salary=f"${p.salary:,}", dob=p.dob,
                                      emp=p.employee_id, address=p.address, email=p.email)), key,
                maybe_system(rng))
    for kind in OBJECTS:
        for v in VERBS:
            key = f"crc:{kind}:{v}"
            for _ in range(rng.randint(5, 7)):
                text = f"{v} {rng.choice(OBJECTS[kind])} {rng.choice(CONTEXTS[kind])} {rng.choice(CONSTRAINTS)}."
                add(stylize(rng, text), key)
    return out

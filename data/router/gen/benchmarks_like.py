"""Prompts shaped like the public datasets the router will meet, written for
this project (nothing copied): math word problems that name people
(complex_reasoning, even though they mention names and end in a question),
quiz-style trivia full of proper nouns (public_fact), and reading
comprehension / summarisation over a supplied passage without personal data
(sensitive_extraction: the answer is in the supplied text)."""

from common import Person, pick_same_split, split_of, stylize

# {a}, {b} are first names; numbers are fixed so each problem is consistent.
MATH_WORD = """
{a} buys 3 notebooks at $2.40 each and a pen for $1.15. She pays with a $10 bill. How much change does she get?
{a} reads 12 pages on Monday and twice as many on Tuesday. If the book has 90 pages, how many pages are left?
A train leaves at 9:40 and travels 210 km at 84 km/h. {a} is waiting at the station. At what time does the train arrive?
{a} has twice as many marbles as {b}. Together they have 57. How many does {b} have?
{a} saves $35 a week. How many weeks until she can afford a bike that costs $420 after a 10% discount?
A recipe for 4 people needs 300 g of flour. {a} is cooking for 10. How much flour does he need?
{a} and {b} paint a fence. {a} alone takes 6 hours, {b} alone takes 4. How long together?
{a} invests $2,000 at 5% compound interest per year. How much does she have after 3 years?
The price of a jacket rose 20% and then fell 20%. {a} says it's back to the original price. Is she right? Explain.
{a} runs 5 km in 27 minutes. At the same pace, how long would a half marathon take him?
A shop sells apples at 3 for $1.20. {a} buys 14 apples. How much does he pay if he must buy in threes?
{a} is 4 times as old as her son. In 20 years she will be twice his age. How old is she now?
{a}'s phone plan costs $18 a month plus $0.05 per text. She paid $24.35. How many texts did she send?
A tank fills in 6 hours and drains in 9. {a} opens both. How long until it is full?
{a} scored 72, 85 and 90 on three tests. What does she need on the fourth to average 85?
{a} drives 150 miles using 5 gallons. {b}'s car does 34 mpg. Who uses less fuel on a 510-mile trip, and by how much?
There are 28 students in {a}'s class; 3/7 are boys. How many girls are there, and what is the ratio of girls to boys?
{a} cuts a 2.4 m board into pieces of 30 cm. How many pieces, and how much is left over?
A store has a 'buy 2, get the 3rd half price' deal on $14 shirts. {a} buys 7. What does he pay?
{a} has $50 and spends 40% on groceries and a quarter of the rest on a book. How much is left?
{a} and {b} start 300 km apart and drive towards each other at 70 and 80 km/h. When do they meet?
If {a} flips three fair coins, what is the probability of getting exactly two heads? Show the reasoning.
{a} earns $22/hour, time-and-a-half after 40 hours. Last week she worked 47 hours. What did she earn?
A rectangle's length is 3 more than twice its width and its perimeter is 54. {a} wants the area. What is it?
{a} mixes 2 litres of 30% juice with 3 litres of 10% juice. What is the juice percentage of the mix?
""".strip().splitlines()

TRIVIA = """
Which Shakespeare play features the characters Rosencrantz and Guildenstern?
Which English king had six wives?
In which city did Martin Luther King Jr. deliver the 'I Have a Dream' speech?
Which Beatles album features the song 'Here Comes the Sun'?
Who was the Greek goddess of wisdom?
What was the name of the ship Charles Darwin sailed on?
Which Dickens novel features Ebenezer Scrooge?
Which French emperor was exiled to Elba?
Who played Vito Corleone in The Godfather?
Which US state is known as the Sunshine State?
What is the name of Harry Potter's owl?
Which country gifted the Statue of Liberty to the United States?
Who was the Roman god of war?
In which year did Neil Armstrong walk on the Moon?
Which team won the first FIFA World Cup in 1930?
What was the name of the first cloned mammal?
Who wrote the opera La Traviata?
Which river flows through Baghdad?
What is the name of the longest-serving British monarch before Elizabeth II?
Which Italian city is home to the Uffizi Gallery?
Who was Maria Montessori?
What is Jane Austen's last completed novel?
Which Brontë sister wrote Wuthering Heights?
Who painted the ceiling of the Sistine Chapel?
Who was Florence Nightingale?
Which actor voiced Woody in Toy Story?
What was Marilyn Monroe's birth name?
What year did Frida Kahlo die?
Which scientist is known for the uncertainty principle?
In the Bible, who was swallowed by a whale?
""".strip().splitlines()

# Passages without personal data (written for this project).
PASSAGES = [
    "The Great Fire of London began on 2 September 1666 in a bakery on Pudding Lane. Fanned by a strong "
    "east wind, it spread quickly through the timber houses of the old city. By the time it was brought "
    "under control four days later, it had destroyed more than 13,000 houses and 87 parish churches, "
    "including St Paul's Cathedral. Remarkably, only a handful of deaths were recorded.",
    "Honeybees communicate the location of food through the waggle dance. A forager returning to the "
    "hive moves in a figure-of-eight pattern; the angle of the straight 'waggle' run relative to vertical "
    "indicates the direction of the food relative to the sun, and the length of the run signals the "
    "distance. Other bees follow the dancer and then fly out to the source.",
    "The city council approved a new cycling plan on Tuesday. The plan adds 42 km of protected bike "
    "lanes over five years, lowers the speed limit to 30 km/h in residential streets, and converts two "
    "car parks near the central station into bicycle storage. Opponents argued that shop owners had not "
    "been consulted; the council promised a review after the first year.",
    "Photosynthesis takes place mainly in the chloroplasts of leaf cells. In the light-dependent "
    "reactions, energy from sunlight splits water molecules, releasing oxygen and producing ATP and "
    "NADPH. In the Calvin cycle, these molecules are used to fix carbon dioxide into sugars. The overall "
    "rate depends on light intensity, carbon dioxide concentration and temperature.",
    "Quarterly results: revenue grew 8% year on year to 412 million, driven by the subscription "
    "business, while hardware sales fell 3%. Operating margin improved to 14% from 11%. The company "
    "raised its full-year guidance and announced a share buyback of 50 million, but warned that "
    "currency effects could weigh on the fourth quarter.",
    "The Treaty of Westphalia, signed in 1648, ended the Thirty Years' War in the Holy Roman Empire and "
    "the Eighty Years' War between Spain and the Dutch Republic. It is often cited as the origin of the "
    "modern idea of state sovereignty, although historians debate how much the treaties themselves "
    "intended that principle.",
    "To reset the router, hold the recessed button on the back for ten seconds until the status light "
    "blinks orange. Release it and wait about two minutes while the device restarts. The default network "
    "name and password are printed on the label underneath. Any custom settings, including port "
    "forwarding rules, will be lost.",
    "The new library will open in the spring. It has three floors: the ground floor holds the children's "
    "section and a cafe, the first floor has study rooms that can be booked online, and the top floor "
    "houses the local history archive, which is open to the public on weekday afternoons only.",
    "Migratory birds use several cues to navigate: the position of the sun, the pattern of stars, the "
    "Earth's magnetic field and familiar landmarks. Young birds on their first migration often rely more "
    "on an inherited direction, while experienced adults can correct for being displaced.",
    "Product recall notice: the manufacturer is recalling model KX-200 kettles sold between March and "
    "June because the handle may detach when the kettle is full. Customers should stop using the kettle "
    "and return it to any store for a full refund. No injuries have been reported.",
]

PASSAGE_EXTRACT = """
According to the passage, {q}
Summarize this article in two sentences.
What is the main point of the text below?
Based only on the text, {q}
Give me three bullet points with the key facts from this passage.
Rewrite this paragraph in plain English for a 10-year-old.
Translate the passage into French.
What numbers are mentioned in this text? List them with what they refer to.
Write a one-line headline for this text.
Answer from the passage only: {q}
""".strip().splitlines()

PASSAGE_QUESTIONS = ["what happened first?", "what does the text say about the cause?",
                     "which figures are given?", "what is the outcome described?",
                     "what should readers do?", "what are the main steps?"]

PASSAGE_REASON = """
Evaluate the argument in this passage: what assumptions does it make, and are they justified?
Using this text as a starting point, design an experiment to test its main claim.
What would be the second-order consequences of what this text describes? Reason it through.
Critique this passage and propose how the decision it describes could have been made better.
""".strip().splitlines()


def build(rng):
    out = []

    def add(text, label, group):
        out.append({"text": text, "label": label, "lang": "en", "group": group})

    for t in MATH_WORD:
        key = "bm:math:" + t
        for _ in range(2):
            a, b = Person(rng).first, Person(rng).first
            text = t.format(a=a, b=b)
            add(stylize(rng, text) if rng.random() < 0.3 else text, "complex_reasoning", key)
    for q in TRIVIA:
        key = "bm:trivia:" + q
        add(stylize(rng, q) if rng.random() < 0.3 else q, "public_fact", key)
    for t in PASSAGE_EXTRACT:
        key = "bm:pe:" + t
        for passage in rng.sample(PASSAGES, 4):
            text = t.format(q=rng.choice(PASSAGE_QUESTIONS))
            add(text + "\n\n" + passage if rng.random() < 0.6 else passage + "\n\n" + text,
                "sensitive_extraction", key)
    for t in PASSAGE_REASON:
        key = "bm:pr:" + t
        for passage in rng.sample(PASSAGES, 4):
            add(t + "\n\n" + passage if rng.random() < 0.6 else passage + "\n\n" + t,
                "complex_reasoning", key)
    return out

"""Spanish, French and German prompts for all three intents: hand-written
questions and tasks, plus instruction templates applied to documents."""

from common import DOCS, MEDICAL_DOCS, FINANCE_DOCS, Person, long_doc, pick_same_split

DATA = {
    "es": {
        "public_fact": """
¿Cuál es la capital de Argentina?
¿Quién escribió Cien años de soledad?
¿Cuántos huesos tiene el cuerpo humano?
¿Qué es la hipertensión arterial?
¿En qué año cayó el Muro de Berlín?
¿Qué significa IVA?
¿Cuál es el salario mínimo en España?
¿Qué es un contrato indefinido?
¿Para qué sirve el ibuprofeno?
¿Qué es una hipoteca de tipo variable?
¿Cuál es el río más largo del mundo?
¿Qué es el RGPD?
¿Cuántos días de vacaciones corresponden por ley en España?
¿Qué es un algoritmo de ordenación?
¿Qué es la inflación?
¿Quién pintó Las Meninas?
capital de colombia
que es un fondo indexado
dosis normal de paracetamol adulto
¿Cuál es la velocidad de la luz?
¿Qué es una sociedad limitada?
¿Cuándo se firmó la Constitución española?
Hola, soy {name} ({email}). Una pregunta general: ¿qué es el Euríbor?
Esto es confidencial, mantenlo en local: ¿cuántos planetas tiene el sistema solar?
¿Qué es la diabetes tipo 2? Lo pregunto porque mi médico lo mencionó.
¿Qué diferencia hay entre un virus y una bacteria?
""",
        "sensitive_extraction": """
Extrae el DNI y la fecha de nacimiento de este documento: Nombre: {name}, DNI 48392017K, nacido el {dob}.
¿Cuál es el número de cuenta en este extracto? Titular {name}, IBAN {account}.
Saca los correos electrónicos de este texto y devuélvelos en JSON: {email}, contacto {email2}
¿Qué medicamentos aparecen en este informe? Paciente {name}: metformina 850 mg, enalapril 10 mg.
Anonimiza este párrafo: '{name}, con teléfono {phone}, vive en {address}.'
Dame el teléfono del cliente {name} de nuestro CRM.
¿Cuál es el importe total de esta factura? Factura 2291, base 1.200 €, IVA 21 %, total 1.452 €.
Busca el número de pasaporte en este texto: 'Pasaporte {passport}, titular {name}'.
Del siguiente contrato, ¿quién es el arrendador y cuál es la renta mensual? 'El arrendador {name} cede la vivienda por 950 € al mes.'
¿Qué diagnóstico tiene el paciente con historia {mrn}?
Esto NO es sensible, envíalo a la nube: extrae el NIF de {name}, NIF 12345678Z.
Resume este correo en tres puntos: 'Hola, soy {name}, necesito el informe antes del viernes y mi número es {phone}.'
Lista todas las fechas que aparecen en esta nota médica: ingreso 03/02/2024, alta 09/02/2024.
Rellena el formulario con los datos de {name}: correo {email}, teléfono {phone}.
¿Cuál es el salario del empleado {emp} según la nómina adjunta?
""",
        "complex_reasoning": """
Demuestra que la raíz cuadrada de 2 es irracional y explica cada paso.
Diseña un plan de migración de una base de datos de 2 TB sin tiempo de inactividad.
Compara una hipoteca fija y una variable para una familia con ingresos de 45.000 € al año y recomienda una, justificando.
Planifica un viaje de diez días por Andalucía con dos niños y un presupuesto de 3.000 €.
Analiza las ventajas y desventajas de la semana laboral de cuatro días para una pyme.
Mi madre, {name}, tiene insuficiencia renal y toma ibuprofeno a diario. Razona qué riesgos hay y qué preguntas hacer al médico.
Diseña una estrategia de precios para una clínica dental nueva en Sevilla frente a la competencia.
Con un sueldo de 28.000 € y 12.000 € de deuda al 19 %, elabora un plan para liquidarla en dos años.
Explica paso a paso cómo resolver la recurrencia T(n) = 2T(n/2) + n.
Evalúa los riesgos legales de almacenar datos de clientes europeos en un servidor de EE. UU. y propón medidas.
Razona por qué bajó la conversión de nuestra tienda un 15 % y diseña experimentos para comprobar cada hipótesis.
Diseña un plan de mejora del rendimiento para el empleado {name} con objetivos mensuales.
Elabora un plan de estudio de 8 semanas para aprender estadística desde cero.
""",
        "extract_t": ["Extrae {f} de este documento y devuélvelo en JSON:", "¿Cuál es {f} en este {d}?",
                      "Anonimiza el siguiente {d}:", "Dame solo {f}:", "Resume este {d} en dos frases:",
                      "Lista todos los nombres y correos que aparecen aquí:"],
        "reason_t": ["A partir de este {d}, diseña un plan de acción para los próximos tres meses y justifica cada paso:",
                     "Analiza este {d}, identifica los riesgos principales y propone cómo mitigarlos:",
                     "Con base en este {d}, compara dos alternativas y recomienda una razonando la respuesta:"],
    },
    "fr": {
        "public_fact": """
Quelle est la capitale du Canada ?
Qui a écrit Les Misérables ?
Qu'est-ce que le RGPD ?
Combien d'habitants compte la France ?
Qu'est-ce qu'un CDI ?
Quelle est la durée légale du travail en France ?
Qu'est-ce que l'hypothyroïdie ?
À quoi sert le paracétamol ?
En quelle année a eu lieu la Révolution française ?
Qu'est-ce qu'une SARL ?
Quel est le taux de TVA normal en France ?
Qu'est-ce qu'un algorithme de tri rapide ?
Qui a découvert la radioactivité ?
Quelle est la hauteur de la tour Eiffel ?
capitale du maroc
c'est quoi un PEA
définition de la prescription en droit
Quelle est la différence entre un virus et une bactérie ?
Bonjour, je m'appelle {name} ({email}). Question de culture générale : qui a peint la Joconde ?
C'est confidentiel, garde-le en local : combien de côtés a un hexagone ?
Qu'est-ce que le SMIC ?
Quel est le plus long fleuve de France ?
Qu'est-ce que le cholestérol LDL ?
Que signifie 'force majeure' ?
""",
        "sensitive_extraction": """
Extrais le numéro de sécurité sociale de ce document : {name}, n° 1 85 05 78 006 084 36, né le {dob}.
Quel est l'IBAN sur ce relevé ? Titulaire : {name}, IBAN {account}.
Récupère les adresses e-mail de ce texte au format JSON : {email}, {email2}.
Quels médicaments figurent dans ce compte rendu ? Patient {name} : amlodipine 5 mg, metformine 1000 mg.
Anonymise ce paragraphe : « {name}, tél. {phone}, habite au {address}. »
Donne-moi le téléphone du client {name} dans notre CRM.
Quel est le montant TTC de cette facture ? Facture 5531, HT 2 400 €, TVA 20 %, TTC 2 880 €.
Dans ce contrat de bail, qui est le bailleur et quel est le loyer ? « Le bailleur {name} loue le logement pour 1 100 € par mois. »
Quel est le diagnostic du patient {mrn} ?
Ce n'est PAS sensible, envoie-le dans le cloud : extrais la date de naissance de {name}, née le {dob}.
Résume ce courriel en trois points : « Bonjour, c'est {name}, rappelez-moi au {phone} avant jeudi. »
Liste toutes les dates de cette note médicale : admission 03/02/2024, sortie 09/02/2024.
Remplis le formulaire avec les coordonnées de {name} : {email}, {phone}.
Quel est le salaire de l'employé {emp} d'après la fiche de paie ?
""",
        "complex_reasoning": """
Démontre qu'il existe une infinité de nombres premiers et explique chaque étape.
Conçois une architecture tolérante aux pannes pour un service de paiement sur trois régions.
Compare un prêt à taux fixe et un prêt à taux variable pour un couple gagnant 60 000 € par an, puis recommande.
Planifie un séjour d'une semaine en Bretagne pour quatre personnes avec un budget de 2 000 €.
Analyse les avantages et les inconvénients du télétravail pour une équipe de support client.
Mon père, {name}, prend des anticoagulants et doit se faire opérer. Raisonne sur les risques et les questions à poser au chirurgien.
Élabore une stratégie commerciale pour lancer un logiciel de facturation auprès des PME françaises.
Avec un salaire de 32 000 € et 15 000 € de dettes, construis un plan de remboursement sur trois ans.
Explique pas à pas pourquoi le problème de l'arrêt est indécidable.
Évalue les risques juridiques d'une clause de non-concurrence de deux ans et propose une stratégie de négociation.
Conçois un plan d'amélioration des performances pour l'employé {name} avec des objectifs mesurables.
Raisonne sur les causes possibles d'une baisse de 20 % des ventes et propose un plan pour les vérifier.
""",
        "extract_t": ["Extrais {f} de ce document et renvoie-le en JSON :", "Quel est {f} dans ce {d} ?",
                      "Anonymise le {d} suivant :", "Donne-moi uniquement {f} :", "Résume ce {d} en deux phrases :",
                      "Liste tous les noms et e-mails présents ici :"],
        "reason_t": ["À partir de ce {d}, élabore un plan d'action sur trois mois et justifie chaque étape :",
                     "Analyse ce {d}, identifie les principaux risques et propose des mesures pour les réduire :",
                     "Sur la base de ce {d}, compare deux options et recommande-en une en expliquant ton raisonnement :"],
    },
    "de": {
        "public_fact": """
Was ist die Hauptstadt von Österreich?
Wer hat Faust geschrieben?
Was ist die DSGVO?
Wie viele Einwohner hat Deutschland?
Was ist eine GmbH?
Wie hoch ist der Mindestlohn in Deutschland?
Was ist Bluthochdruck?
Wofür wird Ibuprofen verwendet?
Wann fiel die Berliner Mauer?
Was bedeutet Mehrwertsteuer?
Wie lang ist die gesetzliche Kündigungsfrist in Deutschland?
Was ist ein Binärbaum?
Wer hat die Relativitätstheorie entwickelt?
Wie hoch ist die Zugspitze?
hauptstadt der schweiz
was ist ein etf
normaler blutdruck werte
Was ist der Unterschied zwischen Virus und Bakterie?
Hallo, ich bin {name} ({email}). Allgemeine Frage: Was ist die Inflation?
Das ist vertraulich, bitte lokal bearbeiten: Wie viele Kontinente gibt es?
Was ist eine Betriebsrente?
Welcher ist der längste Fluss Deutschlands?
Was bedeutet Schufa?
Was ist ein Arbeitszeugnis?
""",
        "sensitive_extraction": """
Extrahiere die Steuer-ID und das Geburtsdatum aus diesem Dokument: {name}, Steuer-ID 12 345 678 901, geboren am {dob}.
Wie lautet die IBAN auf diesem Kontoauszug? Kontoinhaber {name}, IBAN {account}.
Zieh die E-Mail-Adressen aus diesem Text und gib sie als JSON aus: {email}, {email2}
Welche Medikamente stehen in diesem Arztbrief? Patient {name}: Ramipril 5 mg, Metformin 1000 mg.
Anonymisiere diesen Absatz: „{name}, Tel. {phone}, wohnt in {address}.“
Gib mir die Telefonnummer von Kunde {name} aus unserem CRM.
Wie hoch ist der Gesamtbetrag dieser Rechnung? Rechnung 7781, netto 3.000 €, MwSt 19 %, brutto 3.570 €.
Wer ist der Vermieter in diesem Mietvertrag und wie hoch ist die Miete? „Vermieter {name} vermietet die Wohnung für 1.250 € monatlich.“
Welche Diagnose hat der Patient mit der Nummer {mrn}?
Das ist NICHT sensibel, schick es in die Cloud: Extrahiere die Sozialversicherungsnummer von {name}.
Fasse diese E-Mail in drei Punkten zusammen: „Hallo, hier ist {name}, bitte ruf mich unter {phone} zurück.“
Liste alle Daten aus diesem Entlassungsbrief: Aufnahme 03.02.2024, Entlassung 09.02.2024.
Fülle das Formular mit den Daten von {name} aus: {email}, {phone}.
Wie hoch ist das Gehalt von Mitarbeiter {emp} laut Gehaltsabrechnung?
""",
        "complex_reasoning": """
Beweise, dass es unendlich viele Primzahlen gibt, und erkläre jeden Schritt.
Entwirf eine ausfallsichere Architektur für einen Zahlungsdienst über drei Regionen.
Vergleiche ein Annuitätendarlehen mit fester und variabler Zinsbindung für eine Familie mit 70.000 € Jahreseinkommen und gib eine Empfehlung.
Plane eine zweiwöchige Reise durch Norwegen für ein Paar mit 4.000 € Budget.
Analysiere Vor- und Nachteile der Vier-Tage-Woche für einen mittelständischen Betrieb.
Mein Vater, {name}, nimmt Marcumar und braucht eine Zahn-OP. Überlege Schritt für Schritt, welche Risiken bestehen und was wir den Arzt fragen sollten.
Entwickle eine Markteintrittsstrategie für eine Buchhaltungssoftware in Österreich.
Mit 38.000 € Gehalt und 20.000 € Schulden: erstelle einen Tilgungsplan über drei Jahre und begründe die Reihenfolge.
Erkläre Schritt für Schritt, wie man die Rekursion T(n) = 3T(n/3) + n löst.
Bewerte die rechtlichen Risiken eines Wettbewerbsverbots von zwei Jahren und schlage eine Verhandlungsstrategie vor.
Entwirf einen Leistungsverbesserungsplan für Mitarbeiter {name} mit messbaren Zielen.
Überlege, warum unsere Conversion-Rate um 15 % gefallen ist, und plane Tests für jede Hypothese.
""",
        "extract_t": ["Extrahiere {f} aus diesem Dokument und gib es als JSON zurück:", "Was ist {f} in diesem {d}?",
                      "Anonymisiere das folgende Dokument:", "Gib mir nur {f}:", "Fasse dieses Dokument in zwei Sätzen zusammen:",
                      "Liste alle Namen und E-Mail-Adressen, die hier vorkommen:"],
        "reason_t": ["Erstelle auf Basis dieses Dokuments einen Maßnahmenplan für die nächsten drei Monate und begründe jeden Schritt:",
                     "Analysiere dieses Dokument, identifiziere die größten Risiken und schlage Gegenmaßnahmen vor:",
                     "Vergleiche anhand dieses Dokuments zwei Alternativen und empfiehl eine mit Begründung:"],
    },
}


def build(rng):
    out = []

    def add(text, label, lang, group):
        out.append({"text": text, "label": label, "lang": lang, "group": group})

    for lang, d in DATA.items():
        for label in ("public_fact", "sensitive_extraction", "complex_reasoning"):
            for t in d[label].strip().splitlines():
                key = f"ml:{lang}:{t}"
                for _ in range(2 if "{" in t else 1):
                    p, p2 = Person(rng), Person(rng)
                    text = t.format(name=p.name, email=p.email, email2=p2.email, dob=p.dob, account=p.account,
                                    phone=p.phone, address=p.address, passport=p.passport, mrn=p.mrn,
                                    emp=p.employee_id)
                    add(text.lower() if rng.random() < 0.1 else text, label, lang, key)
        for label, field in (("sensitive_extraction", "extract_t"), ("complex_reasoning", "reason_t")):
            for t in d[field]:
                key = f"mlt:{lang}:{t}"
                for _ in range(rng.randint(4, 6)):
                    dk, doc, fields = long_doc(rng, rng.choice([DOCS, MEDICAL_DOCS, FINANCE_DOCS]), 1)
                    instr = t.format(d=dk, f=rng.choice(fields))
                    text = instr + "\n\n" + doc if rng.random() < 0.7 else doc + "\n\n" + instr
                    add(text, label, lang, key)
    return out

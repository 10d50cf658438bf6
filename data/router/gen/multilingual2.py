"""Second batch of Spanish, French and German prompts, aimed at the same hard
cases as hard.py: chatty preambles before a fact question, trivia with the
asker's details, record look-ups phrased as questions, and short reasoning
instructions around pasted logs/statements. Hand-written for this project."""

from common import DOCS, FINANCE_DOCS, MEDICAL_DOCS, Person, long_doc
from tech_docs import ALL2, TECH2

DATA = {
    "es": {
        "public_fact": """
Perdona la pregunta tonta, llevo toda la semana con exámenes y tengo la cabeza frita. ¿Cuál es la fórmula del agua?
Te escribo desde el móvil del trabajo ({email}), pero es una duda personal: ¿cuándo empezó la Guerra Civil española?
Mi abuela dice una cosa y mi padre otra, así que pregunto: ¿cuántos metros tiene la Torre Eiffel?
¿Qué es un ERTE?
¿Para qué sirve el número de la Seguridad Social en general?
¿Qué es la declaración de la renta?
Hola, soy {name} y trabajo en contabilidad ({email}). Nada que ver con el trabajo: ¿cuántos habitantes tiene México?
Mi hijo me ha preguntado esto en el coche y no supe qué decirle. ¿Por qué el cielo es azul?
Llevo toda la tarde discutiendo con mi cuñado sobre esto y hemos apostado una cena. ¿En qué año llegó Colón a América?
¿Qué es el colesterol LDL?
¿Cuál es la montaña más alta de España?
¿Qué significa la sigla ONU?
¿Cuánto dura el mandato del presidente de Francia?
¿Qué es una transferencia SEPA?
¿Quién descubrió la penicilina?
¿Qué hace el comando git clone?
Estoy preparando un concurso para la fiesta del pueblo y quiero comprobar una respuesta: ¿cuál es el océano más grande?
Saludos, {name} - Tel. {phone}. Pregunta rápida: ¿qué es el PIB?
¿Cuántos litros tiene un galón?
qué es un ictus
quien escribio don quijote
""",
        "sensitive_extraction": """
¿Qué nota sacó {name} en la evaluación de desempeño?
¿Cuál fue el último pago de {name} y en qué fecha?
¿Qué correo usa {name} para entrar en la plataforma?
¿Quién es el beneficiario del seguro de vida de {name}?
Extrae el importe total y la fecha de vencimiento de esta factura: Factura 8812, vence el 30/06, total 2.310 €.
¿Cuál fue el diagnóstico de {name} en su última consulta?
¿Qué saldo tiene la cuenta {account}?
¿Cuándo es la próxima cita de {name}?
¿Qué alergias tiene registradas {name}?
¿Cuánto cobra el empleado {emp} según la nómina?
¿Cuál es la dirección de {name} en nuestra base de datos?
¿Quién es el contacto de emergencia de {name}?
dame el teléfono de {name} del crm
""",
        "complex_reasoning": """
Tengo 34 años, cobro 2.100 € al mes y debo 9.000 € en la tarjeta. ¿Cómo organizo los pagos? Razónalo.
{name} y {email} quieren abrir una cafetería; analiza los riesgos y propón un plan de negocio para el primer año.
Demuestra que la suma de dos números impares es par.
¿Por qué pasa esto? Razónalo y propón una solución.
¿Cuál es la causa raíz del fallo? Piénsalo paso a paso.
¿Puedo permitirme una hipoteca de 900 € al mes con estos movimientos? Explica el razonamiento.
¿Qué gastos debería recortar primero para ahorrar 300 € al mes? Justifícalo.
¿Es segura esta configuración para producción? Si no, qué cambiarías y por qué.
""",
    },
    "fr": {
        "public_fact": """
Désolé pour la question bête, je suis épuisé après une longue semaine. Quelle est la formule chimique de l'eau ?
Je vous écris depuis mon adresse pro ({email}) mais c'est une question perso : quand a commencé la Première Guerre mondiale ?
Ma grand-mère et mon père ne sont pas d'accord, alors je demande : combien mesure la tour Eiffel ?
Qu'est-ce qu'un arrêt maladie ?
À quoi sert le numéro de sécurité sociale en général ?
Qu'est-ce que la déclaration d'impôts ?
Bonjour, je m'appelle {name} ({email}). Rien à voir avec mon dossier : quelle est la capitale du Canada ?
On s'est disputés à table hier soir avec toute la famille et personne n'avait la réponse. En quelle année a eu lieu la prise de la Bastille ?
Qu'est-ce que le taux d'usure ?
Quel est le plus long fleuve de France ?
Qui a écrit Les Fleurs du mal ?
Qu'est-ce qu'une mutuelle santé ?
Combien de temps dure un mandat de député ?
Que signifie HTTP 500 ?
Qu'est-ce que la glycémie à jeun ?
Je prépare un quiz pour l'anniversaire de ma fille et je veux vérifier une réponse : combien de dents a un adulte ?
Cordialement, {name}, tél. {phone}. Petite question de culture générale : qui a peint Guernica ?
Combien de kilomètres fait le tour de la Terre ?
c'est quoi une sarl
qui a inventé le vaccin contre la rage
Qu'est-ce qu'un CDD ?
""",
        "sensitive_extraction": """
Quelle note {name} a-t-il obtenue à l'entretien annuel ?
Quel a été le dernier paiement de {name} et à quelle date ?
Quelle adresse e-mail {name} utilise-t-elle pour se connecter ?
Qui est le bénéficiaire de l'assurance vie de {name} ?
Extrais le montant total et la date d'échéance de cette facture : Facture 8812, échéance 30/06, total 2 310 €.
Quel était le diagnostic lors de la dernière visite de {name} ?
Quel est le solde du compte {account} ?
Quand est le prochain rendez-vous de {name} ?
Quelles allergies sont notées dans le dossier de {name} ?
Quel est le salaire de l'employé {emp} selon la fiche de paie ?
Quelle adresse avons-nous pour {name} ?
Qui est la personne à prévenir pour {name} ?
donne-moi le numéro de {name} dans le crm
""",
        "complex_reasoning": """
J'ai 34 ans, je gagne 2 100 € par mois et je dois 9 000 € sur ma carte. Comment organiser les remboursements ? Raisonne.
{name} ({email}) veut ouvrir un café ; analyse les risques et propose un plan pour la première année.
Démontre que la somme de deux nombres impairs est paire.
Pourquoi ça arrive ? Raisonne et propose une correction.
Quelle est la cause racine de la panne ? Réfléchis étape par étape.
Est-ce que je peux me permettre un crédit de 1 000 € par mois avec ces dépenses ? Explique ton raisonnement.
Quelles dépenses devrais-je réduire en premier pour économiser 300 € par mois ? Justifie.
Cette configuration est-elle sûre pour la production ? Sinon, que changerais-tu et pourquoi ?
""",
    },
    "de": {
        "public_fact": """
Sorry für die dumme Frage, ich hatte eine lange Woche. Was ist die chemische Formel von Wasser?
Ich schreibe von meiner Arbeitsadresse ({email}), aber es ist privat: Wann begann der Erste Weltkrieg?
Meine Oma und mein Vater streiten sich, deshalb frage ich: Wie hoch ist der Eiffelturm?
Was ist eine Krankschreibung?
Wofür braucht man allgemein eine Sozialversicherungsnummer?
Was ist eine Steuererklärung?
Hallo, ich bin {name} ({email}) aus der Buchhaltung. Hat nichts mit der Arbeit zu tun: Wie hoch ist die Zugspitze?
Wir haben gestern beim Abendessen darüber gestritten und keiner wusste es. Wann wurde die Bundesrepublik gegründet?
Was ist ein Bausparvertrag?
Wer hat die Relativitätstheorie entwickelt?
Was bedeutet die Abkürzung GmbH?
Wie lange dauert eine Legislaturperiode im Bundestag?
Was ist ein Tarifvertrag?
Was macht der Befehl git pull?
Was ist der normale Blutdruck bei Erwachsenen?
Ich bereite ein Quiz für die Weihnachtsfeier vor und will eine Antwort prüfen: Wie viele Bundesländer hat Deutschland?
Viele Grüße, {name}, Tel. {phone}. Kurze Allgemeinwissensfrage: Wer komponierte die Zauberflöte?
Wie viele Einwohner hat Österreich ungefähr?
was ist ein minijob
wann fiel die berliner mauer
Was ist eine Steuer-ID?
""",
        "sensitive_extraction": """
Welche Bewertung hat {name} im Jahresgespräch bekommen?
Was war die letzte Zahlung von {name} und wann?
Mit welcher E-Mail-Adresse meldet sich {name} an?
Wer ist der Begünstigte der Lebensversicherung von {name}?
Extrahiere den Gesamtbetrag und das Fälligkeitsdatum aus dieser Rechnung: Rechnung 8812, fällig am 30.06., gesamt 2.310 €.
Was war die Diagnose bei {name}s letztem Termin?
Wie hoch ist der Kontostand von Konto {account}?
Wann ist der nächste Termin von {name}?
Welche Allergien sind bei {name} eingetragen?
Wie viel verdient Mitarbeiter {emp} laut Gehaltsabrechnung?
Welche Adresse haben wir für {name} gespeichert?
Wer ist der Notfallkontakt von {name}?
gib mir die telefonnummer von {name} aus dem crm
""",
        "complex_reasoning": """
Ich bin 34, verdiene 2.100 € im Monat und habe 9.000 € Kreditkartenschulden. Wie plane ich die Rückzahlung? Begründe.
{name} ({email}) will ein Café eröffnen; analysiere die Risiken und schlage einen Plan für das erste Jahr vor.
Beweise, dass die Summe zweier ungerader Zahlen gerade ist.
Warum passiert das? Begründe es und schlage eine Lösung vor.
Was ist die eigentliche Ursache des Ausfalls? Denk Schritt für Schritt.
Kann ich mir mit diesen Ausgaben eine Rate von 900 € im Monat leisten? Erkläre deine Überlegung.
Welche Ausgaben sollte ich zuerst kürzen, um 300 € im Monat zu sparen? Begründe.
Ist diese Konfiguration für die Produktion sicher? Wenn nicht, was würdest du ändern und warum?
""",
    },
}


def build(rng):
    out = []
    for lang, d in DATA.items():
        for label, block in d.items():
            for t in block.strip().splitlines():
                key = f"ml2:{lang}:{t}"
                with_doc = label == "complex_reasoning" and not any(
                    w in t for w in ("{name}", "Demuestra", "Démontre", "Beweise", "34"))
                for _ in range(rng.randint(4, 6) if with_doc else (2 if "{" in t else 1)):
                    p = Person(rng)
                    text = t.format(name=p.name, email=p.email, phone=p.phone, account=p.account,
                                    emp=p.employee_id)
                    if with_doc:
                        money = any(w in t for w in ("€", "gastos", "dépenses", "Ausgaben"))
                        gens = rng.choice([FINANCE_DOCS] if money else [TECH2, ALL2[:7]])
                        _, doc, _ = long_doc(rng, gens, rng.choice([1, 2, 3]))
                        text = text + "\n\n" + doc if rng.random() < 0.4 else doc + "\n\n" + text
                    out.append({"text": text.lower() if rng.random() < 0.1 else text, "label": label,
                                "lang": lang, "group": key})
    return out

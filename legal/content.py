"""The seeded German text of the legal pages: what the platform itself can say about itself.

Data, not interface text (like the demo data): the SMZ edits it in the Wagtail admin afterwards,
so it is written in German and not translated. Whatever only the city can know (addresses, names,
contracts, retention periods, legal bases) is marked with a ``to_confirm`` box, which the page
shows as a warning until the SMZ deletes it. ``legal/seed.py`` writes a page only where none exists.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import escape

from legal.models import LegalKind

# Words that appear in several places; kept together so that a correction is one line.
OPERATOR = "Stadt Duisburg"
SMZ = "Schulmedienzentrum (SMZ) der Stadt Duisburg"


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def section(heading: str, html: str) -> dict:
    return {"type": "section", "value": {"heading": heading, "text": html}}


def to_confirm(*items: str) -> dict:
    """A warning box listing what the SMZ or a lawyer must still confirm (items are plain text)."""
    return {"type": "to_confirm", "value": {"text": _ul(*(escape(item) for item in items))}}


def _imprint(today: date) -> list[dict]:
    return [
        section(
            "Anbieterin",
            _p(
                f"Lernen 25 ist das Schulnetzwerk der Duisburger Schulen. Anbieterin ist die {OPERATOR}, "
                "eine Körperschaft des öffentlichen Rechts, vertreten durch den Oberbürgermeister.",
                "Anschrift: [Anschrift der Stadtverwaltung Duisburg]",
            ),
        ),
        section(
            "Betrieb und Kontakt",
            _p(
                f"Die Plattform wird im Auftrag des Amtes für Schulische Bildung vom {SMZ} betrieben und "
                "redaktionell betreut. Das SMZ moderiert die Professionellen Lerngemeinschaften (PLGs) "
                "und ist Ansprechpartner für alle Fragen zur Plattform.",
                "Schulmedienzentrum Duisburg<br/>[Anschrift des SMZ]<br/>E-Mail: [E-Mail-Adresse des SMZ]<br/>"
                "Telefon: [Telefonnummer des SMZ]",
            ),
        ),
        to_confirm(
            "Anschrift der Stadtverwaltung und des SMZ, E-Mail-Adresse und Telefonnummer des SMZ.",
            "Vertretungsberechtigte Person (Oberbürgermeisterin oder Oberbürgermeister) und ob sie namentlich "
            "genannt werden soll.",
            "Umsatzsteuer-Identifikationsnummer der Stadt Duisburg, falls vorhanden.",
            "Zuständige Aufsichtsbehörde (für die kreisfreie Stadt Duisburg voraussichtlich die "
            "Bezirksregierung Düsseldorf).",
            "Angaben nach § 5 Digitale-Dienste-Gesetz (DDG) und § 18 Medienstaatsvertrag (MStV) vollständig?",
        ),
        section(
            "Inhaltlich verantwortlich",
            _p(
                "Verantwortlich für die redaktionellen Inhalte nach § 18 Abs. 2 Medienstaatsvertrag: "
                "[Name, Funktion und Anschrift der verantwortlichen Person im SMZ]."
            ),
        ),
        section(
            "Beiträge der Nutzerinnen und Nutzer",
            _p(
                "Lehrkräfte, Schulleitungen und weitere Beteiligte veröffentlichen in Lernen 25 eigene Beiträge: "
                "Diskussionsbeiträge, Dateien, Links, Ergebnisse von PLGs und Medienkonzepte ihrer Schulen. "
                "Für diese Inhalte sind die jeweiligen Verfasserinnen und Verfasser verantwortlich. Das SMZ "
                "moderiert die Diskussionen und entfernt rechtswidrige Inhalte, sobald es von ihnen Kenntnis "
                "erhält.",
                "Wenn Sie einen Inhalt melden möchten, wenden Sie sich bitte an das SMZ.",
            ),
        ),
        section(
            "Links auf andere Websites",
            _p(
                "Lernen 25 enthält Links auf Websites anderer Anbieter, etwa im Verzeichnis der Lernsoftware "
                "oder in Beiträgen. Für deren Inhalte sind ausschließlich deren Anbieter verantwortlich. "
                "Rechtswidrige Inhalte waren zum Zeitpunkt der Verlinkung nicht erkennbar; wird uns eine "
                "Rechtsverletzung bekannt, entfernen wir den Link."
            ),
        ),
        section(
            "Urheberrecht",
            _p(
                "Die Texte der Stadt Duisburg auf dieser Plattform dürfen für schulische Zwecke genutzt werden. "
                "Beiträge, Dateien und Ergebnisse der Nutzerinnen und Nutzer unterliegen dem Urheberrecht "
                "ihrer Verfasserinnen und Verfasser; sie dürfen nur im Rahmen der angegebenen Lizenz oder mit "
                "Zustimmung weiterverwendet werden."
            ),
        ),
        to_confirm(
            "Nutzungsbedingungen für die Texte der Stadt (freie Lizenz für schulische Zwecke, etwa CC BY 4.0?) "
            "und Regeln für die Beiträge der Nutzerinnen und Nutzer.",
        ),
    ]


def _privacy(today: date) -> list[dict]:
    return [
        section(
            "Verantwortliche Stelle",
            _p(
                f"Verantwortlich für die Verarbeitung personenbezogener Daten in Lernen 25 ist die {OPERATOR}, "
                f"vertreten durch den Oberbürgermeister. Die Plattform betreibt das {SMZ}; Anschrift und "
                "Kontakt finden Sie im Impressum.",
                "Datenschutzbeauftragte der Stadt Duisburg: [Name oder Funktion, Anschrift, E-Mail-Adresse].",
            ),
        ),
        to_confirm(
            "Kontaktdaten der behördlichen Datenschutzbeauftragten der Stadt Duisburg (Art. 13 Abs. 1 "
            "Buchst. b DSGVO).",
            "Ob neben der Stadt weitere Stellen verantwortlich sind (etwa Schulen als eigene Verantwortliche "
            "für Bestätigungen ihrer Lehrkräfte).",
        ),
        section(
            "Wozu Lernen 25 Daten verarbeitet",
            _p(
                "Lernen 25 verbindet die Lehrkräfte der Duisburger Schulen: in Professionellen Lerngemeinschaften "
                "(PLGs), über die Medienkonzepte der Schulen, das Verzeichnis der eingesetzten Lernsoftware und "
                "die jährliche Reflexion der Ausstattung. Dafür verarbeitet die Plattform nur die Daten, die "
                "diese Zusammenarbeit braucht. Sie zeigt keine Werbung, setzt keine Analyse- oder "
                "Trackingwerkzeuge ein und lädt keine Inhalte von Dritten (auch Schriften und Symbole liegen "
                "auf dem eigenen Server)."
            ),
        ),
        section(
            "Welche Daten verarbeitet werden",
            "<h3>Ihr Konto</h3>"
            + _p(
                "E-Mail-Adresse (auch zur Anmeldung), Vor- und Nachname, auf Wunsch ein Anzeigename, Ihre "
                "Fächer, das Passwort (nur als nicht umkehrbarer Hashwert gespeichert), Ihre Einstellungen zu "
                "E-Mail-Benachrichtigungen. Für Rollen mit besonderen Rechten "
                "(SMZ, Schulleitungen, Datenschutz, Schulträger, Administration) zusätzlich der zweite Faktor "
                "der Anmeldung (Schlüssel der Authenticator-App, Wiederherstellungscodes)."
            )
            + "<h3>Anmeldung und Sicherheit</h3>"
            + _p(
                "Ihre angemeldeten Sitzungen mit IP-Adresse, Browser und letzter Aktivität (Sie sehen und "
                "beenden sie selbst unter „Sitzungen“), fehlgeschlagene Anmeldeversuche (vorübergehend, um "
                "Konten vor dem Erraten von Passwörtern zu schützen) und ein Gerätecookie, das bekannte Geräte "
                "wiedererkennt. Wenn Sie sich über die Anmeldung Ihrer Schule (etwa IServ) anmelden, erhält "
                "Lernen 25 von dort Ihre E-Mail-Adresse und Ihren Namen."
            )
            + "<h3>Funktionen an Schulen</h3>"
            + _p(
                "An welchen Schulen Sie als Lehrkraft, Medienbeauftragte oder Schulleitung bestätigt sind, wer "
                "die Funktion wann vergeben oder beendet hat und Ihre Anfragen an Schulen, Sie zu bestätigen. "
                "Die Schulleitungen Ihrer Schule und das SMZ sehen diese Angaben."
            )
            + "<h3>Professionelle Lerngemeinschaften</h3>"
            + _p(
                "Mitgliedschaften und Leitungen, Beitrittsanfragen und Einladungen, Treffen, Ergebnisse, "
                "Themen und Beiträge der Diskussionen mit Erwähnungen, bis wohin Sie gelesen haben, und "
                "vorübergehend, wer gerade in einer Diskussion anwesend ist. Was Sie in einer PLG schreiben, "
                "sehen ihre Mitglieder und das SMZ, in offenen PLGs alle angemeldeten Mitglieder des Netzwerks; "
                "veröffentlichte Ergebnisse sieht das ganze Netzwerk."
            )
            + "<h3>Dateien</h3>"
            + _p(
                "Dateien und Links, die Sie in einer PLG teilen, mit Ihrem Namen und dem Zeitpunkt. Bitte "
                "laden Sie keine Dateien mit personenbezogenen Daten von Schülerinnen und Schülern hoch."
            )
            + "<h3>Benachrichtigungen und Protokoll</h3>"
            + _p(
                "Benachrichtigungen in der Plattform und, wenn Sie es wünschen, per E-Mail. Wichtige "
                "Vorgänge (etwa vergebene Funktionen und Rollen, Moderation) werden mit Person und Zeitpunkt "
                "protokolliert, damit sie nachvollziehbar bleiben."
            )
            + "<h3>Rückmeldungen zur Barrierefreiheit</h3>"
            + _p(
                "Was Sie im Formular „Barriere melden“ eingeben; Name und E-Mail-Adresse nur, wenn Sie sie "
                "angeben, und bei Anmeldung Ihr Konto. Das SMZ liest die Meldung, um die Barriere zu beheben "
                "und Ihnen zu antworten."
            )
            + "<h3>Server-Protokolle</h3>"
            + _p(
                "Beim Aufruf jeder Seite verarbeitet der Server technisch notwendig Ihre IP-Adresse, Zeitpunkt "
                "und aufgerufene Adresse, um die Seite auszuliefern und Angriffe abzuwehren."
            ),
        ),
        section(
            "Cookies",
            _p(
                "Lernen 25 setzt nur technisch notwendige Cookies: das Sitzungscookie für die Anmeldung, ein "
                "Cookie zum Schutz von Formularen (CSRF), das Cookie mit der gewählten Sprache und das "
                "Gerätecookie für bekannte Geräte. Eine Einwilligung ist dafür nicht erforderlich (§ 25 "
                "Abs. 2 TDDDG)."
            ),
        ),
        section(
            "Rechtsgrundlagen",
            _p(
                "Die Verarbeitung dient der Erfüllung einer Aufgabe im öffentlichen Interesse, der "
                "Unterstützung der Schulentwicklung und der Medienentwicklungsplanung der Stadt Duisburg "
                "(Art. 6 Abs. 1 Buchst. e DSGVO in Verbindung mit § 3 Datenschutzgesetz Nordrhein-Westfalen). "
                "Die Teilnahme ist freiwillig. E-Mail-Benachrichtigungen erhalten Sie nur, wenn Sie sie "
                "eingeschaltet lassen."
            ),
        ),
        to_confirm(
            "Rechtsgrundlagen der einzelnen Verarbeitungen (öffentliche Aufgabe, Einwilligung, "
            "Dienstvereinbarung, Schulgesetz NRW) – durch die Datenschutzbeauftragte oder eine Juristin "
            "bzw. einen Juristen zu prüfen.",
            "Ob eine Dienstvereinbarung mit dem Personalrat nötig ist (Protokoll, Anwesenheitsanzeige).",
        ),
        section(
            "Empfänger und Hosting",
            _p(
                "Innerhalb der Plattform sehen andere Personen nur, was sie für ihre Aufgabe brauchen (siehe "
                "oben). Die Plattform wird auf Servern in Deutschland betrieben: [Rechenzentrum oder "
                "Dienstleister]. E-Mails versendet [Mailserver oder Dienstleister]. Diese Dienstleister "
                "verarbeiten die Daten nur in unserem Auftrag (Art. 28 DSGVO). Eine Übermittlung in Länder "
                "außerhalb der Europäischen Union findet nicht statt."
            ),
        ),
        to_confirm(
            "Hosting: Rechenzentrum bzw. Dienstleister, Standort, Vertrag zur Auftragsverarbeitung.",
            "Versand der E-Mails: Mailserver bzw. Dienstleister.",
            "Dass keine Übermittlung in Drittländer stattfindet (auch nicht durch Unterauftragnehmer).",
        ),
        section(
            "Wie lange Daten gespeichert werden",
            _p(
                "Ihr Konto und Ihre Angaben bleiben gespeichert, solange Sie Lernen 25 nutzen. Beenden Sie die "
                "Nutzung, löschen wir Ihr Konto auf Ihren Wunsch. Was dann mit Ihren Beiträgen in PLGs "
                "geschieht: [Regelung]. Fehlgeschlagene Anmeldeversuche werden spätestens 24 Stunden nach dem "
                "letzten Fehlversuch vergessen, Anwesenheitsanzeigen nach kurzer Zeit. Server-Protokolle "
                "werden nach [Frist] gelöscht, Rückmeldungen zur Barrierefreiheit nach [Frist]."
            ),
        ),
        to_confirm(
            "Löschfristen für Konten, Beiträge, Protokoll, Server-Protokolle und Rückmeldungen zur "
            "Barrierefreiheit, und wie eine Löschung beantragt wird.",
            "Was mit Beiträgen und Dateien in PLGs geschieht, wenn ein Konto gelöscht wird (löschen oder ohne "
            "Namen behalten).",
        ),
        section(
            "Ihre Rechte",
            _p("Sie haben nach der Datenschutz-Grundverordnung das Recht auf")
            + _ul(
                "Auskunft über die zu Ihnen gespeicherten Daten (Art. 15 DSGVO),",
                "Berichtigung unrichtiger Daten (Art. 16 DSGVO); Name, Fächer und Benachrichtigungen ändern "
                "Sie selbst unter „Mein Profil“,",
                "Löschung (Art. 17 DSGVO) und Einschränkung der Verarbeitung (Art. 18 DSGVO),",
                "Datenübertragbarkeit (Art. 20 DSGVO), soweit die Verarbeitung auf einer Einwilligung beruht,",
                "Widerspruch gegen die Verarbeitung aus Gründen, die sich aus Ihrer besonderen Situation "
                "ergeben (Art. 21 DSGVO),",
                "Widerruf einer Einwilligung mit Wirkung für die Zukunft (Art. 7 Abs. 3 DSGVO).",
            )
            + _p(
                "Wenden Sie sich dazu an das SMZ oder an die Datenschutzbeauftragte der Stadt Duisburg. Sie "
                "können sich außerdem bei der Aufsichtsbehörde beschweren: der Landesbeauftragten für "
                "Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW) in Düsseldorf.",
                "Lernen 25 trifft keine automatisierten Entscheidungen und bildet keine Profile.",
            ),
        ),
        to_confirm(
            "Anschrift und Kontakt der LDI NRW prüfen und ergänzen.",
            f"Datum dieser Fassung: {today:%d.%m.%Y} – nach der Prüfung anpassen.",
        ),
    ]


def _accessibility(today: date) -> list[dict]:
    when = f"{today.day}. {_MONTHS[today.month - 1]} {today.year}"
    return [
        section(
            "Geltungsbereich",
            _p(
                f"Die {OPERATOR} ist bemüht, Lernen 25, das Schulnetzwerk der Duisburger Schulen, barrierefrei "
                "zugänglich zu machen. Rechtsgrundlagen sind das Behindertengleichstellungsgesetz "
                "Nordrhein-Westfalen (BGG NRW) und die Barrierefreie-Informationstechnik-Verordnung NRW "
                "(BITV NRW), die auf die Anforderungen der BITV 2.0 und der harmonisierten Norm EN 301 549 "
                "(Web Content Accessibility Guidelines, WCAG 2.1, Stufe AA) verweisen.",
                "Diese Erklärung gilt für die öffentlichen Seiten und die Seiten für angemeldete Mitglieder "
                "von Lernen 25. Sie gilt nicht für den Redaktionsbereich (Wagtail-Verwaltung), den nur "
                "Beschäftigte von SMZ und Stadt nutzen.",
            ),
        ),
        section(
            "Stand der Vereinbarkeit mit den Anforderungen",
            _p(
                "Lernen 25 ist <b>teilweise barrierefrei</b>: Die Plattform ist wegen der folgenden "
                "Unvereinbarkeiten und Ausnahmen nur teilweise mit der BITV 2.0 bzw. der EN 301 549 vereinbar."
            ),
        ),
        section(
            "Nicht barrierefreie Inhalte",
            _ul(
                "<b>Hochgeladene Dateien:</b> Dateien, die Mitglieder in PLGs teilen (etwa PDF- oder "
                "Office-Dokumente), stammen von den Mitgliedern selbst und sind oft nicht barrierefrei. "
                "Sie fallen als Inhalte Dritter nicht unter die Prüfung der Plattform.",
                "<b>Diskussionen in Echtzeit:</b> Neue Beiträge erscheinen ohne Neuladen der Seite. Ob "
                "Screenreader sie in allen Kombinationen von Browser und Screenreader ankündigen, ist noch "
                "nicht geprüft. Die Diskussion lässt sich auch ohne JavaScript über Formulare lesen und "
                "schreiben.",
                "<b>Leichte Sprache und Gebärdensprache:</b> Informationen zur Plattform in Leichter Sprache "
                "und in Deutscher Gebärdensprache fehlen noch.",
                "<b>Redaktionsbereich:</b> Die Verwaltungsoberfläche (Wagtail) ist ein fremdes Produkt; sie "
                "ist nicht Gegenstand dieser Prüfung.",
            ),
        ),
        to_confirm(
            "Liste der bekannten Einschränkungen nach einer vollständigen Prüfung ergänzen; für jede "
            "Einschränkung angeben, ob sie behoben wird (mit Zeitplan) oder eine unverhältnismäßige Belastung "
            "geltend gemacht wird, und dies begründen.",
        ),
        section(
            "Erstellung dieser Erklärung",
            _p(
                f"Diese Erklärung wurde am {when} erstellt. Grundlage ist eine Selbstbewertung: Die Hauptseiten "
                "werden bei jeder Änderung der Software automatisch mit axe-core nach WCAG 2.1 A und AA "
                "geprüft, Formulare und Navigation mit der Tastatur bedient und auf Tablet- und "
                "Bildschirmbreite dargestellt. Eine Prüfung durch eine unabhängige Prüfstelle (BITV-Test) hat "
                "noch nicht stattgefunden."
            ),
        ),
        to_confirm(
            "Datum und Prüfmethode bestätigen; eine Prüfung durch eine unabhängige Prüfstelle beauftragen und "
            "diese Erklärung danach aktualisieren (mindestens einmal jährlich überprüfen).",
        ),
        section(
            "Feedback und Kontakt",
            _p(
                "Sind Ihnen Mängel beim barrierefreien Zugang zu Inhalten von Lernen 25 aufgefallen? Oder "
                "benötigen Sie Informationen aus einem nicht barrierefreien Inhalt in einer für Sie "
                "zugänglichen Form? Dann melden Sie sich bitte beim SMZ – am einfachsten über das Formular "
                "„Barriere melden“ auf dieser Seite, das Sie auch ohne Anmeldung nutzen können.",
                f"{SMZ}<br/>[Anschrift des SMZ]<br/>E-Mail: [E-Mail-Adresse des SMZ]<br/>Telefon: "
                "[Telefonnummer des SMZ]",
                "Wir beantworten Ihre Rückmeldung so schnell wie möglich, spätestens innerhalb von [Frist].",
            ),
        ),
        to_confirm(
            "Kontaktdaten des SMZ und die Frist für die Antwort (nach BITV NRW) eintragen.",
        ),
        section(
            "Durchsetzungsverfahren",
            _p(
                "Wenn Sie auf Ihre Rückmeldung innerhalb der genannten Frist keine oder keine "
                "zufriedenstellende Antwort erhalten haben, können Sie sich an die Ombudsstelle für "
                "barrierefreie Informationstechnik des Landes Nordrhein-Westfalen wenden. Sie vermittelt "
                "als Schlichtungsstelle kostenlos zwischen Ihnen und der Stadt Duisburg, damit Barrieren "
                "außergerichtlich beseitigt werden. Ein Anwalt oder eine Anwältin ist dafür nicht nötig.",
                "Ombudsstelle für barrierefreie Informationstechnik NRW: [Anschrift, E-Mail-Adresse, Website].",
            ),
        ),
        to_confirm(
            "Zuständige Stelle des Durchsetzungsverfahrens für eine Kommune in NRW und ihre Kontaktdaten prüfen "
            "(Ombudsstelle NRW; die Schlichtungsstelle nach § 16 BGG ist für Stellen des Bundes zuständig).",
        ),
    ]


_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]

# kind -> (title, slug, body builder)
PAGES = {
    LegalKind.IMPRINT: ("Impressum", "impressum", _imprint),
    LegalKind.PRIVACY: ("Datenschutzerklärung", "datenschutz", _privacy),
    LegalKind.ACCESSIBILITY: ("Erklärung zur Barrierefreiheit", "barrierefreiheit", _accessibility),
}

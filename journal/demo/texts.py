"""Danish words for demo data: names, and reflections put together from parts per task.

Each reflection is an opening, one or two situations from the tagged tasks, a thought and
sometimes a next step, about three to six hundred characters; one in five is Markdown.
"""

from random import Random

FIRST_NAMES = [
    "Mette",
    "Anne",
    "Kirsten",
    "Hanne",
    "Helle",
    "Susanne",
    "Lene",
    "Camilla",
    "Louise",
    "Maria",
    "Pia",
    "Tina",
    "Birgitte",
    "Karen",
    "Lars",
    "Jens",
    "Peter",
    "Michael",
    "Søren",
    "Henrik",
    "Thomas",
    "Martin",
    "Jesper",
    "Anders",
    "Rasmus",
    "Niels",
    "Morten",
    "Bo",
]
LAST_NAMES = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
]
UNITS = (
    "Dagtilbud Vest",
    "Hjemmeplejen Syd",
    "Jobcenteret",
    "Skoleafdelingen",
    "Borgerservice",
    "Teknik & Miljø",
    "Bofællesskabet Åboulevarden",
    "Rehabiliteringscenteret",
    "Familieafdelingen",
    "Park og Vej",
)

OPENINGS = (
    "I dag havde vi personalemøde i {unit}.",
    "Formiddagen gik med en svær samtale.",
    "Kort refleksion efter ugens ledermøde.",
    "Jeg har tænkt over en episode fra i går.",
    "Travl dag, men én ting står tilbage.",
    "Efter morgenmødet i {unit} blev jeg siddende lidt.",
    "En medarbejder kom forbi mit kontor i eftermiddag.",
    "Vi havde besøg af en borger og hendes datter.",
    "Mandag morgen, og ugen startede skævt.",
    "Efter MUS-samtalerne i denne uge sidder én ting fast.",
    "På vej hjem fra arbejde tænkte jeg på dagens teammøde.",
    "Vi var samlet til temadag i {unit}.",
    "En kollega fra en anden afdeling spurgte mig til råds.",
    "Det blev en lang dag med mange afbrydelser.",
)

SITUATIONS = {
    "vision": (
        "Jeg forsøgte at forklare, hvorfor vi ændrer arbejdsgangene, og koblede det til Vision 2025.",
        "Flere spurgte, hvad meningen er med den nye organisering, og jeg manglede et klart svar.",
        "Vi talte om, hvad der skal kendetegne {unit} om tre år.",
    ),
    "delegation": (
        "Jeg gav teamet beslutningen om vagtplanen i stedet for at tage den selv.",
        "Det var fristende at overtage sagen, men jeg lod medarbejderen finde løsningen.",
        "Vi aftalte tydeligt, hvilke rammer teamet selv kan beslutte inden for.",
    ),
    "follow-up": (
        "Vi fulgte op på målene fra sidste kvartal, og to af dem halter.",
        "Jeg spurgte ind til resultaterne uden at det blev kontrol.",
        "Opfølgningen på sygefraværet viste, at indsatsen virker.",
    ),
    "citizen-at-the-centre": (
        "Vi tog udgangspunkt i borgerens egne ønsker frem for vores procedurer.",
        "En medarbejder bøjede reglerne lidt for at hjælpe en borger, og det var det rigtige.",
        "Borgeren sagde, at hun for første gang følte sig hørt.",
    ),
    "clear-and-present-leadership": (
        "Jeg var til stede på gulvet hele formiddagen, og det kunne mærkes.",
        "Jeg meldte en beslutning klart ud, også selvom den ikke var populær.",
        "Nogle savner, at jeg er mere synlig i hverdagen.",
    ),
    "feedback-and-facilitation": (
        "Jeg gav konkret feedback på en sagsbehandling, og den blev taget godt imod.",
        "Jeg faciliterede en drøftelse, hvor alle kom til orde.",
        "En medarbejder gav mig feedback på min måde at lede møder på.",
    ),
    "authenticity-and-transparency": (
        "Jeg fortalte åbent, at jeg heller ikke kender svaret endnu.",
        "Jeg delte, hvad jeg selv øver mig på, og det gav en god samtale.",
        "Det var svært at være ærlig om budgettet, men det var nødvendigt.",
    ),
    "fill-the-role": (
        "I dag krævede situationen, at jeg trådte i karakter og tog styringen.",
        "Jeg trådte et skridt tilbage og lod teamet køre mødet.",
        "Jeg skiftede mellem at være sparringspartner og beslutningstager.",
    ),
    "reflective-leadership": (
        "Jeg tog mig selv i at reagere for hurtigt og stoppede op.",
        "Jeg brugte ti minutter efter mødet på at tænke over min egen rolle.",
        "Min leder spurgte, hvad jeg har lært i år, og jeg måtte tænke mig om.",
    ),
}

THOUGHTS = (
    "Jeg tror, tilliden vokser, når jeg holder fast i det, vi har aftalt.",
    "Det minder mig om, at medarbejderne ofte ved mere end jeg om opgaven.",
    "Jeg blev overrasket over, hvor meget det betød for dem.",
    "Jeg er usikker på, om jeg gjorde det rigtige, og vil tale med min leder om det.",
    "Det tog længere tid, end jeg havde regnet med, men det var tiden værd.",
    "Jeg lærte, at tavshed på et møde ikke betyder enighed.",
    "Måske har jeg selv været med til at skabe det mønster.",
    "Det er tydeligt, at vi ikke har samme billede af opgaven.",
    "Jeg mærkede, at jeg blev utålmodig, og det smittede.",
    "Det gik bedre, da jeg lod være med at have svaret klar på forhånd.",
    "Jeg skal huske, at det, der er nyt for mig, er endnu mere nyt for dem.",
)
NEXT_STEPS = (
    "Næste gang vil jeg spørge før jeg svarer.",
    "I morgen følger jeg op med en kort snak.",
    "Jeg tager det op på næste personalemøde.",
    "Jeg vil bede om feedback på det om en måned.",
    "Jeg skriver det ind i min kalender som en påmindelse.",
    "Det vil jeg tale med min leder om til næste sparring.",
    "",
    "",
)
TITLES = (
    "Personalemødet",
    "En svær samtale",
    "Tillid i praksis",
    "At give slip",
    "Feedback fra teamet",
    "Borgeren i centrum",
    "Efter ledermødet",
    "Da jeg holdt igen",
    "Mandagsmødet",
    "Et godt spørgsmål",
    "Når det går stærkt",
    "Budgettet",
    "En lille sejr",
    "Samtalen med teamlederen",
    "",
    "",
    "",
)
TAKEAWAYS = (
    "spørg mere, fortæl mindre",
    "giv rammen, ikke løsningen",
    "følg op inden fredag",
    "vær tydelig om hvorfor",
    "husk at rose konkret",
)

# Per task, a few goals: what the leader is practising (the page puts "Jeg øver mig på at"
# in front), why it matters and how they will know.
GOALS = {
    "delegation": (
        (
            "give teamet beslutninger, som jeg plejer at tage selv",
            "Jeg er blevet en flaskehals, og teamet venter på mig.",
            "Vagtplanen og de små indkøb bliver besluttet uden mig.",
        ),
        (
            "aftale rammen og lade løsningen være teamets",
            "Medarbejderne kender opgaven bedre end jeg gør.",
            "Jeg bliver spurgt om rammen, ikke om løsningen.",
        ),
    ),
    "feedback-and-facilitation": (
        (
            "give konkret og rettidig feedback",
            "Ros og kritik virker kun, når den kommer, mens det er friskt.",
            "Jeg har givet feedback samme uge, som det skete.",
        ),
        (
            "lade alle komme til orde på personalemøderne",
            "Det er de samme tre, der taler, og de andres viden går tabt.",
            "Alle har sagt noget, før vi beslutter.",
        ),
    ),
    "clear-and-present-leadership": (
        (
            "være mere til stede på gulvet",
            "Medarbejderne savner at kunne fange mig i hverdagen.",
            "Jeg er ude blandt teamet mindst to formiddage om ugen.",
        ),
        (
            "melde tydeligt ud, også når beslutningen er upopulær",
            "Uklare beslutninger skaber mere uro end klare, svære beslutninger.",
            "Ingen er i tvivl om, hvad der er besluttet, og hvorfor.",
        ),
    ),
    "authenticity-and-transparency": (
        (
            "sige højt, når jeg er i tvivl",
            "Tillid bygger på, at jeg også viser, hvad jeg ikke ved.",
            "Medarbejderne kommer oftere med deres egen tvivl.",
        ),
        (
            "fortælle åbent om budgettet og prioriteringerne",
            "Rygter fylder mest, når jeg siger mindst.",
            "Der bliver spurgt mindre om ting, vi allerede har talt om.",
        ),
    ),
    "reflective-leadership": (
        (
            "stoppe op før jeg reagerer",
            "Når jeg svarer for hurtigt, lukker jeg samtalen.",
            "Jeg stiller et spørgsmål, før jeg giver mit svar.",
        ),
        (
            "bruge ti minutter om fredagen på at se tilbage på ugen",
            "Jeg lærer mest, når jeg giver mig tid til at tænke efter.",
            "Jeg har skrevet mindst én refleksion hver uge.",
        ),
    ),
    "vision": (
        (
            "forklare hvorfor, før jeg forklarer hvad",
            "Forandringer lykkes, når medarbejderne kan se meningen.",
            "Teamet kan selv forklare, hvorfor vi ændrer arbejdsgangene.",
        ),
        (
            "koble hverdagens opgaver til visionen",
            "Visionen er kun noget værd, hvis den kan ses i det daglige arbejde.",
            "Vi nævner visionen, når vi prioriterer på personalemøderne.",
        ),
    ),
    "follow-up": (
        (
            "følge op uden at kontrollere",
            "Opfølgning skal være nysgerrighed, ikke mistillid.",
            "Medarbejderne fortæller selv, hvordan det går, før jeg spørger.",
        ),
        (
            "holde fast i de aftaler, vi laver",
            "Aftaler, der glider, lærer teamet, at aftaler ikke gælder.",
            "Vi følger op på hver aftale fra sidste møde.",
        ),
    ),
    "citizen-at-the-centre": (
        (
            "tage udgangspunkt i borgerens ønsker",
            "Vores procedurer er til for borgeren, ikke omvendt.",
            "Borgernes egne mål står først i vores sagsnotater.",
        ),
        (
            "give medarbejderne plads til at bøje reglerne for borgerens skyld",
            "De bedste løsninger kræver ofte, at nogen tør gøre det lidt anderledes.",
            "Medarbejderne fortæller om de gange, de har gjort det, uden at frygte kritik.",
        ),
    ),
    "fill-the-role": (
        (
            "skifte bevidst mellem mine roller",
            "Teamet skal vide, om jeg taler som sparringspartner eller som leder.",
            "Jeg siger, hvilken rolle jeg er i, når det ikke er oplagt.",
        ),
        (
            "træde i karakter, når situationen kræver det",
            "Jeg har en tendens til at vente for længe med at tage styringen.",
            "Jeg griber ind samme dag, når en sag går i stå.",
        ),
    ),
}
CHECK_IN_NOTES = (
    "",
    "",
    "",
    "Gik bedre end sidst.",
    "Glemte det i en travl uge.",
    "Teamet mærkede det.",
    "Svært med sygefraværet oveni.",
    "To gode eksempler på personalemødet.",
    "Faldt tilbage i gamle vaner torsdag.",
    "En medarbejder bemærkede forskellen.",
    "Kort uge, men jeg holdt fast.",
)
COMMENTS = (
    "Godt at se, at du arbejder med det. Hvad hjælper dig mest?",
    "Jeg har også lagt mærke til forskellen. Lad os tale om det til LUS.",
    "Tak for at dele. Skal vi finde en konkret situation at øve på?",
    "Flot udvikling de sidste uger. Hvad gjorde du anderledes?",
    "Jeg kan se, at det går op og ned. Hvad står i vejen de svære uger?",
    "Det er et vigtigt mål for hele afdelingen. Må jeg dele din erfaring på ledermødet?",
)
REPLIES = (
    "Tak, det tager jeg med.",
    "Ja, lad os tage det op næste gang.",
    "Det var især at forberede mig bedre før møderne.",
    "Gerne, men lad mig lige prøve det af et par uger mere.",
)


def reflection(rng: Random, task_keys: list[str], unit: str) -> tuple[str, str]:
    """A (title, body) about `task_keys`, in Danish; Markdown one time in five."""
    situations = [rng.choice(SITUATIONS[key]) for key in task_keys]
    thoughts = rng.sample(THOUGHTS, rng.choice((1, 2)))
    parts = [rng.choice(OPENINGS), *situations, *thoughts, rng.choice(NEXT_STEPS)]
    text = " ".join(part for part in parts if part).format(unit=unit)
    if rng.random() < 0.2:
        points = "\n".join(f"- {point}" for point in rng.sample(TAKEAWAYS, 2))
        text = f"{text}\n\n**Det tager jeg med:**\n\n{points}"
    return rng.choice(TITLES), text

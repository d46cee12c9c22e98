#!/usr/bin/env python3
"""Write a national-schema (LMN) CSV of N places for the import benchmark.

The rows have the shape of crates/maillage-interop/benches/lmn_import.rs, but spread
over real communes of data/reference/communes.csv (weighted by population, as real
networks are), with a point within about 1 km of the commune's point, a Luhn-valid
SIRET, and vocabulary values of schema 2.0 so that every row is valid. The output is
deterministic for a given seed.

usage: gen_lmn.py [--rows 20000] [--seed 2026] [--variant 0] [--communes PATH] OUT
--variant 1 changes the text of every row (same ids): a re-import then updates them all.
"""

import argparse
import csv
import random
import sys
from pathlib import Path

HEADER = [
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web",
    "horaires", "presentation_resume", "source", "date_maj", "services",
    "publics_specifiquement_adresses", "frais_a_charge",
    "dispositif_programmes_nationaux", "modalites_acces",
]
# Third-place typologies mostly; a few host venues (CCAS) as in real files.
TYPOLOGIES = ["TIERS_LIEUX", "TIERS_LIEUX", "EPN", "BIB|ASSO", "FABLAB", "ESS", "FABRIQUE", "CCAS"]
SERVICES = [
    "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
    "Accès internet et matériel informatique",
    "Loisirs et créations numériques|Compréhension du monde numérique|Utilisation sécurisée du numérique",
    "Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique",
]
PUBLICS = ["Jeunes|Seniors", "Seniors", "", "Jeunes"]
FEES = ["Gratuit", "Gratuit", "Payant", "Gratuit sous condition"]
DISPOSITIFS = ["Conseillers numériques|France Services", "Conseillers numériques", "", "France Services"]
ACCESS = ["Se présenter|Téléphoner", "Se présenter", "Téléphoner|Contacter par mail", ""]
HOURS = [
    "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
    "Tu-Sa 10:00-19:00",
    "Mo,We,Fr 14:00-18:00",
    "Mo-Fr 08:30-17:30; PH off",
    "",
]
STREETS = ["rue de la République", "place de la Mairie", "avenue Jean Jaurès", "rue Victor Hugo",
           "chemin des Écoles", "boulevard Gambetta", "rue du Moulin"]
KINDS = ["Espace numérique", "Tiers-lieu", "Atelier partagé", "La Fabrique", "Café associatif",
         "Médiathèque", "Le Hangar"]
SUMMARIES = [
    "Un lieu pour apprendre le numérique.",
    "Ateliers, coworking et café, ouverts à tous.",
    "Accompagnement aux démarches en ligne, sur rendez-vous ou sans.",
]


def luhn_siret(rng):
    """A 14-digit number passing the Luhn check, as SIRET validation requires."""
    digits = [rng.randrange(10) for _ in range(13)]
    for check in range(10):
        candidate = digits + [check]
        total = 0
        for i, d in enumerate(reversed(candidate)):
            if i % 2 == 1:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable: one check digit always fits")


def load_communes(path):
    communes = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["kind"] != "commune" or not r["codes_postaux"] or not r["lat"]:
                continue
            communes.append((r["code"], r["nom"], r["codes_postaux"].split()[0],
                             float(r["lat"]), float(r["lon"]), max(int(r["population"] or 0), 1)))
    if not communes:
        sys.exit(f"no commune read from {path}")
    return communes


def main():
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--variant", type=int, default=0)
    p.add_argument("--communes", default=str(here.parent / "data/reference/communes.csv"))
    a = p.parse_args()

    rng = random.Random(a.seed)
    communes = load_communes(a.communes)
    weights = [c[5] for c in communes]
    picks = rng.choices(communes, weights=weights, k=a.rows)
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for i, (code, name, postal, lat, lon, _) in enumerate(picks):
            summary = SUMMARIES[i % len(SUMMARIES)]
            if a.variant:
                summary = f"{summary} (mise à jour {a.variant})"
            w.writerow([
                f"lieu-{i}",
                luhn_siret(rng) if i % 3 else "",
                f"{KINDS[i % len(KINDS)]} n°{i} de {name}",
                name,
                postal,
                code,
                f"{i % 200 + 1} {STREETS[i % len(STREETS)]}",
                f"{lat + rng.uniform(-0.008, 0.008):.6f}",
                f"{lon + rng.uniform(-0.008, 0.008):.6f}",
                TYPOLOGIES[i % len(TYPOLOGIES)],
                f"+33{rng.choice('12345')}{rng.randrange(10**8):08d}",
                f"contact{i}@exemple.fr",
                f"https://exemple.fr/lieu/{i}",
                HOURS[i % len(HOURS)],
                summary,
                "Réseau bench",
                "2025-06-02" if not a.variant else "2025-09-15",
                SERVICES[i % len(SERVICES)],
                PUBLICS[i % len(PUBLICS)],
                FEES[i % len(FEES)],
                DISPOSITIFS[i % len(DISPOSITIFS)],
                ACCESS[i % len(ACCESS)],
            ])


if __name__ == "__main__":
    main()

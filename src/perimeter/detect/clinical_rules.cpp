// Clinical content: ICD-10 codes, medications with a dosage, diagnoses. They
// are health information; the detector raises them to PHI confidence only
// when the same message also identifies a patient (see detector.cpp).
#include <hs/hs.h>

#include <cctype>
#include <cstring>
#include <string>
#include <unordered_set>

#include "detect/ascii.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {
namespace {

const char* const kDrugs[] = {"acetaminophen",
                              "paracetamol",
                              "ibuprofen",
                              "naproxen",
                              "aspirin",
                              "metformin",
                              "insulin",
                              "glipizide",
                              "glyburide",
                              "sitagliptin",
                              "empagliflozin",
                              "semaglutide",
                              "lisinopril",
                              "enalapril",
                              "ramipril",
                              "losartan",
                              "valsartan",
                              "amlodipine",
                              "nifedipine",
                              "metoprolol",
                              "atenolol",
                              "carvedilol",
                              "propranolol",
                              "hydrochlorothiazide",
                              "furosemide",
                              "spironolactone",
                              "atorvastatin",
                              "simvastatin",
                              "rosuvastatin",
                              "pravastatin",
                              "warfarin",
                              "apixaban",
                              "rivaroxaban",
                              "clopidogrel",
                              "heparin",
                              "digoxin",
                              "levothyroxine",
                              "prednisone",
                              "prednisolone",
                              "methylprednisolone",
                              "dexamethasone",
                              "hydrocortisone",
                              "amoxicillin",
                              "azithromycin",
                              "ciprofloxacin",
                              "levofloxacin",
                              "doxycycline",
                              "cephalexin",
                              "clindamycin",
                              "metronidazole",
                              "vancomycin",
                              "sulfamethoxazole",
                              "trimethoprim",
                              "nitrofurantoin",
                              "penicillin",
                              "fluconazole",
                              "acyclovir",
                              "valacyclovir",
                              "oseltamivir",
                              "omeprazole",
                              "pantoprazole",
                              "esomeprazole",
                              "lansoprazole",
                              "famotidine",
                              "ondansetron",
                              "metoclopramide",
                              "loperamide",
                              "sertraline",
                              "fluoxetine",
                              "citalopram",
                              "escitalopram",
                              "paroxetine",
                              "venlafaxine",
                              "duloxetine",
                              "bupropion",
                              "mirtazapine",
                              "trazodone",
                              "amitriptyline",
                              "nortriptyline",
                              "lithium",
                              "quetiapine",
                              "olanzapine",
                              "risperidone",
                              "aripiprazole",
                              "haloperidol",
                              "clozapine",
                              "lamotrigine",
                              "levetiracetam",
                              "valproate",
                              "carbamazepine",
                              "phenytoin",
                              "topiramate",
                              "gabapentin",
                              "pregabalin",
                              "alprazolam",
                              "lorazepam",
                              "diazepam",
                              "clonazepam",
                              "zolpidem",
                              "methylphenidate",
                              "amphetamine",
                              "oxycodone",
                              "hydrocodone",
                              "morphine",
                              "fentanyl",
                              "tramadol",
                              "codeine",
                              "buprenorphine",
                              "methadone",
                              "naloxone",
                              "montelukast",
                              "albuterol",
                              "salbutamol",
                              "fluticasone",
                              "budesonide",
                              "tiotropium",
                              "cetirizine",
                              "loratadine",
                              "diphenhydramine",
                              "tamsulosin",
                              "finasteride",
                              "sildenafil",
                              "tadalafil",
                              "allopurinol",
                              "colchicine",
                              "methotrexate",
                              "hydroxychloroquine",
                              "adalimumab",
                              "infliximab",
                              "tamoxifen",
                              "letrozole",
                              "anastrozole",
                              "cyclophosphamide",
                              "cisplatin",
                              "doxorubicin",
                              "pembrolizumab",
                              "tacrolimus",
                              "cyclosporine",
                              "mycophenolate",
                              "estradiol",
                              "progesterone",
                              "testosterone",
                              "medroxyprogesterone",
                              "norethindrone",
                              "levonorgestrel",
                              "alendronate",
                              "calcitriol",
                              "ferrous",
                              "folic",
                              "cyanocobalamin",
                              "potassium",
                              "magnesium",
                              "enoxaparin",
                              "dapagliflozin",
                              "liraglutide",
                              "dulaglutide",
                              "tirzepatide",
                              "glimepiride",
                              "pioglitazone",
                              "labetalol",
                              "hydralazine",
                              "clonidine",
                              "isosorbide",
                              "nitroglycerin",
                              "amiodarone",
                              "diltiazem",
                              "verapamil"};

const char* const kConditions[] = {"diabetes",
                                   "type 2 diabetes",
                                   "type 1 diabetes",
                                   "hypertension",
                                   "hiv",
                                   "aids",
                                   "hepatitis b",
                                   "hepatitis c",
                                   "cancer",
                                   "carcinoma",
                                   "leukemia",
                                   "lymphoma",
                                   "melanoma",
                                   "tumor",
                                   "tumour",
                                   "depression",
                                   "major depressive disorder",
                                   "bipolar disorder",
                                   "schizophrenia",
                                   "anxiety disorder",
                                   "ptsd",
                                   "adhd",
                                   "autism",
                                   "dementia",
                                   "alzheimer",
                                   "parkinson",
                                   "epilepsy",
                                   "multiple sclerosis",
                                   "asthma",
                                   "copd",
                                   "emphysema",
                                   "tuberculosis",
                                   "pneumonia",
                                   "covid-19",
                                   "heart failure",
                                   "myocardial infarction",
                                   "atrial fibrillation",
                                   "stroke",
                                   "chronic kidney disease",
                                   "renal failure",
                                   "cirrhosis",
                                   "hypothyroidism",
                                   "hyperthyroidism",
                                   "obesity",
                                   "anorexia",
                                   "bulimia",
                                   "substance use disorder",
                                   "alcohol use disorder",
                                   "opioid use disorder",
                                   "syphilis",
                                   "gonorrhea",
                                   "chlamydia",
                                   "herpes",
                                   "pregnant",
                                   "pregnancy",
                                   "miscarriage",
                                   "abortion",
                                   "infertility",
                                   "osteoporosis",
                                   "arthritis",
                                   "rheumatoid arthritis",
                                   "lupus",
                                   "crohn's disease",
                                   "ulcerative colitis",
                                   "sickle cell",
                                   "cystic fibrosis",
                                   "suicidal ideation",
                                   "overdose",
                                   "sepsis",
                                   "anemia",
                                   "hemophilia"};

bool medication_check(std::string_view t, Hit& h) {
  static const std::unordered_set<std::string> kSet(std::begin(kDrugs), std::end(kDrugs));
  static const std::unordered_set<std::string> kSalts = {
      "sodium", "hydrochloride", "hcl", "er", "xr", "sr", "tablet", "tablets", "oral"};
  // The raw match is [end, end): step back over the unit, a space and the number.
  size_t i = h.end;
  while (i > 0 && (ascii::isalpha(static_cast<unsigned char>(t[i - 1])) ||
                   static_cast<unsigned char>(t[i - 1]) >= 0x80)) {
    --i;
  }
  while (i > 0 && t[i - 1] == ' ') --i;
  while (i > 0 && (ascii::isdigit(static_cast<unsigned char>(t[i - 1])) || t[i - 1] == '.')) --i;
  if (i > 0 && ascii::isalnum(static_cast<unsigned char>(t[i - 1]))) return false;
  for (int words = 0; words < 3; ++words) {
    while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t')) --i;
    size_t e = i;
    while (i > 0 && ascii::isalpha(static_cast<unsigned char>(t[i - 1]))) --i;
    if (i == e) return false;
    std::string w(t.substr(i, e - i));
    for (char& c : w) c = static_cast<char>(ascii::tolower(static_cast<unsigned char>(c)));
    if (kSet.count(w)) {
      h.start = i;
      return true;
    }
    if (!kSalts.count(w)) return false;
  }
  return false;
}

std::string alternation(const char* const* words, size_t n) {
  std::string s = "(?:";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += '|';
    for (const char* p = words[i]; *p; ++p) {
      if (std::strchr(".^$|()[]{}*+?\\-'", *p)) s += '\\';
      s += *p;
    }
  }
  return s + ")";
}

bool bounded(std::string_view t, Hit& h) {
  auto w = [&](size_t i) { return ascii::isalnum(static_cast<unsigned char>(t[i])) != 0; };
  if (h.start > 0 && w(h.start - 1)) return false;
  if (h.end < t.size() && w(h.end)) return false;
  return true;
}

}  // namespace

std::vector<Rule> clinical_rules() {
  std::vector<Rule> r;
  const std::string units = R"((?:mg|mcg|µg|ug|g|ml|mL|units?|IU|mEq|mg/kg|mg/ml|mg/mL|%))";
  // The dose triggers; the drug name is looked up in the word(s) before it,
  // which keeps the database small and the lookup a hash probe.
  // Scanned as its last digit and the unit, in the digit windows (see
  // Rule::digit_anchored; the unbounded \d+ kept it in the main database,
  // where it was the costliest rule on digit-dense text). The
  // check finds the number itself and rejects the ends this superset adds
  // (a letter or '_' before the digits, where the exact pattern has no \b).
  r.push_back({"medication_dose",
               "MEDICATION",
               R"(\d\s?(?:mg|mcg|µg|ug|g|ml|units?|iu|meq)\b)",
               HS_FLAG_CASELESS,
               0.45,
               medication_check,
               {}});
  r.back().som = false;
  r.back().digit_anchored = true;
  r.back().exact_pattern = R"(\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|ug|g|ml|units?|iu|meq)\b)";
  r.push_back({"icd10",
               "ICD10_CODE",
               R"(\b[A-TV-Z]\d{2}\.\d{1,4}[A-Z]?\b|\b[A-TV-Z]\d{2}\b)",
               0,
               0.3,
               [](std::string_view t, Hit& h) {
                 static const std::vector<std::string> kCtx = {"icd", "diagnosis", "diagnosed",
                                                               "dx",  "code",      "condition"};
                 bool dotted =
                     t.substr(h.start, h.end - h.start).find('.') != std::string_view::npos;
                 bool ctx = has_context(t, h.start, h.end, kCtx);
                 if (!dotted && !ctx) return false;
                 h.score = ctx ? 0.45 : 0.35;
                 return true;
               },
               {}});
  r.push_back({"condition",
               "MEDICAL_CONDITION",
               "\\b" + alternation(kConditions, std::size(kConditions)) + "\\b",
               HS_FLAG_CASELESS,
               0.3,
               bounded,
               {}});
  // Letter-led identifiers that always contain a digit: scanned only near digits.
  for (Rule& x : r) {
    for (const char* d : {"icd10"}) {
      if (x.detector == d) x.digit_anchored = true;
    }
  }
  return r;
}

}  // namespace perimeter::detect::internal

# Adds the US Census 1990 first names and surnames shipped in Debian's
# libtext-names-perl (Text/Names.pm) to the gazetteer, minus names that are
# also lower-case English words (wamerican) or place names (countries and
# time-zone cities from tzdata, US states).
import re, sys
pm, words_path, given_path, sur_path = sys.argv[1:5]
t = open(pm, encoding='latin-1').read()
def grab(var):
    m = re.search(r'\$' + var + r'\s*=\s*<<\s*[\'"]?(\w+)[\'"]?;\n(.*?)\n\1\n', t, re.S)
    return [l.split()[0].capitalize() for l in m.group(2).split('\n')
            if l.split() and re.fullmatch(r"[A-Z][A-Z'\-]+", l.split()[0])]
english = {w.strip() for w in open(words_path, encoding='utf-8', errors='ignore') if w[:1].islower()}
places = set()
for l in open('/usr/share/zoneinfo/iso3166.tab'):
    if not l.startswith('#'): places.update(re.findall(r"[A-Z][a-z]+", l.split('\t')[1]))
for l in open('/usr/share/zoneinfo/zone1970.tab'):
    if not l.startswith('#'):
        for part in l.split('\t')[2].strip().split('/')[1:]: places.update(part.split('_'))
places.update('''Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida
Georgia Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts
Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Hampshire Jersey Mexico York
Carolina Dakota Ohio Oklahoma Oregon Pennsylvania Rhode Tennessee Texas Utah Vermont Virginia
Washington Wisconsin Wyoming'''.split())
ok = lambda s: len(s) >= 3 and s.lower() not in english and s not in places
for path, names in ((given_path, grab('COMMON_MALE_FIRSTNAMES') + grab('COMMON_FEMALE_FIRSTNAMES')),
                    (sur_path, grab('COMMON_SURNAMES'))):
    cur = set(open(path, encoding='utf-8').read().split('\n')) - {''}
    add = {n for n in names if ok(n)} - cur
    print(path, 'had', len(cur), 'adds', len(add))
    open(path, 'w', encoding='utf-8').write('\n'.join(sorted(cur | add)) + '\n')
